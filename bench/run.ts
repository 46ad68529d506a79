import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { type CacheAttack, fillCaches } from '../harness/cache-attack';
import { startNginx } from '../harness/nginx';
import { type BenchAccount, expectSignedIn, NotSignedInError, signedInLoad, signUpOn } from './accounts';
import { type AppProcess, readMemory, rssSampler, startApp, waitUntilIdle } from './app-process';
import { type InProcessStep, measureInProcess, recordedBeforeAccounts, renderAuthCost } from './auth-cost';
import { cleanUpAll, cleanUpOnSignals, interrupted, onCleanup } from './cleanup';
import {
  connect,
  countsDrift,
  createSizeDatabase,
  firstSearchTimes,
  idRange,
  inspectSchema,
  openBenchDatabase,
  refreshDerivedData,
  type SchemaReport,
  searchShare,
} from './database';
import { ENDPOINTS, type Endpoint, runOrder } from './endpoints';
import { type BenchEnvironment, describeEnvironment } from './environment';
import { cpuSnapshot, othersShare, waitForQuietMachine } from './machine-noise';
import { type BenchOptions, parseOptions, USAGE, UsageError } from './options';
import { measurePeer, renderPeer } from './peer';
import { renderHeader, renderMachineLine, renderNotes, renderScaling, renderSize, renderTargets } from './report';
import { writeMainReport } from './results-file';
import { replaceSection } from './results-section';
import { growTo, SEARCH_WORD } from './seed';
import { formatMs, formatRps, type ResponseCheck, type RunRow, type SizeResult } from './targets';
import { errorCount, medianRun, runWrk, type WrkResult, writeLuaScript } from './wrk';

/**
 * `bun run bench`: seeds one MySQL database per table size, signs up on each, starts the real server
 * on each, drives every endpoint with wrk at each size back to back, signed in, and prints (and
 * writes to bench/results.md, or --output) what it measured. Asserts nothing about speed; stops at
 * once if a row is not answered as a signed-in user (bench/accounts.ts).
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

/** One table size: its own database, its account, seeded, and the app (and nginx) serving it. */
interface Sized {
  size: number;
  url: string;
  sql: Connection;
  account: BenchAccount;
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
  const output = options.output ?? RESULTS_FILE;
  if (options.peer === 'only') return runPeer(bench, database.url, output, environment);
  let schema: SchemaReport | null = null;
  const seededSizes: Omit<Sized, 'app' | 'origins'>[] = [];
  for (const size of options.sizes) {
    const url = await createSizeDatabase(database.url, size);
    const sql = await connect(url);
    // The app's own migrations create the schema (the bench reads it rather than assuming it), and
    // the account, made through the app, owns every task seeded.
    const account = await signUpOn(url, sql);
    schema ??= await inspectSchema(sql);
    seededSizes.push({ size, url, sql, account, seeded: await seedTo(sql, url, schema, size, account.id) });
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
    // Timed after the load, on a quiet machine with InnoDB's full-text merge long done.
    const firstSearch = await firstSearchTimes(entry.url, entry.account.id, SEARCH_WORD);
    sizes.push({
      size: entry.size,
      rows: ids.rows,
      ...seeding,
      settle,
      ...measured(entry),
      countsAfterWrites,
      firstSearch,
    });
  }
  const notes = [...schema.warnings];
  if (schema.hasTaskCounts) notes.push('task_counts is rebuilt (the app’s rebuildTaskCounts) after every bulk load.');
  notes.push(
    'Each size has a database and an app of its own; every row runs at each size back to back, so a drift in the machine’s speed during the bench shifts all sizes alike.',
  );
  notes.push(`Wall time ${((performance.now() - started) / 60_000).toFixed(1)} min.`);
  const summary = [renderTargets(sizes), renderAuthCost(sizes, recordedBeforeAccounts()), renderScaling(sizes)];
  console.log(
    `${sizes.map(renderSize).join('\n\n')}\n\n${summary.join('\n\n')}\n\n${notes.map((note) => `- ${note}`).join('\n')}`,
  );
  writeMainReport(output, [
    renderHeader(environment, options),
    ...summary,
    ...sizes.map(renderSize),
    renderNotes(notes, schema),
  ]);
  say(`bench: wrote ${output}`);
  if (options.peer === 'also') await runPeer(bench, database.url, output, environment);
}

/** The side-by-side with the anchor, printed and written to its own section of the results. */
async function runPeer(bench: Bench, databaseUrl: string, output: string, environment: BenchEnvironment) {
  const { repeat, durationS } = bench.options;
  const result = await measurePeer(databaseUrl, { rounds: repeat, durationS, scriptDir: bench.scriptDir });
  const text = `${renderPeer(result)}\n\n${renderMachineLine(environment)}`;
  console.log(text);
  replaceSection(output, 'peer', text);
  say(`bench: wrote the peer section of ${output}`);
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

/** Grows a size's table to `size` tasks of `owner` with the bulk path, then refreshes what derives from it. */
async function seedTo(sql: Connection, url: string, schema: SchemaReport, size: number, owner: number) {
  const started = performance.now();
  const inserted = await growTo(sql, (await idRange(sql)).rows, size, owner);
  await refreshDerivedData(sql, url, schema);
  const seedSeconds = (performance.now() - started) / 1000;
  const ids = await idRange(sql);
  return {
    inserted,
    seedSeconds,
    ids,
    searchShare: await searchShare(url, owner, SEARCH_WORD, ids.rows),
  };
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
  for (const entry of sized) checks.set(entry, await checkResponses(bench.endpoints, entry));
  for (const entry of sized) await warmUp(bench, entry);
  const runs = new Map<Sized, RunRow[]>(sized.map((entry) => [entry, []]));
  const samplers = new Map(sized.map((entry) => [entry, rssSampler(entry.app.pid)]));
  const cpuBefore = cpuSnapshot();
  for (const endpoint of bench.endpoints) {
    for (const connections of bench.options.connections) {
      const rounds = new Map<Sized, RunRow[]>(sized.map((entry) => [entry, []]));
      for (let round = 1; round <= bench.options.repeat; round++) {
        for (const entry of sized) {
          if (interrupted()) throw new Error('interrupted');
          const run = await loadOne(bench, endpoint, entry, connections);
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
  // Before the attack, whose 100 heavy tasks would top the very lists measured in-process.
  const inProcess = new Map<Sized, InProcessStep[]>();
  for (const entry of sized) {
    say(`[${entry.size.toLocaleString('en-US')}] the cost of authentication, in-process`);
    inProcess.set(entry, await measureInProcess(entry.url, entry.account));
  }
  const attacks = new Map<Sized, CacheAttack>();
  for (const entry of sized) {
    say(`[${entry.size.toLocaleString('en-US')}] the cache-filling attack`);
    attacks.set(entry, await fillCaches(entry.app.origin, entry.account));
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
    authInProcess: inProcess.get(entry) ?? [],
  });
}

/** A read endpoint's URL at this size (a real task's id where the path takes one). */
function readUrl(endpoint: Endpoint, entry: Sized): string {
  const path = endpoint.load.randomId ? `${endpoint.load.path}${entry.seeded.ids.minId}` : endpoint.load.path;
  return `${entry.origins[endpoint.via]}${path}`;
}

/**
 * One signed-in request per read endpoint, so the report shows what a response is (status, size);
 * one that is not a 2xx stops the bench.
 */
async function checkResponses(endpoints: Endpoint[], entry: Sized): Promise<ResponseCheck[]> {
  const checks: ResponseCheck[] = [];
  for (const endpoint of endpoints.filter((e) => e.kind === 'read')) {
    const response = await expectSignedIn(
      endpoint.label,
      readUrl(endpoint, entry),
      signedInLoad(endpoint, entry.account),
    );
    checks.push({
      endpoint,
      status: response.status,
      bytes: (await response.arrayBuffer()).byteLength,
      encoding: response.headers.get('content-encoding') ?? 'identity',
    });
  }
  return checks;
}

/** The wrk script for an endpoint as this size's account sends it (null: none needed). */
function scriptFor(bench: Bench, endpoint: Endpoint, entry: Sized): string | null {
  return writeLuaScript(bench.scriptDir, `${endpoint.id}-${entry.size}`, signedInLoad(endpoint, entry.account));
}

/** JIT, pools and caches settle before anything is measured; reads only, so no rows are added. */
async function warmUp(bench: Bench, entry: Sized): Promise<void> {
  say(`bench: warming up (${bench.options.warmupS} s per read endpoint)`);
  for (const endpoint of bench.endpoints.filter((e) => e.kind === 'read')) {
    await runWrk({
      url: `${entry.origins[endpoint.via]}${endpoint.load.path}`,
      script: scriptFor(bench, endpoint, entry),
      connections: WARMUP_CONNECTIONS,
      durationS: bench.options.warmupS,
      timeoutS: bench.options.timeoutS,
      ids: entry.seeded.ids,
      headers: signedInLoad(endpoint, entry.account).headers,
    });
    await waitUntilIdle(entry.origins.app as string);
  }
}

async function loadOne(bench: Bench, endpoint: Endpoint, entry: Sized, connections: number): Promise<RunRow> {
  const { durationS, timeoutS } = bench.options;
  const load = signedInLoad(endpoint, entry.account);
  const url = `${entry.origins[endpoint.via]}${endpoint.load.path}`;
  const script = scriptFor(bench, endpoint, entry);
  const ids = entry.seeded.ids;
  let run: RunRow;
  try {
    const result = await runWrk({ url, script, connections, durationS, timeoutS, ids, headers: load.headers });
    run = { endpoint, connections, result };
  } catch (error) {
    return { endpoint, connections, result: null, failure: (error as Error).message };
  }
  await expectAnsweredSignedIn(endpoint, entry, run);
  return run;
}

/**
 * Stops the bench when a run saw an answer other than its own: a 401 (counted by wrk as non-2xx),
 * a wrong status (the row's Lua check), or, on a row without a check, a 3xx seen right after it.
 */
async function expectAnsweredSignedIn(endpoint: Endpoint, entry: Sized, run: RunRow): Promise<void> {
  const result = run.result;
  if (!result) return;
  const wrong = result.unexpected ?? result.non2xx;
  if (wrong > 0) {
    const example = result.firstUnexpected ? ` (e.g. ${result.firstUnexpected})` : '';
    throw new NotSignedInError(
      `${endpoint.label} × ${run.connections}: ${wrong} of ${result.requests} answers were not the row's${example}`,
    );
  }
  if (endpoint.kind === 'read' && endpoint.load.expect === undefined)
    await (
      await expectSignedIn(endpoint.label, readUrl(endpoint, entry), signedInLoad(endpoint, entry.account))
    ).arrayBuffer();
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

try {
  await main();
  await cleanUpAll();
} catch (error) {
  if (interrupted()) await new Promise(() => {}); // the signal handler cleans up and exits
  if (error instanceof NotSignedInError) say(`bench: FAILED, not signed in: ${error.message}`);
  else
    say(
      error instanceof UsageError
        ? `bench: ${error.message} (see --help)`
        : `bench: ${(error as Error).stack ?? error}`,
    );
  await cleanUpAll();
  process.exit(1);
}
