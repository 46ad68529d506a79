import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BEFORE_ACCOUNTS, FLOOR, parseResultTables, type RowFigures } from './auth-cost';
import { median } from './stats';

/**
 * `bun bench/compare-auth.ts [rounds] [--before <commit>] [--rows <ids>] [--floor <share>]
 * [-- bench options]`: a floor measured side by side in one session. The bench of an earlier commit
 * (a git worktree of it in /tmp/bench-before-<commit>, sharing this checkout's node_modules) and this
 * one run the same quick rows in turn, the order swapped every round so a machine that speeds up or
 * slows down shifts both alike; each row's median req/s of the rounds is compared. Exits 1 when a
 * row misses the floor. Writes nothing to bench/results.md.
 *
 * By default: the accounts issue's floor (0.85 of the commit before accounts, whose rows were
 * anonymous; now the page sends a session cookie and the list a token). The task page issue's:
 * `--before 0298623 --rows page,page-nginx,page-identity,page-open,page-search --floor 0.9`.
 */

const ROOT = join(import.meta.dir, '..');
const DEFAULT_ROWS = ['page', 'api-list'];

type Side = 'before' | 'now';

const say = (text: string) => process.stderr.write(`${text}\n`);

function git(args: string[]): void {
  const run = Bun.spawnSync(['git', ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr.toString().trim()}`);
}

/** The worktree of the commit before accounts, made once and kept for the next comparison. */
function beforeWorktree(commit: string): string {
  const dir = `/tmp/bench-before-${commit}`;
  if (!existsSync(join(dir, 'bench/run.ts'))) git(['worktree', 'add', '--detach', dir, commit]);
  // Same bun.lock then and now, so this checkout's installed packages serve both. Linked afresh each
  // time: a link left by another checkout may point at one that is gone.
  const link = join(dir, 'node_modules');
  rmSync(link, { force: true });
  symlinkSync(join(ROOT, 'node_modules'), link);
  return dir;
}

/** One bench run on one side; its printed report, parsed. */
async function runBench(side: Side, plan: Plan, scratch: string): Promise<RowFigures> {
  const cwd = side === 'before' ? beforeWorktree(plan.before) : ROOT;
  // The bench before accounts always writes its own results.md (in /tmp); this one is told where.
  const output = side === 'now' ? ['--output', join(scratch, 'results-now.md')] : [];
  const env = { ...process.env };
  delete env.DATABASE_URL; // each run on a throwaway MariaDB of its own, as the bench does by default
  const bench = Bun.spawn(['bun', 'bench/run.ts', ...plan.benchArgs, ...output], {
    cwd,
    env,
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const [printed, code] = await Promise.all([new Response(bench.stdout).text(), bench.exited]);
  if (code !== 0) throw new Error(`the bench ${side} accounts exited with ${code}`);
  return parseResultTables(printed);
}

/** req/s of every round, per side, table size and row key. */
type Collected = Record<Side, Map<number, Map<string, number[]>>>;

function collect(into: Collected, side: Side, figures: RowFigures): void {
  for (const [size, rows] of figures) {
    const sized = into[side].get(size) ?? new Map<string, number[]>();
    for (const [key, rps] of rows) sized.set(key, [...(sized.get(key) ?? []), rps]);
    into[side].set(size, sized);
  }
}

function report(collected: Collected, plan: Plan): boolean {
  const { rounds, floor, before } = plan;
  const lines = [
    `## Side by side with ${before} (${rounds} rounds each; the median round's req/s)`,
    '',
    `| row | tasks | conns | at ${before} | now | now ÷ then |`,
    '| --- | --- | --- | --- | --- | --- |',
  ];
  let pass = true;
  for (const [size, rows] of collected.now) {
    for (const [key, values] of rows) {
      const [label, conns] = key.split('@') as [string, string];
      const then = collected.before.get(size)?.get(key);
      if (!then) continue;
      const share = median(values) / median(then);
      pass &&= share >= floor;
      const rps = (value: number) => Math.round(value).toLocaleString('en-US');
      lines.push(
        `| ${label} | ${size.toLocaleString('en-US')} | ${conns} | ${rps(median(then))} | ${rps(median(values))} | ` +
          `${share >= floor ? '✓' : '✗'} ${share.toFixed(2)} |`,
      );
    }
  }
  lines.push('', `Floor: now ÷ then ≥ ${floor} on every row: ${pass ? 'met' : 'MISSED'}.`);
  console.log(lines.join('\n'));
  return pass;
}

interface Plan {
  rounds: number;
  before: string;
  floor: number;
  benchArgs: string[];
}

function planOf(argv: string[]): Plan {
  const split = argv.indexOf('--');
  const own = split >= 0 ? argv.slice(0, split) : argv;
  const { values, positionals } = parseArgs({
    args: own,
    options: { before: { type: 'string' }, rows: { type: 'string' }, floor: { type: 'string' } },
    allowPositionals: true,
  });
  const rounds = Number(positionals[0] ?? 2);
  const floor = Number(values.floor ?? FLOOR);
  if (!Number.isInteger(rounds) || rounds < 1 || !(floor > 0))
    throw new Error(
      'usage: bun bench/compare-auth.ts [rounds] [--before <commit>] [--rows <ids>] [--floor <share>] [-- bench options]',
    );
  const rows = values.rows ?? DEFAULT_ROWS.join(',');
  const benchArgs =
    split >= 0 ? argv.slice(split + 1) : ['--quick', '--only', rows, '--connections', '32', '--repeat', '3'];
  return { rounds, before: values.before ?? BEFORE_ACCOUNTS, floor, benchArgs };
}

async function main(): Promise<number> {
  const plan = planOf(Bun.argv.slice(2));
  const scratch = mkdtempSync(join(tmpdir(), 'tm-compare-'));
  const collected: Collected = { before: new Map(), now: new Map() };
  try {
    for (let round = 1; round <= plan.rounds; round++) {
      const order: Side[] = round % 2 ? ['before', 'now'] : ['now', 'before'];
      for (const side of order) {
        say(`compare: round ${round}/${plan.rounds}, ${side === 'before' ? plan.before : 'now'}`);
        collect(collected, side, await runBench(side, plan, scratch));
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return report(collected, plan) ? 0 : 1;
}

process.exit(await main());
