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
