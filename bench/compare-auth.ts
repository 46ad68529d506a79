import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BEFORE_ACCOUNTS, FLOOR, parseResultTables, type RowFigures } from './auth-cost';

/**
 * `bun bench/compare-auth.ts [rounds] [-- bench options]`: the issue's floor for accounts, measured
 * side by side in one session. The bench of the commit before accounts (a git worktree of it in
 * /tmp/bench-before, sharing this checkout's node_modules) and this one run the same quick rows in
 * turn, the order swapped every round so a machine that speeds up or slows down shifts both alike;
 * each row's median req/s of the rounds is compared. Before accounts those rows were anonymous;
 * now every one is signed in (the page with a session cookie, the list with a token).
 * Exits 1 when a row misses the floor. Writes nothing to bench/results.md.
 */

const ROOT = join(import.meta.dir, '..');
const BEFORE_DIR = '/tmp/bench-before';
const ROWS = [
  { label: 'GET / (full page)', what: 'page, with the session cookie' },
  { label: 'GET /api/tasks', what: 'API list, with the token' },
];
const DEFAULT_BENCH = ['--quick', '--only', 'page,api-list', '--connections', '32', '--repeat', '3'];

type Side = 'before' | 'now';

const say = (text: string) => process.stderr.write(`${text}\n`);

function git(args: string[]): void {
  const run = Bun.spawnSync(['git', ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr.toString().trim()}`);
}

/** The worktree of the commit before accounts, made once and kept for the next comparison. */
function beforeWorktree(): string {
  if (!existsSync(join(BEFORE_DIR, 'bench/run.ts'))) git(['worktree', 'add', '--detach', BEFORE_DIR, BEFORE_ACCOUNTS]);
  // Same bun.lock then and now, so this checkout's installed packages serve both. Linked afresh each
  // time: a link left by another checkout may point at one that is gone.
  const link = join(BEFORE_DIR, 'node_modules');
  rmSync(link, { force: true });
  symlinkSync(join(ROOT, 'node_modules'), link);
  return BEFORE_DIR;
}

/** One bench run on one side; its printed report, parsed. */
async function runBench(side: Side, benchArgs: string[], scratch: string): Promise<RowFigures> {
  const cwd = side === 'before' ? beforeWorktree() : ROOT;
  // The bench before accounts always writes its own results.md (in /tmp); this one is told where.
  const output = side === 'now' ? ['--output', join(scratch, 'results-now.md')] : [];
  const env = { ...process.env };
  delete env.DATABASE_URL; // each run on a throwaway MariaDB of its own, as the bench does by default
  const bench = Bun.spawn(['bun', 'bench/run.ts', ...benchArgs, ...output], {
    cwd,
    env,
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const [printed, code] = await Promise.all([new Response(bench.stdout).text(), bench.exited]);
  if (code !== 0) throw new Error(`the bench ${side} accounts exited with ${code}`);
  return parseResultTables(printed);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** req/s of every round, per side, table size and row key. */
type Collected = Record<Side, Map<number, Map<string, number[]>>>;

function collect(into: Collected, side: Side, figures: RowFigures): void {
  for (const [size, rows] of figures) {
    const sized = into[side].get(size) ?? new Map<string, number[]>();
    for (const [key, rps] of rows) sized.set(key, [...(sized.get(key) ?? []), rps]);
    into[side].set(size, sized);
  }
}

function report(collected: Collected, rounds: number): boolean {
  const lines = [
    `## Accounts' cost, side by side (${rounds} rounds each; the median round's req/s)`,
    '',
    '| row | tasks | conns | before accounts | signed in now | now ÷ before |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  let pass = true;
  for (const [size, rows] of collected.now) {
    for (const [key, values] of rows) {
      const [label, conns] = key.split('@') as [string, string];
      const row = ROWS.find((candidate) => candidate.label === label);
      const then = collected.before.get(size)?.get(key);
      if (!row || !then) continue;
      const share = median(values) / median(then);
      pass &&= share >= FLOOR;
      const rps = (value: number) => Math.round(value).toLocaleString('en-US');
      lines.push(
        `| ${row.what} | ${size.toLocaleString('en-US')} | ${conns} | ${rps(median(then))} | ${rps(median(values))} | ` +
          `${share >= FLOOR ? '✓' : '✗'} ${share.toFixed(2)} |`,
      );
    }
  }
  lines.push('', `Floor: now ÷ before ≥ ${FLOOR} on every row: ${pass ? 'met' : 'MISSED'}.`);
  console.log(lines.join('\n'));
  return pass;
}

async function main(): Promise<number> {
  const argv = Bun.argv.slice(2);
  const split = argv.indexOf('--');
  const rounds = Number(split === 0 ? 2 : (argv[0] ?? 2));
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('usage: bun bench/compare-auth.ts [rounds] [-- bench options]');
  const benchArgs = split >= 0 ? argv.slice(split + 1) : DEFAULT_BENCH;
  const scratch = mkdtempSync(join(tmpdir(), 'tm-compare-'));
  const collected: Collected = { before: new Map(), now: new Map() };
  try {
    for (let round = 1; round <= rounds; round++) {
      const order: Side[] = round % 2 ? ['before', 'now'] : ['now', 'before'];
      for (const side of order) {
        say(`compare: round ${round}/${rounds}, ${side === 'before' ? `before accounts (${BEFORE_ACCOUNTS})` : 'now'}`);
        collect(collected, side, await runBench(side, benchArgs, scratch));
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return report(collected, rounds) ? 0 : 1;
}

process.exit(await main());
