import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type LiveAccount, type LiveServer, signUpLive, startLiveServer } from '../../harness/live-server';
import { createTestMysqlDatabase, type TestMysqlDatabase } from '../../harness/mariadb';

/**
 * Many clients at once against the real server process on MariaDB, through its pool of 5, all
 * signed in as one account (its token on every request, so every request also passes the gate).
 */

let database: TestMysqlDatabase;
let server: LiveServer;
let account: LiveAccount;

beforeAll(async () => {
  database = await createTestMysqlDatabase();
  server = await startLiveServer({ DATABASE_URL: database.url });
  account = await signUpLive(server.origin);
});
afterAll(async () => {
  await server.stop();
  await database.drop();
});

const bearer = () => ({ authorization: `Bearer ${account.token}` });

const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
  method,
  headers: { 'content-type': 'application/json', ...bearer(), ...headers },
  body: JSON.stringify(body),
});

test('50 concurrent clients create 2,000 tasks: exactly 2,000 rows, every one readable', async () => {
  const started = performance.now();
  const created: number[] = [];
  const statuses = new Map<number, number>();
  await Promise.all(
    Array.from({ length: 50 }, async (_, client) => {
      for (let n = 0; n < 40; n++) {
        const response = await fetch(
          `${server.origin}/api/tasks`,
          json('POST', { title: `client ${client} task ${n}` }),
        );
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 201) created.push((await response.json()).id);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  expect(Object.fromEntries(statuses)).toEqual({ 201: 2000 });
  expect(new Set(created).size).toBe(2000);

  const seen: number[] = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page: { items: { id: number }[]; next_cursor: string | null } = await (
      await fetch(`${server.origin}/api/tasks?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: bearer() })
    ).json();
    seen.push(...page.items.map((task) => task.id));
    cursor = page.next_cursor;
  }
  expect(seen.sort((a, b) => a - b)).toEqual(created.sort((a, b) => a - b));
  process.stdout.write(
    `drill: 2000 creates from 50 clients in ${seconds.toFixed(2)} s (${Math.round(2000 / seconds)}/s)\n`,
  );
}, 60_000);

test('20 concurrent PATCHes carrying the same version: exactly one 200, the rest 412', async () => {
  const task = await (await fetch(`${server.origin}/api/tasks`, json('POST', { title: 'Contended' }))).json();
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, writer) =>
      fetch(
        `${server.origin}/api/tasks/${task.id}`,
        json('PATCH', { title: `writer ${writer}` }, { 'if-match': '"1"' }),
      ),
    ),
  );
  const statuses = responses.map((response) => response.status).sort();
  expect(statuses).toEqual([200, ...Array<number>(19).fill(412)]);
  const winner = await responses.find((response) => response.status === 200)?.json();
  const stored = await (await fetch(`${server.origin}/api/tasks/${task.id}`, { headers: bearer() })).json();
  expect(stored).toMatchObject({ title: winner.title, version: 2 });
}, 30_000);

/** Tasks made for a drill, and a different slice of them for each client, in a shuffled order. */
async function sharedTasks(count: number) {
  const ids: number[] = [];
  for (let n = 0; n < count; n++)
    ids.push((await (await fetch(`${server.origin}/api/tasks`, json('POST', { title: `shared ${n}` }))).json()).id);
  const slice = (client: number) => {
    const named = Array.from({ length: 1 + ((client * 7) % count) }, (_, at) => ids[(client * 13 + at) % count]);
    return named.sort(() => Math.random() - 0.5).map((id) => ({ id }));
  };
  return { ids, slice };
}

const poolStats = async (): Promise<{ transaction_retries_total: number; timeouts_total: number }> =>
  (await fetch(`${server.origin}/pool-stats`)).json();
const retriedTransactions = async () => (await poolStats()).transaction_retries_total;

const tally = (responses: Response[]) => {
  const statuses: Record<number, number> = {};
  for (const { status } of responses) statuses[status] = (statuses[status] ?? 0) + 1;
  return statuses;
};

/** Every live task of the account, by status, and what the page's filters say. */
async function countsNow() {
  const live = { open: 0, done: 0 };
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page: { items: { status: 'open' | 'done' }[]; next_cursor: string | null } = await (
      await fetch(`${server.origin}/api/tasks?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: bearer() })
    ).json();
    for (const task of page.items) live[task.status]++;
    cursor = page.next_cursor;
  }
  const html = await (await fetch(`${server.origin}/`, { headers: { cookie: account.cookie } })).text();
  const shown = (label: string) => Number(html.match(new RegExp(`${label} <span class="count">(\\d+)</span>`))?.[1]);
  return { live, shown: { open: shown('Open'), done: shown('Done') } };
}

/** What every storm below must leave: no transaction tried again, and the page's counts those of the tasks. */
async function expectCalmAfter(retriesBefore: number) {
  expect((await retriedTransactions()) - retriesBefore).toBe(0);
  const { live, shown } = await countsNow();
  expect(shown).toEqual(live);
}

test('bulk changes and single edits of the same tasks at once: no deadlock, the counts still right', async () => {
  const { ids, slice } = await sharedTasks(60);
  const retriesBefore = await retriedTransactions();
  const bulk = Array.from({ length: 200 }, (_, client) =>
    fetch(
      `${server.origin}/api/tasks/bulk`,
      json('POST', { action: client % 2 ? 'complete' : 'reopen', tasks: slice(client) }),
    ),
  );
  const single = ids.map((id, at) =>
    fetch(`${server.origin}/api/tasks/${id}`, json('PATCH', { status: at % 2 ? 'done' : 'open' })),
  );
  expect(tally(await Promise.all(bulk))).toEqual({ 200: 200 });
  expect(tally(await Promise.all(single))).toEqual({ 200: 60 });
  // The bulk changes waited for their turn without a connection: nobody waited for one too long.
  expect((await poolStats()).timeouts_total).toBe(0);
  // Every change locks its tasks by id, in id order: none had to be tried again.
  await expectCalmAfter(retriesBefore);
}, 60_000);

test('bulk deletes, restores, completes and clears of the same tasks at once: 200 or 404, no deadlock', async () => {
  const { slice } = await sharedTasks(60);
  const retriesBefore = await retriedTransactions();
  const actions = ['delete', 'restore', 'complete', 'clear_completed'] as const;
  const responses = await Promise.all(
    Array.from({ length: 200 }, (_, client) => {
      const action = actions[client % actions.length];
      const body = action === 'clear_completed' ? { action } : { action, tasks: slice(client) };
      return fetch(`${server.origin}/api/tasks/bulk`, json('POST', body));
    }),
  );
  // A change naming a task deleted meanwhile is refused (404); nothing fails otherwise.
  const statuses = tally(responses);
  expect(Object.keys(statuses).filter((status) => status !== '200' && status !== '404')).toEqual([]);
  // Bulk changes, deletes and restores of one account take turns (takeTurn): none deadlocked.
  await expectCalmAfter(retriesBefore);
}, 60_000);

test('edits and deletes that name no version never answer 412, while their tasks are deleted and restored', async () => {
  const { ids } = await sharedTasks(20);
  const retriesBefore = await retriedTransactions();
  const requests: Promise<Response>[] = [];
  for (let round = 0; round < 15; round++) {
    for (const id of ids) {
      const named = { tasks: [{ id }] };
      requests.push(
        fetch(`${server.origin}/api/tasks/bulk`, json('POST', { action: 'delete', ...named })),
        fetch(`${server.origin}/api/tasks/${id}`, json('PATCH', { title: `round ${round}`, due_date: '2026-01-01' })),
        fetch(`${server.origin}/api/tasks/bulk`, json('POST', { action: 'restore', ...named })),
        fetch(
          `${server.origin}/api/tasks/${id}`,
          round % 5 ? json('PATCH', { priority: 'high' }) : { method: 'DELETE', headers: bearer() },
        ),
      );
    }
  }
  const statuses = tally(await Promise.all(requests));
  // A task gone at the moment of the write is a 404; nothing named a version, so nothing is a 412.
  expect(Object.keys(statuses).filter((status) => !['200', '204', '404'].includes(status))).toEqual([]);
  await expectCalmAfter(retriesBefore);
}, 60_000);
