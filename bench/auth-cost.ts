import { createAccountService } from '../src/accounts/service';
import { createAccountStore } from '../src/accounts/store';
import { APP_MIGRATIONS, createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open-database';
import { createLogger } from '../src/lib/logger';
import type { BenchAccount } from './accounts';
import { formatRps, resultOf, type SizeResult, TARGET_CONNECTIONS } from './targets';

/**
 * What signing in costs each request. Over HTTP the bench has the same list asked with a token and
 * with a session cookie, and the page with the cookie; here, in the bench's own process, the same
 * handlers run through `app.handle` (no HTTP server, no wrk) beside the gate's lookup alone (the
 * account service's accountOfToken / accountOfSession, one batched query each), so the share of a
 * request that the gate takes can be read off.
 */

const CONCURRENCY = 32;
const STEP_SECONDS = 1;
/** The commit before accounts whose bench/results.md holds a full run's figures. */
export const BEFORE_ACCOUNTS = '328a933';
/** The floor: the page and the API list keep at least this share of their speed. */
export const FLOOR = 0.85;

export interface InProcessStep {
  label: string;
  /** Mean time of one, run one after another. */
  oneAtATimeUs: number;
  /** Completed per second with CONCURRENCY at once. */
  concurrentPerS: number;
}

/** Calls `work` from `concurrency` loops for `seconds`; completions per second. */
async function rate(work: () => Promise<unknown>, concurrency: number, seconds: number): Promise<number> {
  const started = performance.now();
  const until = started + seconds * 1000;
  let done = 0;
  const loop = async () => {
    while (performance.now() < until) {
      await work();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return done / ((performance.now() - started) / 1000);
}

async function step(label: string, work: () => Promise<unknown>): Promise<InProcessStep> {
  await rate(work, CONCURRENCY, 0.3); // JIT and pool settle
  const oneAtATimeUs = 1e6 / (await rate(work, 1, STEP_SECONDS));
  return { label, oneAtATimeUs, concurrentPerS: await rate(work, CONCURRENCY, STEP_SECONDS) };
}

/** Reads the whole answer, and fails the bench if it was not the page or list asked for. */
async function expectOk(response: Promise<Response>): Promise<void> {
  const answer = await response;
  await answer.arrayBuffer();
  if (answer.status !== 200) throw new Error(`in-process request answered ${answer.status}`);
}

/** The gate's lookups and the two signed-in handlers, in this process, on a size's database. */
export async function measureInProcess(databaseUrl: string, account: BenchAccount): Promise<InProcessStep[]> {
  const db = await openDatabase(loadConfig({ DATABASE_URL: databaseUrl }).database, APP_MIGRATIONS);
  try {
    const accounts = createAccountService(createAccountStore(db));
    const app = createApp({ db, logger: createLogger('error') });
    const get = (path: string, headers: Record<string, string>) => () =>
      expectOk(
        app.handle(
          new Request(`http://localhost${path}`, {
            headers: { 'accept-encoding': 'gzip, deflate, br, zstd', ...headers },
          }),
        ),
      );
    const found = (lookup: Promise<unknown>) =>
      lookup.then((who) => {
        if (!who) throw new Error('the bench account’s credentials were not found in-process');
      });
    return [
      await step('token lookup alone (accountOfToken)', () => found(accounts.accountOfToken(account.token))),
      await step('session lookup alone (accountOfSession)', () => found(accounts.accountOfSession(account.sessionId))),
      await step(
        'GET /api/tasks with the token (app.handle)',
        get('/api/tasks', { authorization: `Bearer ${account.token}` }),
      ),
      await step('GET /api/tasks with the cookie (app.handle)', get('/api/tasks', { cookie: account.cookie })),
      await step('GET / with the cookie (app.handle)', get('/', { cookie: account.cookie })),
    ];
  } finally {
    await db.close();
  }
}

/** req/s per `${label}@${connections}` per table size, read from the bench's own markdown. */
export type RowFigures = Map<number, Map<string, number>>;

/** Reads the per-size tables of a bench report (bench/results.md, or what a run printed). */
export function parseResultTables(markdown: string): RowFigures {
  const figures: RowFigures = new Map();
  let rows: Map<string, number> | null = null;
  for (const line of markdown.split('\n')) {
    const heading = /^## ([\d,]+) tasks$/.exec(line);
    if (heading) {
      rows = new Map();
      figures.set(Number((heading[1] as string).replaceAll(',', '')), rows);
      continue;
    }
    if (line.startsWith('## ')) rows = null;
    const cells = line.split('|').map((cell) => cell.trim());
    const rps = Number(cells[3]?.replaceAll(',', ''));
    if (rows && cells.length >= 7 && /^\d+$/.test(cells[2] ?? '') && Number.isFinite(rps))
      rows.set(`${cells[1]}@${cells[2]}`, rps);
  }
  return figures;
}

/** The full run recorded before accounts, from git; empty when this clone does not have that commit. */
export function recordedBeforeAccounts(): RowFigures {
  const shown = Bun.spawnSync(['git', 'show', `${BEFORE_ACCOUNTS}:bench/results.md`], {
    cwd: import.meta.dir,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return shown.exitCode === 0 ? parseResultTables(shown.stdout.toString()) : new Map();
}

const count = (n: number) => n.toLocaleString('en-US');
const mark = (pass: boolean) => (pass ? '✓' : '✗');
const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
const formatUs = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${Math.round(us)} µs`);

/** The rows whose speed the floor protects, as labelled in the report. */
const FLOOR_ROWS = [
  { id: 'page', label: 'GET / (full page)' },
  { id: 'api-list', label: 'GET /api/tasks' },
];

export function renderAuthCost(sizes: SizeResult[], before: RowFigures) {
  const rps = (size: SizeResult, id: string) => {
    const result = resultOf(size, id);
    return result ? result.rps : Number.NaN;
  };
  const show = (value: number) => (Number.isFinite(value) ? formatRps(value) : '–');
  const http = sizes.map((size) => {
    const ratio = rps(size, 'api-list-session') / rps(size, 'api-list');
    return [
      count(size.rows),
      show(rps(size, 'page')),
      show(rps(size, 'api-list')),
      show(rps(size, 'api-list-session')),
      Number.isFinite(ratio) ? ratio.toFixed(2) : '–',
    ];
  });
  const recorded = sizes.flatMap((size) =>
    FLOOR_ROWS.map(({ id, label }) => {
      const then = before.get(size.rows)?.get(`${label}@${TARGET_CONNECTIONS}`) ?? Number.NaN;
      const share = rps(size, id) / then;
      const verdict = Number.isFinite(share) ? `${mark(share >= FLOOR)} ${share.toFixed(2)}` : '– (no recorded figure)';
      return [label, count(size.rows), show(then), show(rps(size, id)), verdict];
    }),
  );
  const steps = sizes.flatMap((size) =>
    size.authInProcess.map((entry) => [
      entry.label,
      count(size.rows),
      formatUs(entry.oneAtATimeUs),
      formatRps(entry.concurrentPerS),
    ]),
  );
  return [
    `## Cost of authentication (${TARGET_CONNECTIONS} connections, direct to the app, req/s)`,
    '',
    'Every row of this bench is signed in: pages send the session cookie, API rows a token. Over HTTP:',
    '',
    table(['tasks', 'GET / (cookie)', 'GET /api/tasks (token)', 'GET /api/tasks (cookie)', 'cookie ÷ token'], http),
    '',
    `Against the full run recorded before accounts (bench/results.md at ${BEFORE_ACCOUNTS}: another session and ` +
      `other run lengths, so indicative only; \`bun bench/compare-auth.ts\` measures both side by side). Floor: ≥ ${FLOOR}.`,
    '',
    table(['row', 'tasks', 'before accounts', 'now', 'now ÷ before'], recorded),
    '',
    `In the bench's process, on the same database: each handler through app.handle, and the gate's lookup alone ` +
      `(one at a time: mean time of one; ${CONCURRENCY} at once: completed per second).`,
    '',
    table(['step', 'tasks', 'one at a time', `${CONCURRENCY} at once, per s`], steps),
  ].join('\n');
}
