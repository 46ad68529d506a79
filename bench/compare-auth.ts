import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startNginx } from '../harness/nginx';
import { type BenchAccount, expectSignedIn, signedInLoad, signUpOn } from './accounts';
import { cpuSeconds, startApp } from './app-process';
import { BEFORE_ACCOUNTS, FLOOR } from './auth-cost';
import { cleanUpAll, cleanUpOnSignals, onCleanup } from './cleanup';
import { connect, createSizeDatabase, idRange, inspectSchema, openBenchDatabase, refreshDerivedData } from './database';
import { ENDPOINTS, type Endpoint } from './endpoints';
import { cpuSnapshot, othersShare, waitForQuietMachine } from './machine-noise';
import { growTo } from './seed';
import { median } from './stats';
import { runWrk, writeLuaScript } from './wrk';

/**
 * `bun bench/compare-auth.ts [rounds] [--before <commit>] [--rows <ids>] [--floor <share>]
 * [--sizes <n,n>] [--seconds <s>]`: a floor measured side by side. The app of an earlier commit (a git
 * worktree of it in /tmp/bench-before-<commit>, sharing this checkout's node_modules) and this
 * checkout's app serve the same seeded MariaDB database at the same time, signed in as the same
 * account; every row's short wrk runs take turns between them (before, now, now, before…). This
 * machine's CPU is shared with other VMs (steal): one app's req/s swung threefold within minutes,
 * and by a third between runs seconds apart, so two whole bench runs one after the other compared
 * the weather, not the code. Speed is judged by each app's own CPU time per answer (median of its
 * runs), which steal does not change; req/s are shown beside it. Exits 1 when a row misses the
 * floor. Writes nothing to bench/results.md.
 *
 * The earlier app runs on this checkout's schema (its migrations find the database newer and leave
 * it). By default: the accounts issue's floor, 0.85 of the commit before accounts, whose routes
 * answer anyone (now the page sends a session cookie and the list a token). The task page issue's:
 * `--before 0298623 --rows page,page-nginx,page-identity,page-open,page-search --floor 0.9`.
 */

const ROOT = join(import.meta.dir, '..');
const DEFAULT_ROWS = ['page', 'api-list'];
const CONNECTIONS = 32;
const TIMEOUT_S = 10;

type Side = 'before' | 'now';
const SIDES: readonly Side[] = ['before', 'now'];

const say = (text: string) => process.stderr.write(`${text}\n`);

function git(args: string[]): void {
  const run = Bun.spawnSync(['git', ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr.toString().trim()}`);
}

/** The worktree of the earlier commit, made once and kept for the next comparison. */
function beforeWorktree(commit: string): string {
  const dir = `/tmp/bench-before-${commit}`;
  if (!existsSync(join(dir, 'src/main.ts'))) git(['worktree', 'add', '--detach', dir, commit]);
  // Same packages then and now, so this checkout's installed ones serve both. Linked afresh each
  // time: a link left by another checkout may point at one that is gone.
  const link = join(dir, 'node_modules');
  rmSync(link, { force: true });
  symlinkSync(join(ROOT, 'node_modules'), link);
  return dir;
}

interface Plan {
  rounds: number;
  before: string;
  floor: number;
  rows: Endpoint[];
  sizes: number[];
  seconds: number;
}

const USAGE =
  'usage: bun bench/compare-auth.ts [rounds] [--before <commit>] [--rows <ids>] [--floor <share>] [--sizes <n,n>] [--seconds <s>]';

function planOf(argv: string[]): Plan {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      before: { type: 'string' },
      rows: { type: 'string' },
      floor: { type: 'string' },
      sizes: { type: 'string' },
      seconds: { type: 'string' },
    },
    allowPositionals: true,
  });
  const rounds = Number(positionals[0] ?? 5);
  const floor = Number(values.floor ?? FLOOR);
  const seconds = Number(values.seconds ?? 4);
  const sizes = (values.sizes ?? '1000,10000').split(',').map(Number);
  const ids = (values.rows ?? DEFAULT_ROWS.join(',')).split(',');
  const rows = ENDPOINTS.filter((endpoint) => ids.includes(endpoint.id) && endpoint.kind === 'read');
  const valid =
    Number.isInteger(rounds) &&
    rounds >= 1 &&
    floor > 0 &&
    seconds > 0 &&
    sizes.every((size) => Number.isInteger(size) && size > 0) &&
    rows.length === ids.length;
  if (!valid) throw new Error(`${USAGE}\n(rows: the bench's read rows, ${ENDPOINTS.map((e) => e.id).join(', ')})`);
  return { rounds, before: values.before ?? BEFORE_ACCOUNTS, floor, rows, sizes, seconds };
}

/** One table size: its database, its account, and both apps (each with nginx in front when a row needs it). */
interface Sized {
  size: number;
  account: BenchAccount;
  ids: { minId: number; maxId: number };
  origins: Record<Side, Record<Endpoint['via'], string>>;
  pids: Record<Side, number | null>;
}

async function prepareSize(plan: Plan, baseUrl: string, beforeDir: string, size: number): Promise<Sized> {
  const url = await createSizeDatabase(baseUrl, size);
  const sql = await connect(url);
  try {
    const account = await signUpOn(url, sql);
    await growTo(sql, 0, size, account.id);
    await refreshDerivedData(sql, url, await inspectSchema(sql));
    const ids = await idRange(sql);
    const needsNginx = plan.rows.some((row) => row.via === 'nginx');
    const serve = async (root?: string) => {
      const app = await startApp(url, root); // stopped at cleanup
      const front = needsNginx ? await startNginx([new URL(app.origin).host]) : null;
      if (front) onCleanup(() => front.stop());
      return { origins: { app: app.origin, nginx: front?.origin ?? app.origin }, pid: app.pid };
    };
    const [before, now] = [await serve(beforeDir), await serve()];
    return {
      size,
      account,
      ids,
      origins: { before: before.origins, now: now.origins },
      pids: { before: before.pid, now: now.pid },
    };
  } finally {
    await sql.end();
  }
}

interface Run {
  rps: number;
  /** The app's own CPU time per answer, in µs: what bounds its req/s, and what the VM's steal does not change. */
  cpuUs: number;
}

/** One run of a row on one side. */
async function runOnce(sized: Sized, row: Endpoint, side: Side, seconds: number): Promise<Run> {
  const load = signedInLoad(row, sized.account);
  const url = `${sized.origins[side][row.via]}${row.load.path}`;
  // Each side answers the row as itself before it is timed: a 303 to sign in is not a page.
  await (await expectSignedIn(`${row.label} (${side})`, url, load)).arrayBuffer();
  const script = writeLuaScript(scratch, `${row.id}-${sized.size}`, load);
  const cpuAtStart = cpuSeconds(sized.pids[side]);
  const result = await runWrk({
    url,
    script,
    connections: CONNECTIONS,
    durationS: seconds,
    timeoutS: TIMEOUT_S,
    ids: sized.ids,
    headers: load.headers,
  });
  if (result.non2xx > 0) throw new Error(`${row.label} (${side}): ${result.non2xx} answers were not 2xx`);
  return { rps: result.rps, cpuUs: ((cpuSeconds(sized.pids[side]) - cpuAtStart) * 1e6) / result.requests };
}

type Runs = Map<string, Record<Side, Run[]>>;
const keyOf = (sized: Sized, row: Endpoint) => `${row.id}@${sized.size}`;

async function measure(plan: Plan, sizes: Sized[]): Promise<{ runs: Runs; othersShare: number }> {
  const runs: Runs = new Map();
  // JIT, pools and caches settle first.
  for (const sized of sizes) for (const row of plan.rows) for (const side of SIDES) await runOnce(sized, row, side, 1);
  await waitForQuietMachine();
  const cpuBefore = cpuSnapshot();
  for (let round = 1; round <= plan.rounds; round++) {
    for (const sized of sizes) {
      for (const row of plan.rows) {
        const order: Side[] = round % 2 ? ['before', 'now'] : ['now', 'before'];
        const entry = runs.get(keyOf(sized, row)) ?? { before: [], now: [] };
        for (const side of order) entry[side].push(await runOnce(sized, row, side, plan.seconds));
        runs.set(keyOf(sized, row), entry);
        const last = (side: Side) => entry[side].at(-1) as Run;
        say(
          `compare: round ${round}/${plan.rounds} [${sized.size}] ${row.label}: ` +
            `${plan.before} ${Math.round(last('before').rps)} req/s ${last('before').cpuUs.toFixed(1)} µs, ` +
            `now ${Math.round(last('now').rps)} req/s ${last('now').cpuUs.toFixed(1)} µs`,
        );
      }
    }
  }
  return { runs, othersShare: othersShare(cpuBefore, cpuSnapshot()) };
}

function report(plan: Plan, sizes: Sized[], runs: Runs, others: number): boolean {
  const rps = (value: number) => Math.round(value).toLocaleString('en-US');
  const lines = [
    `## Side by side with ${plan.before}: both apps on one database, ${plan.rounds} runs of ${plan.seconds} s each, taking turns`,
    '',
    "Speed is judged as the app's capacity, answers per second of its own CPU (1 ÷ its CPU time per answer): " +
      "wall-clock req/s on this shared VM swing with other VMs' load (steal), seconds apart, and are shown beside it.",
    '',
    `| row | tasks | conns | CPU per answer at ${plan.before} | now | req/s at ${plan.before} | now | speed now ÷ then |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let pass = true;
  for (const sized of sizes) {
    for (const row of plan.rows) {
      const entry = runs.get(keyOf(sized, row));
      if (!entry) continue;
      const cpu = (side: Side) => median(entry[side].map((run) => run.cpuUs));
      const speed = (side: Side) => median(entry[side].map((run) => run.rps));
      const share = cpu('before') / cpu('now');
      pass &&= share >= plan.floor;
      lines.push(
        `| ${row.label} | ${sized.size.toLocaleString('en-US')} | ${CONNECTIONS} | ${cpu('before').toFixed(1)} µs | ` +
          `${cpu('now').toFixed(1)} µs | ${rps(speed('before'))} | ${rps(speed('now'))} | ` +
          `${share >= plan.floor ? '✓' : '✗'} ${share.toFixed(2)} |`,
      );
    }
  }
  lines.push(
    '',
    `CPU used by others (other processes and the hypervisor's steal) while measuring: ${Math.round(others * 100)} %.`,
    `Floor: now ÷ then ≥ ${plan.floor} on every row: ${pass ? 'met' : 'MISSED'}.`,
  );
  console.log(lines.join('\n'));
  return pass;
}

const scratch = mkdtempSync(join(tmpdir(), 'tm-compare-'));

async function main(): Promise<number> {
  const plan = planOf(Bun.argv.slice(2));
  cleanUpOnSignals();
  onCleanup(() => rmSync(scratch, { recursive: true, force: true }));
  try {
    const beforeDir = beforeWorktree(plan.before);
    const database = await openBenchDatabase(256);
    const sizes: Sized[] = [];
    for (const size of plan.sizes) {
      say(`compare: seeding ${size.toLocaleString('en-US')} tasks, starting ${plan.before} and now`);
      sizes.push(await prepareSize(plan, database.url, beforeDir, size));
    }
    const { runs, othersShare: others } = await measure(plan, sizes);
    return report(plan, sizes, runs, others) ? 0 : 1;
  } finally {
    await cleanUpAll();
  }
}

process.exit(await main());
