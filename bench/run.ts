import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { startNginx } from '../tests/support/nginx';
import { type AppProcess, readMemory, rssSampler, startApp, waitUntilIdle } from './app-process';
import { cleanUpAll, cleanUpOnSignals, interrupted, onCleanup } from './cleanup';
import {
  type BenchDatabase,
  connect,
  countsDrift,
  type IdRange,
  idRange,
  inspectSchema,
  openBenchDatabase,
  refreshDerivedData,
  type SchemaReport,
  searchShare,
  trimAfter,
} from './database';
import { ENDPOINTS, type Endpoint, runOrder } from './endpoints';
import { describeEnvironment } from './environment';
import { cpuSnapshot, othersShare, waitForQuietMachine } from './machine-noise';
import { type BenchOptions, parseOptions, USAGE, UsageError } from './options';
import { renderHeader, renderNotes, renderScaling, renderSize, renderTargets } from './report';
import { growTo, SEARCH_WORD } from './seed';
import { formatMs, formatRps, type ResponseCheck, type RunRow, type SizeResult } from './targets';
import { errorCount, runWrk, writeLuaScript } from './wrk';

/**
 * `bun run bench`: seeds MySQL with growing numbers of tasks, drives the real server with wrk at
 * each size, and prints (and writes to bench/results.md) what it measured. Asserts nothing.
 */

const RESULTS_FILE = join(import.meta.dir, 'results.md');
const WARMUP_CONNECTIONS = 8;

interface Bench {
  options: BenchOptions;
  database: BenchDatabase;
  sql: Connection;
  schema: SchemaReport;
  endpoints: Endpoint[];
  scriptDir: string;
}

type Origins = Record<Endpoint['via'], string | undefined>;

const say = (text: string) => process.stderr.write(`${text}\n`);

async function main(): Promise<void> {
  const options = parseOptions(Bun.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  cleanUpOnSignals();
  if (!Bun.which('wrk')) throw new UsageError('wrk is not installed (apt-get install wrk)');
  const endpoints = chooseEndpoints(options);
  const scriptDir = mkdtempSync(join(tmpdir(), 'tm-bench-'));
  const removeScripts = () => rmSync(scriptDir, { recursive: true, force: true });
  onCleanup(removeScripts, removeScripts);

  say('bench: preparing the database');
  const database = await openBenchDatabase(options.bufferPoolMb);
  const sql = await connect(database.url);
  const environment = await describeEnvironment(sql, database.description);
  // The app's own migrations create the schema; the bench reads it rather than assuming it.
  await (await startApp(database.url)).stop();
  const schema = await inspectSchema(sql);
  for (const warning of schema.warnings) say(`bench: warning: ${warning}`);

  const notes = [...schema.warnings];
  if (schema.hasTaskCounts) notes.push('task_counts is rebuilt (the app’s rebuildTaskCounts) after every bulk change.');
  const bench: Bench = { options, database, sql, schema, endpoints, scriptDir };

  const header = renderHeader(environment, options.durationS);
  const sizes: SizeResult[] = [];
  for (const size of options.sizes) {
    sizes.push(await measureSize(bench, size));
    console.log(`\n${renderSize(sizes.at(-1) as SizeResult)}\n`);
    writeResults([
      header,
      ...sizes.map(renderSize),
      renderNotes([...notes, 'Partial: the run has not finished.'], schema),
    ]);
  }

  const minutes = (performance.now() - started) / 60_000;
  notes.push(`Wall time ${minutes.toFixed(1)} min.`);
  const summary = [renderTargets(sizes), renderScaling(sizes)];
  console.log(`${summary.join('\n\n')}\n\n${notes.map((note) => `- ${note}`).join('\n')}`);
  writeResults([header, ...summary, ...sizes.map(renderSize), renderNotes(notes, schema)]);
  say(`bench: wrote ${RESULTS_FILE}`);
}

function chooseEndpoints(options: BenchOptions): Endpoint[] {
  if (options.only) {
    const unknown = options.only.filter((id) => !ENDPOINTS.some((endpoint) => endpoint.id === id));
    if (unknown.length)
      throw new UsageError(`unknown endpoint ${unknown.join(', ')} (known: ${ENDPOINTS.map((e) => e.id).join(', ')})`);
  }
  const chosen = ENDPOINTS.filter((endpoint) => options.only?.includes(endpoint.id) ?? true);
  return runOrder(chosen);
}

/** Grow the table to `size`, start a fresh app on it, run every endpoint, then drop what POST added. */
async function measureSize(bench: Bench, size: number): Promise<SizeResult> {
  const seeded = await seedTo(bench, size);
  const measured = await withFreshApp(bench, (app, origins) => measureLoad(bench, app, origins, seeded.ids, size));
  const countsAfterWrites = await countsDrift(bench.sql, bench.schema);
  const removed = await trimAfter(bench.sql, bench.database.url, seeded.ids.maxId, bench.schema);
  say(`bench: removed ${removed.toLocaleString('en-US')} tasks the write runs added`);
  const { ids, ...seeding } = seeded;
  return { size, rows: ids.rows, ...seeding, ...measured, countsAfterWrites };
}

async function seedTo(bench: Bench, size: number) {
  const before = await idRange(bench.sql);
  if (before.rows > size) say(`bench: the table already holds ${before.rows} tasks (> ${size}); measuring that`);
  const started = performance.now();
  const inserted = await growTo(bench.sql, before.rows, size);
  await refreshDerivedData(bench.sql, bench.database.url, bench.schema);
  const seedSeconds = (performance.now() - started) / 1000;
  const ids = await idRange(bench.sql);
  const share = await searchShare(bench.database.url, SEARCH_WORD, ids.rows);
  say('bench: waiting for the database to finish its background work');
  const settle = await waitForQuietMachine();
  return { inserted, seedSeconds, ids, searchShare: share, settle };
}

/** A fresh process per size: rows written behind the app's back must not meet any cache of its own. */
async function withFreshApp<T>(bench: Bench, work: (app: AppProcess, origins: Origins) => Promise<T>): Promise<T> {
  const app = await startApp(bench.database.url);
  let stopFront = async () => {};
  try {
    const needsFront = bench.endpoints.some((endpoint) => endpoint.via === 'nginx');
    const front = needsFront ? await startNginx([new URL(app.origin).host]) : null;
    if (front) stopFront = onCleanup(() => front.stop());
    return await work(app, { app: app.origin, nginx: front?.origin });
  } finally {
    await stopFront();
    await app.stop();
  }
}

async function measureLoad(bench: Bench, app: AppProcess, origins: Origins, ids: IdRange, size: number) {
  const checks = await checkResponses(bench.endpoints, origins, ids);
  await warmUp(bench, origins, ids);
  const cpuBefore = cpuSnapshot();
  const { runs, rssMaxKb } = await loadAll(bench, app, origins, ids, size);
  const othersCpuShare = othersShare(cpuBefore, cpuSnapshot());
  return { pid: app.pid, rssMaxKb, peakKb: readMemory(app.pid)?.peakKb ?? 0, othersCpuShare, checks, runs };
}

/** One request per read endpoint, so the report shows what a response is (status, size). */
async function checkResponses(endpoints: Endpoint[], origins: Origins, ids: IdRange): Promise<ResponseCheck[]> {
  const checks: ResponseCheck[] = [];
  for (const endpoint of endpoints.filter((e) => e.kind === 'read')) {
    const path = endpoint.load.randomId ? `${endpoint.load.path}${ids.minId}` : endpoint.load.path;
    // Bun's fetch sends an Accept-Encoding of its own unless told otherwise: ask as the load will.
    const headers = new Headers(endpoint.load.headers);
    if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'identity');
    const response = await fetch(`${origins[endpoint.via]}${path}`, { headers, decompress: false });
    checks.push({
      endpoint,
      status: response.status,
      bytes: (await response.arrayBuffer()).byteLength,
      encoding: response.headers.get('content-encoding') ?? 'identity',
    });
    if (!response.ok) say(`bench: warning: ${endpoint.label} answered ${response.status}`);
  }
  return checks;
}

/** JIT, pools and caches settle before anything is measured; reads only, so no rows are added. */
async function warmUp(bench: Bench, origins: Origins, ids: IdRange): Promise<void> {
  say(`bench: warming up (${bench.options.warmupS} s per read endpoint)`);
  for (const endpoint of bench.endpoints.filter((e) => e.kind === 'read')) {
    await runWrk({
      url: `${origins[endpoint.via]}${endpoint.load.path}`,
      script: writeLuaScript(bench.scriptDir, endpoint.id, endpoint.load),
      connections: WARMUP_CONNECTIONS,
      durationS: bench.options.warmupS,
      timeoutS: bench.options.timeoutS,
      ids,
      headers: endpoint.load.headers,
    });
    await waitUntilIdle(origins.app as string);
  }
}

async function loadAll(bench: Bench, app: AppProcess, origins: Origins, ids: IdRange, size: number) {
  const rss = rssSampler(app.pid);
  const runs: RunRow[] = [];
  for (const endpoint of bench.endpoints) {
    const script = writeLuaScript(bench.scriptDir, endpoint.id, endpoint.load);
    for (const connections of bench.options.connections) {
      if (interrupted()) throw new Error('interrupted');
      const run = await loadOne(
        bench,
        endpoint,
        script,
        `${origins[endpoint.via]}${endpoint.load.path}`,
        connections,
        ids,
      );
      runs.push(run);
      rss.sample();
      say(`[${size.toLocaleString('en-US')}] ${endpoint.label} × ${connections}: ${describeRun(run)}`);
      await waitUntilIdle(app.origin);
    }
  }
  rss.stop();
  return { runs, rssMaxKb: rss.maxKb };
}

async function loadOne(
  bench: Bench,
  endpoint: Endpoint,
  script: string | null,
  url: string,
  connections: number,
  ids: IdRange,
): Promise<RunRow> {
  const { durationS, timeoutS } = bench.options;
  try {
    const result = await runWrk({ url, script, connections, durationS, timeoutS, ids, headers: endpoint.load.headers });
    return { endpoint, connections, result };
  } catch (error) {
    return { endpoint, connections, result: null, failure: (error as Error).message };
  }
}

function describeRun(run: RunRow): string {
  if (!run.result) return `failed: ${run.failure}`;
  const { rps, p50Ms, p99Ms } = run.result;
  return `${formatRps(rps)} req/s, p50 ${formatMs(p50Ms)}, p99 ${formatMs(p99Ms)}, ${errorCount(run.result)} errors`;
}

const HISTORY_HEADING = '## History: before and after';

/** Replaces the latest run in bench/results.md and keeps its history section as it was. */
function writeResults(sections: string[]): void {
  const previous = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '';
  const at = previous.indexOf(HISTORY_HEADING);
  const history = at >= 0 ? `\n\n${previous.slice(at).trimEnd()}` : '';
  writeFileSync(RESULTS_FILE, `${sections.join('\n\n')}${history}\n`);
}

try {
  await main();
  await cleanUpAll();
} catch (error) {
  if (interrupted()) await new Promise(() => {}); // the signal handler cleans up and exits
  say(
    error instanceof UsageError ? `bench: ${error.message} (see --help)` : `bench: ${(error as Error).stack ?? error}`,
  );
  await cleanUpAll();
  process.exit(1);
}
