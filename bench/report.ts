import type { SchemaReport } from './database';
import type { BenchEnvironment } from './environment';
import type { BenchOptions } from './options';
import { SEARCH_WORD } from './seed';
import {
  formatMb,
  formatMs,
  formatRps,
  resultOf,
  SCALING_LIMIT,
  type SizeResult,
  TARGET_CONNECTIONS,
  TARGETS,
} from './targets';
import { errorCount, type WrkResult } from './wrk';

/** Markdown for the terminal and bench/results.md: the same text in both. */

const count = (n: number) => n.toLocaleString('en-US');
const mark = (pass: boolean) => (pass ? '✓' : '✗');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderHeader(
  env: BenchEnvironment,
  { durationS, repeat }: Pick<BenchOptions, 'durationS' | 'repeat'>,
): string {
  return [
    '# Benchmark results',
    '',
    `- Date: ${env.date}`,
    `- Machine: ${env.machine}`,
    `- Bun: ${env.bun}`,
    `- Database: ${env.database} — ${env.databaseSetup}`,
    `- App: ${env.app}`,
    `- Git commit: ${env.commit}`,
    `- Command: \`${env.command}\``,
    `- Load: wrk, ${repeat} runs of ${durationS} s per row (the sizes taking turns; the median shown), 1 thread for 1 connection and 2 threads otherwise, direct to the app;` +
      " wrk, the app and the database share the machine. Requests carry a browser's" +
      ' `Accept-Encoding: gzip, deflate, br, zstd` unless the row says otherwise.',
  ].join('\n');
}

/** One line saying when and where a section owned apart from the main report was measured. */
export function renderMachineLine(env: BenchEnvironment): string {
  return `Measured ${env.date} on ${env.machine}; ${env.database} (${env.databaseSetup}); commit ${env.commit}; \`${env.command}\`.`;
}

export function renderSize(size: SizeResult): string {
  const rows = size.runs.map((run) => [
    run.endpoint.label,
    String(run.connections),
    run.result ? formatRps(run.result.rps) : '–',
    run.result ? formatMs(run.result.p50Ms) : '–',
    run.result ? formatMs(run.result.p99Ms) : '–',
    run.result ? describeErrors(run.result) : `wrk failed: ${run.failure}`,
  ]);
  const seeded = size.inserted
    ? `seeded ${count(size.inserted)} rows in ${size.seedSeconds.toFixed(1)} s (${count(Math.round(size.inserted / size.seedSeconds))} rows/s)`
    : 'no rows seeded';
  const responses = size.checks
    .map((check) => `${check.endpoint.label} → ${check.status}, ${count(check.bytes)} B ${check.encoding}`)
    .join('; ');
  return [
    `## ${count(size.rows)} tasks`,
    '',
    `${seeded}; a search for “${SEARCH_WORD}” matches ${(size.searchShare * 100).toFixed(1)} % of tasks; ` +
      (size.settle.settled
        ? `the machine went quiet ${size.settle.seconds.toFixed(0)} s after seeding.`
        : `the machine was still busy ${size.settle.seconds.toFixed(0)} s after seeding.`),
    '',
    table(['endpoint', 'conns', 'req/s', 'p50', 'p99', 'errors'], rows),
    '',
    `App max RSS: ${size.pid === null ? 'not measured (app process not found)' : `${formatMb(size.rssMaxKb)} (sampled during and after each run and the cache-filling attack; kernel peak VmHWM ${formatMb(size.peakKb)})`}`,
    `Cache-filling attack (100 tasks with 5,000-emoji notes, then 120 searches of ignored words for 100 items): ${size.cacheAttack.requests} requests, ${formatMb(size.cacheAttack.bytes / 1024)} answered, ${size.cacheAttack.failed} failed.`,
    '',
    describeNoise(size.othersCpuShare),
    ...(size.countsAfterWrites === null
      ? []
      : ['', `Maintained task_counts against COUNT(*) after the write runs: ${size.countsAfterWrites}.`]),
    '',
    `One request each before the load: ${responses}`,
  ].join('\n');
}

function describeNoise(share: number): string {
  const percent = `${Math.round(share * 100)} %`;
  return share > 0.1
    ? `⚠ Other processes kept ${percent} of the machine's CPU busy during these runs: the figures are lower than on an idle machine.`
    : `Other processes used ${percent} of the machine's CPU during these runs.`;
}

function describeErrors(result: WrkResult): string {
  const total = errorCount(result);
  if (total === 0) return '0';
  const { connect, read, write, timeout } = result.socket;
  const parts = Object.entries({ connect, read, write, timeout })
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${count(n)}`);
  if (result.unexpected !== null && result.unexpected > 0) {
    parts.push(
      `wrong status ${count(result.unexpected)}${result.firstUnexpected ? `, e.g. ${result.firstUnexpected}` : ''}`,
    );
  } else if (result.non2xx > 0) parts.push(`non-2xx/3xx ${count(result.non2xx)}`);
  return `${count(total)} (${parts.join(', ')})`;
}

/** Each target on the smallest and the largest size. */
export function renderTargets(sizes: SizeResult[]): string {
  const judged = [...new Set([sizes[0], sizes.at(-1)])].filter((size): size is SizeResult => size !== undefined);
  const rows = TARGETS.map((target) => [
    target.label,
    ...judged.map((size) => {
      const verdict = target.judge(size);
      return typeof verdict === 'string' ? verdict : `${mark(verdict.pass)} ${verdict.measured}`;
    }),
  ]);
  return [
    `## Targets (${TARGET_CONNECTIONS} connections, direct to the app)`,
    '',
    table(['target', ...judged.map((size) => `${count(size.rows)} tasks`)], rows),
  ].join('\n');
}

/** p50 at the largest size ÷ p50 at the smallest, per read endpoint. */
export function renderScaling(sizes: SizeResult[]): string {
  const first = sizes[0];
  const last = sizes.at(-1);
  if (!first || !last || first === last) return '## Scaling\n\nOnly one size measured; nothing to compare.';
  const ratio = (id: string, connections: number) => {
    const small = resultOf(first, id, connections);
    const large = resultOf(last, id, connections);
    return small && large ? large.p50Ms / small.p50Ms : Number.NaN;
  };
  const reads = last.runs.filter((run) => run.endpoint.kind === 'read' && run.connections === TARGET_CONNECTIONS);
  const rows = reads.map(({ endpoint }) => {
    const at32 = ratio(endpoint.id, TARGET_CONNECTIONS);
    return [
      endpoint.label,
      formatMs(resultOf(first, endpoint.id)?.p50Ms ?? Number.NaN),
      formatMs(resultOf(last, endpoint.id)?.p50Ms ?? Number.NaN),
      Number.isFinite(at32) ? `${mark(at32 <= SCALING_LIMIT)} ${at32.toFixed(2)}×` : '–',
      Number.isFinite(ratio(endpoint.id, 1)) ? `${ratio(endpoint.id, 1).toFixed(2)}×` : '–',
    ];
  });
  return [
    `## Scaling: p50 at ${count(last.rows)} ÷ p50 at ${count(first.rows)} tasks (target ≤ ${SCALING_LIMIT}×)`,
    '',
    table(
      [
        'read endpoint',
        `p50 @${count(first.rows)} (${TARGET_CONNECTIONS} conns)`,
        `p50 @${count(last.rows)}`,
        `ratio @${TARGET_CONNECTIONS} conns`,
        'ratio @1 conn (reference)',
      ],
      rows,
    ),
  ].join('\n');
}

export function renderNotes(notes: string[], schema: SchemaReport | null): string {
  const parts = ['## Notes', '', ...notes.map((note) => `- ${note}`)];
  if (schema) {
    parts.push('', '<details><summary>Schema measured (SHOW CREATE TABLE tasks)</summary>', '');
    parts.push('```sql', schema.createTable, '```', '', '</details>');
  }
  return parts.join('\n');
}
