import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { type CacheAttack, fillCaches } from '../harness/cache-attack';
import { startNginx } from '../harness/nginx';
import { type AppProcess, readMemory, rssSampler, startApp, waitUntilIdle } from './app-process';
import { cleanUpAll, cleanUpOnSignals, interrupted, onCleanup } from './cleanup';
import {
  connect,
  countsDrift,
  createSizeDatabase,
  type IdRange,
  idRange,
  inspectSchema,
  openBenchDatabase,
  refreshDerivedData,
  type SchemaReport,
  searchShare,
} from './database';
import { ENDPOINTS, type Endpoint, runOrder } from './endpoints';
import { describeEnvironment } from './environment';
import { cpuSnapshot, othersShare, waitForQuietMachine } from './machine-noise';
import { type BenchOptions, parseOptions, USAGE, UsageError } from './options';
import { renderHeader, renderNotes, renderScaling, renderSize, renderTargets } from './report';
import { growTo, SEARCH_WORD } from './seed';
import { formatMs, formatRps, type ResponseCheck, type RunRow, type SizeResult } from './targets';
import { errorCount, medianRun, runWrk, type WrkResult, writeLuaScript } from './wrk';

/**
 * `bun run bench`: seeds one MySQL database per table size, starts the real server on each, drives
 * every endpoint with wrk at each size back to back, and prints (and writes to bench/results.md)
 * what it measured. Asserts nothing.
 */

const RESULTS_FILE = join(import.meta.dir, 'results.md');
// As many as the target runs use: the JIT settles on the paths that concurrency takes.
const WARMUP_CONNECTIONS = 32;

interface Bench {
  options: BenchOptions;
  endpoints: Endpoint[];
  scriptDir: string;
}

type Origins = Record<Endpoint['via'], string | undefined>;

/** One table size: its own database, seeded, and the app (and nginx) serving it. */
interface Sized {
  size: number;
  url: string;
  sql: Connection;
  seeded: Awaited<ReturnType<typeof seedTo>>;
  app: AppProcess;
  origins: Origins;
}

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
  const bench: Bench = { options, endpoints, scriptDir };

  say('bench: preparing the databases');
  const database = await openBenchDatabase(options.bufferPoolMb);
  const environment = await describeEnvironment(await connect(database.url), database.description);
  let schema: SchemaReport | null = null;
  const seededSizes: Omit<Sized, 'app' | 'origins'>[] = [];
  for (const size of options.sizes) {
    const url = await createSizeDatabase(database.url, size);
    const sql = await connect(url);
    // The app's own migrations create the schema; the bench reads it rather than assuming it.
    await (await startApp(url)).stop();
    schema ??= await inspectSchema(sql);
    seededSizes.push({ size, url, sql, seeded: await seedTo(sql, url, schema, size) });
  }
  if (!schema) throw new UsageError('no table sizes to measure');
  for (const warning of schema.warnings) say(`bench: warning: ${warning}`);
  say('bench: waiting for the database to finish its background work');
  const settle = await waitForQuietMachine();

  const sized: Sized[] = [];
  for (const entry of seededSizes) sized.push({ ...entry, ...(await startServing(bench, entry.url)) });
  const measured = await measureAll(bench, sized);

  const sizes: SizeResult[] = [];
  for (const entry of sized) {
    const { ids, ...seeding } = entry.seeded;
    const countsAfterWrites = await countsDrift(entry.sql, schema);
    sizes.push({ size: entry.size, rows: ids.rows, ...seeding, settle, ...measured(entry), countsAfterWrites });
  }
  const notes = [...schema.warnings];
  if (schema.hasTaskCounts) notes.push('task_counts is rebuilt (the app’s rebuildTaskCounts) after every bulk load.');
  notes.push(
    'Each size has a database and an app of its own; every row runs at each size back to back, so a drift in the machine’s speed during the bench shifts all sizes alike.',
  );
  notes.push(`Wall time ${((performance.now() - started) / 60_000).toFixed(1)} min.`);
  const summary = [renderTargets(sizes), renderScaling(sizes)];
  console.log(
    `${sizes.map(renderSize).join('\n\n')}\n\n${summary.join('\n\n')}\n\n${notes.map((note) => `- ${note}`).join('\n')}`,
  );
  writeResults([renderHeader(environment, options), ...summary, ...sizes.map(renderSize), renderNotes(notes, schema)]);
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

/** Grows a size's table to `size` with the bulk path, then refreshes what derives from it. */
async function seedTo(sql: Connection, url: string, schema: SchemaReport, size: number) {
  const started = performance.now();
  const inserted = await growTo(sql, (await idRange(sql)).rows, size);
  await refreshDerivedData(sql, url, schema);
  const seedSeconds = (performance.now() - started) / 1000;
  const ids = await idRange(sql);
  return { inserted, seedSeconds, ids, searchShare: await searchShare(url, SEARCH_WORD, ids.rows) };
}

/** An app on the size's database, started after the bulk load so no cache of its own predates it. */
async function startServing(bench: Bench, url: string): Promise<{ app: AppProcess; origins: Origins }> {
  const app = await startApp(url);
  const needsFront = bench.endpoints.some((endpoint) => endpoint.via === 'nginx');
  const front = needsFront ? await startNginx([new URL(app.origin).host]) : null;
  if (front) onCleanup(() => front.stop());
  return { app, origins: { app: app.origin, nginx: front?.origin } };
}

/**
 * Runs every endpoint at every connection count `repeat` times, the sizes taking turns within each
 * round, and keeps the median run per size; answers per size.
 */
async function measureAll(bench: Bench, sized: Sized[]) {
  const checks = new Map<Sized, ResponseCheck[]>();
  for (const entry of sized) checks.set(entry, await checkResponses(bench.endpoints, entry.origins, entry.seeded.ids));
  for (const entry of sized) await warmUp(bench, entry.origins, entry.seeded.ids);
  const runs = new Map<Sized, RunRow[]>(sized.map((entry) => [entry, []]));
  const samplers = new Map(sized.map((entry) => [entry, rssSampler(entry.app.pid)]));
  const cpuBefore = cpuSnapshot();
  for (const endpoint of bench.endpoints) {
    const script = writeLuaScript(bench.scriptDir, endpoint.id, endpoint.load);
    for (const connections of bench.options.connections) {
      const rounds = new Map<Sized, RunRow[]>(sized.map((entry) => [entry, []]));
      for (let round = 1; round <= bench.options.repeat; round++) {
        for (const entry of sized) {
          if (interrupted()) throw new Error('interrupted');
          const url = `${entry.origins[endpoint.via]}${endpoint.load.path}`;
          const run = await loadOne(bench, endpoint, script, url, connections, entry.seeded.ids);
          rounds.get(entry)?.push(run);
          samplers.get(entry)?.sample();
          const size = entry.size.toLocaleString('en-US');
          say(`[${size}] ${endpoint.label} × ${connections} (${round}/${bench.options.repeat}): ${describeRun(run)}`);
          await waitUntilIdle(entry.app.origin);
        }
      }
      for (const entry of sized) runs.get(entry)?.push(medianRow(rounds.get(entry) ?? []));
    }
  }
  const othersCpuShare = othersShare(cpuBefore, cpuSnapshot());
  const attacks = new Map<Sized, CacheAttack>();
  for (const entry of sized) {
    say(`[${entry.size.toLocaleString('en-US')}] the cache-filling attack`);
    attacks.set(entry, await fillCaches(entry.app.origin));
    samplers.get(entry)?.sample();
  }
  for (const sampler of samplers.values()) sampler.stop();
  return (entry: Sized) => ({
    pid: entry.app.pid,
    rssMaxKb: samplers.get(entry)?.maxKb ?? 0,
    cacheAttack: attacks.get(entry) ?? { requests: 0, bytes: 0, failed: 0 },
    peakKb: readMemory(entry.app.pid)?.peakKb ?? 0,
    othersCpuShare,
    checks: checks.get(entry) ?? [],
    runs: runs.get(entry) ?? [],
  });
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

/** The median of a row's runs; a run wrk could not make fails the row. */
function medianRow(rounds: RunRow[]): RunRow {
  const failed = rounds.find((run) => !run.result);
  if (failed) return failed;
  const first = rounds[0] as RunRow;
  return { ...first, result: medianRun(rounds.map((run) => run.result as WrkResult)) };
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
