import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Subprocess, spawn } from 'bun';
import type { Connection } from 'mysql2/promise';
import { freePort } from '../harness/mariadb';
import { startNginx } from '../harness/nginx';
import { PRIORITIES } from '../src/tasks/model';
import { type BenchAccount, credentialHeaders, expectSignedIn, signUpOn } from './accounts';
import { type AppProcess, cpuSeconds, rssSampler, startApp, waitUntilIdle } from './app-process';
import { onCleanup } from './cleanup';
import { connect, createSizeDatabase, idRange, inspectSchema, refreshDerivedData, scalar } from './database';
import { growTo } from './seed';
import { formatMb, formatMs, formatRps, RSS_LIMIT_KB } from './targets';
import { errorCount, type LoadSpec, runWrk, type WrkResult, writeLuaScript, writeMixScript } from './wrk';

/**
 * The `peer` section of `bun run bench`: ours against the anchor (../shared/anchors/flask_seed, the
 * Flask + PyMySQL app this one replaces, under gunicorn with 2 sync workers), side by side in one
 * run: the same MariaDB, the same 1,000 tasks each, the same wrk rows at 32 connections, taking
 * turns (ours, anchor, then anchor, ours…), the median of the rounds compared. Ours is signed in
 * (session cookie for pages, token for the API), as every request to it must be; the anchor has
 * no accounts.
 */

export const PEER_TASKS = 1_000;
const CONNECTIONS = 32;
const ANCHOR_DIR = join(import.meta.dir, '../../shared/anchors/flask_seed');
const BROWSER = { 'Accept-Encoding': 'gzip, deflate, br, zstd' };
const CREATE_BODY = { title: 'Benchmark task' };
const READS_PER_WRITE = 9;

export interface PeerRowSpec {
  id: string;
  label: string;
  /** Ours over the anchor, at least; or, for a row through nginx, over ours direct. */
  target: number;
  /** The mix's p99 on our side, at most (ms). */
  p99LimitMs?: number;
  /** Ours through nginx (nginx.conf in front of the app), compared with the row `versus` direct. */
  throughNginx?: { versus: string };
}

export const PEER_ROWS: readonly PeerRowSpec[] = [
  { id: 'page', label: 'GET / from a browser (gzip accepted)', target: 10 },
  { id: 'page-identity', label: 'GET / with no Accept-Encoding', target: 10 },
  { id: 'api-list', label: 'GET /api/tasks', target: 10 },
  { id: 'api-post', label: 'POST /api/tasks (every 201 durable)', target: 10 },
  { id: 'mix', label: `mix of ${READS_PER_WRITE} GET / to 1 POST /api/tasks`, target: 10, p99LimitMs: 20 },
  {
    id: 'mix-nginx',
    label: 'the same mix through nginx, against ours direct',
    target: 0.7,
    throughNginx: { versus: 'mix' },
  },
];

type Side = 'ours' | 'anchor';

interface Server {
  side: Side;
  origin: string;
  /** Ours only: nginx.conf in front of the app, with write limits no single client of a real site reaches. */
  nginxOrigin?: string;
  /** Headers that sign the request in: ours only. */
  sign(credential: 'session' | 'token'): Record<string, string>;
  sql: Connection;
  stop(): Promise<void>;
}

export interface PeerRow {
  spec: PeerRowSpec;
  ours: WrkResult;
  /** The anchor's, or ours direct for a row through nginx. */
  reference: WrkResult;
  referenceName: string;
}

/** One side of a row: a server, reached directly or through nginx. */
interface Contender {
  name: string;
  server: Server;
  origin: string;
}

function contenders(spec: PeerRowSpec, ours: Server, anchor: Server): [Contender, Contender] {
  const direct = { name: 'ours', server: ours, origin: ours.origin };
  if (!spec.throughNginx) return [direct, { name: 'anchor', server: anchor, origin: anchor.origin }];
  return [
    { name: 'ours through nginx', server: ours, origin: ours.nginxOrigin ?? ours.origin },
    { ...direct, name: 'ours direct' },
  ];
}

export interface PeerResult {
  rows: PeerRow[];
  rounds: number;
  durationS: number;
  flushAtCommit: string;
  /** Tasks our POST row added, against the 201s wrk counted (all acknowledged creates stored). */
  created: { answered: number; stored: number };
  oursRssMaxKb: number;
  /** CPU seconds our app and the database server used during our POST rows, and the creates answered. */
  createCpu: { appS: number; databaseS: number; creates: number };
}

const say = (text: string) => process.stderr.write(`${text}\n`);

/** Runs the whole section on the MySQL server of `baseUrl` (mysql://…/<bench database>). */
export async function measurePeer(
  baseUrl: string,
  { rounds, durationS, scriptDir }: { rounds: number; durationS: number; scriptDir: string },
): Promise<PeerResult> {
  say('peer: seeding both servers');
  const ours = await startOurs(baseUrl);
  const anchor = await startAnchor(baseUrl, ours.url);
  const sampler = rssSampler(ours.app.pid);
  try {
    const flushAtCommit = String(await scalar(ours.sql, 'SELECT @@innodb_flush_log_at_trx_commit'));
    const databasePid = await serverPid(ours.sql);
    for (const server of [ours.server, anchor]) await checkAnswers(server);
    const rows: PeerRow[] = [];
    let created = { answered: 0, stored: 0 };
    const createCpu = { appS: 0, databaseS: 0, creates: 0 };
    for (const spec of PEER_ROWS) {
      const [measured, reference] = contenders(spec, ours.server, anchor);
      const results = new Map<Contender, WrkResult[]>([
        [measured, []],
        [reference, []],
      ]);
      for (let round = 1; round <= rounds; round++) {
        for (const contender of round % 2 ? [measured, reference] : [reference, measured]) {
          const { server } = contender;
          const counting = spec.id === 'api-post' && server.side === 'ours';
          const before = counting ? await taskCount(server.sql) : 0;
          const cpuBefore = [cpuSeconds(ours.app.pid), cpuSeconds(databasePid)] as const;
          const result = await loadRow(spec, contender, { durationS, scriptDir });
          if (counting) {
            const answered = result.requests - errorCount(result);
            created = {
              answered: created.answered + answered,
              stored: created.stored + (await taskCount(server.sql)) - before,
            };
            createCpu.appS += cpuSeconds(ours.app.pid) - cpuBefore[0];
            createCpu.databaseS += cpuSeconds(databasePid) - cpuBefore[1];
            createCpu.creates += answered;
          }
          results.get(contender)?.push(result);
          sampler.sample();
          say(
            `peer: ${spec.label}, ${contender.name} (${round}/${rounds}): ${formatRps(result.rps)} req/s, ${errorCount(result)} errors`,
          );
          if (server.side === 'ours') await waitUntilIdle(server.origin);
        }
      }
      rows.push({
        spec,
        ours: median(results.get(measured) ?? []),
        reference: median(results.get(reference) ?? []),
        referenceName: reference.name,
      });
    }
    return { rows, rounds, durationS, flushAtCommit, created, oursRssMaxKb: sampler.maxKb, createCpu };
  } finally {
    sampler.stop();
    await anchor.stop();
    await ours.server.stop();
  }
}

/** The database server's process id, from its pid file: null when it runs on another machine. */
async function serverPid(sql: Connection): Promise<number | null> {
  try {
    return Number(readFileSync(String(await scalar(sql, 'SELECT @@pid_file')), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

async function taskCount(sql: Connection): Promise<number> {
  return Number(await scalar(sql, 'SELECT COUNT(*) FROM tasks'));
}

/** Our app on a database of its own, with the bench's account owning 1,000 seeded tasks. */
async function startOurs(baseUrl: string): Promise<{ server: Server; app: AppProcess; sql: Connection; url: string }> {
  const url = await createSizeDatabase(baseUrl.replace(/\/[^/]*$/, '/peer_ours'), PEER_TASKS);
  const sql = await connect(url);
  const account: BenchAccount = await signUpOn(url, sql);
  await growTo(sql, (await idRange(sql)).rows, PEER_TASKS, account.id);
  await refreshDerivedData(sql, url, await inspectSchema(sql));
  const app = await startApp(url);
  const front = await startNginx([new URL(app.origin).host], { writeRate: '100000r/s', writeBurst: 100_000 });
  const server: Server = {
    side: 'ours',
    origin: app.origin,
    nginxOrigin: front.origin,
    sign: (credential) => credentialHeaders(credential, account),
    sql,
    stop: async () => {
      await front.stop();
      await app.stop();
      await sql.end();
    },
  };
  return { server, app, sql, url };
}

/**
 * The anchor on a database of its own, holding the same 1,000 tasks as ours (copied across, in its
 * own columns), served by gunicorn as its header says.
 */
async function startAnchor(baseUrl: string, oursUrl: string): Promise<Server> {
  if (!Bun.which('gunicorn'))
    throw new Error('gunicorn is not installed (apt-get install gunicorn python3-flask python3-pymysql)');
  const url = await createSizeDatabase(baseUrl.replace(/\/[^/]*$/, '/peer_anchor'), PEER_TASKS);
  const parsed = new URL(url);
  const port = await freePort();
  const env = {
    ...process.env,
    ANCHOR_DB: databaseOf(url),
    ANCHOR_DB_USER: decodeURIComponent(parsed.username) || 'root',
    ANCHOR_DB_PASSWORD: decodeURIComponent(parsed.password),
    ANCHOR_DB_PORT: parsed.port || '3306',
  };
  const gunicorn: Subprocess = spawn(['gunicorn', '-w', '2', '-b', `127.0.0.1:${port}`, 'app:app'], {
    cwd: ANCHOR_DIR,
    env,
    stdout: 'ignore',
    stderr: 'ignore',
  });
  const kill = () => gunicorn.kill('SIGKILL');
  const forget = onCleanup(kill, kill);
  const origin = `http://127.0.0.1:${port}`;
  await waitForHealth(origin, gunicorn);
  const sql = await connect(url);
  await sql.query(
    `INSERT INTO tasks (title, notes, done, priority, due_date, created_at)
     SELECT title, notes, status = 'done', ELT(priority, ${PRIORITIES.map(() => '?').join(', ')}), due_date, created_at
     FROM \`${databaseOf(oursUrl)}\`.tasks ORDER BY id`,
    [...PRIORITIES],
  );
  return {
    side: 'anchor',
    origin,
    sign: () => ({}),
    sql,
    stop: async () => {
      gunicorn.kill('SIGTERM');
      await gunicorn.exited;
      await forget();
      await sql.end();
    },
  };
}

const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

async function waitForHealth(origin: string, process: Subprocess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (process.exitCode !== null) break;
    const answered = await fetch(`${origin}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return;
    await Bun.sleep(200);
  }
  throw new Error(`the anchor did not answer at ${origin}/health (is python3-flask and python3-pymysql installed?)`);
}

/** One request per read row, as the load sends it: each side answers 2xx before it is measured. */
async function checkAnswers(server: Server): Promise<void> {
  for (const [path, credential, headers] of [
    ['/', 'session', BROWSER],
    ['/api/tasks', 'token', BROWSER],
  ] as const) {
    const load = { method: 'GET' as const, path, headers: { ...headers, ...server.sign(credential) } };
    await (await expectSignedIn(`${server.side} ${path}`, `${server.origin}${path}`, load)).arrayBuffer();
  }
}

async function loadRow(
  spec: PeerRowSpec,
  { server, origin }: Contender,
  { durationS, scriptDir }: { durationS: number; scriptDir: string },
): Promise<WrkResult> {
  const name = `peer-${spec.id}-${server.side}`;
  const page: LoadSpec = { method: 'GET', path: '/', headers: { ...BROWSER, ...server.sign('session') } };
  const create: LoadSpec = {
    method: 'POST',
    path: '/api/tasks',
    body: CREATE_BODY,
    expect: 201,
    headers: { ...BROWSER, ...server.sign('token') },
  };
  const load: LoadSpec =
    {
      page,
      'page-identity': { method: 'GET' as const, path: '/', headers: server.sign('session') },
      'api-list': { method: 'GET' as const, path: '/api/tasks', headers: { ...BROWSER, ...server.sign('token') } },
      'api-post': create,
      mix: page,
    }[spec.id] ?? page;
  // The nginx row sends the mix too (it once fell back to the page alone, through nginx and direct).
  const mixes = spec.id === 'mix' || spec.throughNginx?.versus === 'mix';
  const script = mixes
    ? writeMixScript(scriptDir, name, page, create, READS_PER_WRITE)
    : writeLuaScript(scriptDir, name, load);
  return runWrk({
    url: `${origin}${load.path}`,
    script,
    connections: CONNECTIONS,
    durationS,
    timeoutS: 10,
    ids: { minId: 0, maxId: 0 },
    headers: load.headers,
  });
}

function median(results: WrkResult[]): WrkResult {
  return [...results].sort((a, b) => a.rps - b.rps)[Math.floor((results.length - 1) / 2)] as WrkResult;
}

const ratioText = (ratio: number, spec: PeerRowSpec) =>
  spec.throughNginx ? `${Math.round(ratio * 100)} %` : `${ratio.toFixed(1)}×`;
const targetText = (spec: PeerRowSpec) =>
  spec.throughNginx ? `≥ ${Math.round(spec.target * 100)} %` : `≥ ${spec.target}×`;

export function renderPeer(result: PeerResult): string {
  const lines = [
    `## Peer: ours against the Flask + PyMySQL anchor (${CONNECTIONS} connections, ${PEER_TASKS.toLocaleString('en-US')} tasks each, median of ${result.rounds} alternating runs of ${result.durationS} s)`,
    '',
    '| row | ours req/s | against | its req/s | ratio | target | ours p99 | errors (ours / against) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { spec, ours, reference, referenceName } of result.rows) {
    const ratio = ours.rps / reference.rps;
    const p99Ok = spec.p99LimitMs === undefined || ours.p99Ms <= spec.p99LimitMs;
    const pass = ratio >= spec.target && p99Ok && errorCount(ours) === 0;
    const p99 = `${formatMs(ours.p99Ms)}${spec.p99LimitMs === undefined ? '' : ` (≤ ${spec.p99LimitMs} ms ${p99Ok ? '✓' : '✗'})`}`;
    lines.push(
      `| ${spec.label} | ${formatRps(ours.rps)} | ${referenceName} | ${formatRps(reference.rps)} | ${pass ? '✓' : '✗'} ${ratioText(ratio, spec)} | ${targetText(spec)} | ${p99} | ${errorCount(ours)} / ${errorCount(reference)} |`,
    );
  }
  const { answered, stored } = result.created;
  lines.push(
    '',
    `Durability: innodb_flush_log_at_trx_commit = ${result.flushAtCommit} (1: every commit flushed to disk before it returns); ` +
      `our POST rows answered ${formatRps(answered)} creates with 201 and stored ${formatRps(stored)} tasks ` +
      `(more when wrk stopped with creates in flight) ${stored >= answered && result.flushAtCommit === '1' ? '✓' : '✗'}.`,
    `Our app's RSS during the section (≤ ${formatMb(RSS_LIMIT_KB)}): at most ${formatMb(result.oursRssMaxKb)} ${result.oursRssMaxKb <= RSS_LIMIT_KB ? '✓' : '✗'}.`,
    ...createBound(result),
  );
  return lines.join('\n');
}

/**
 * What bounds our POST row: the CPU each create costs our app and the database (utime + stime
 * over the creates answered), against what the machine's cores allow at the row's target.
 */
function createBound({ createCpu: { appS, databaseS, creates }, rows }: PeerResult): string[] {
  const anchorRps = rows.find((row) => row.spec.id === 'api-post')?.reference.rps;
  if (!creates || !anchorRps) return [];
  const perCreateUs = (seconds: number) => (seconds * 1e6) / creates;
  const [appUs, databaseUs] = [perCreateUs(appS), perCreateUs(databaseS)];
  const cores = availableParallelism();
  const targetRps = 10 * anchorRps;
  const spent = Number.isNaN(databaseUs)
    ? `our app used ${appUs.toFixed(0)} µs of CPU per create (the database server's CPU was not readable: not on this machine?)`
    : `our app used ${appUs.toFixed(0)} µs of CPU per create and the database server ${databaseUs.toFixed(0)} µs: ` +
      `${formatRps((cores * 1e6) / (appUs + databaseUs))} creates/s would keep all ${cores} cores busy with nothing else running`;
  return [
    `What bounds creates: during our POST rows ${spent}. ` +
      `10× the anchor's ${formatRps(anchorRps)} is ${formatRps(targetRps)} creates/s, ${((cores * 1e6) / targetRps).toFixed(0)} µs of the cores per create for wrk, our app and the database together.`,
  ];
}
