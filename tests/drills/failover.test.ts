import { afterAll, beforeAll, expect, test } from 'bun:test';
import mysql from 'mysql2/promise';
import { type LiveAccount, signUpLive } from '../../harness/live-server';
import { startTopology, type Topology } from '../../harness/topology';

/**
 * Failover drills through nginx with two app instances, under steady mixed read/write load from
 * one signed-in account (its session cookie on pages, its token on the API): a rolling restart
 * with SIGTERM must not fail a single request nor sign anyone out; a SIGKILL may only fail what
 * was in flight on the killed instance; no acknowledged write may be missing afterwards. Sessions
 * and tokens live in the database, so a token revoked on one instance is refused by both at once.
 */

let topology: Topology;
// One account for every instance: it is signed up once, and each instance must know it.
let account: LiveAccount;
// A MariaDB, two apps and nginx take longer than a hook's default 5 s on a busy machine.
beforeAll(async () => {
  topology = await startTopology();
  account = await signUpLive(topology.origin);
}, 60_000);
afterAll(() => topology?.stop());

interface Outcome {
  method: string;
  path: string;
  status: number;
  startedAt: number;
  endedAt: number;
}

/** What a signed-in browser sends to a page, and a script to the API. */
function credentials(path: string): Record<string, string> {
  return path.startsWith('/api/') ? { authorization: `Bearer ${account.token}` } : { cookie: account.cookie };
}

/** Clients that read pages and the API and write tasks, until stopped. */
function steadyLoad(origin: string, drill: string, clients = 12) {
  const outcomes: Outcome[] = [];
  const acknowledged = new Map<number, string>();
  let running = true;
  let written = 0;
  const request = async (method: string, path: string, body?: unknown) => {
    const startedAt = performance.now();
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { ...credentials(path), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      // A session the restart lost would show as a 303 to /signin: it must not be followed to a 200.
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    const text = (await response?.text().catch(() => undefined)) ?? '';
    outcomes.push({ method, path, status: response?.status ?? 0, startedAt, endedAt: performance.now() });
    return { status: response?.status ?? 0, text };
  };
  const client = async (name: number) => {
    for (let turn = 0; running; turn++) {
      if (turn % 3 === 0) {
        const title = `${drill}: client ${name} write ${written++}`;
        const created = await request('POST', '/api/tasks', { title });
        if (created.status === 201) acknowledged.set(JSON.parse(created.text).id, title);
      } else if (turn % 3 === 1) {
        await request('GET', turn % 2 ? '/' : '/?status=open');
      } else {
        const newest = [...acknowledged.keys()].at(-1);
        if (newest) await request('PATCH', `/api/tasks/${newest}`, { priority: 'high' });
        else await request('GET', '/api/tasks');
      }
    }
  };
  const running$ = Array.from({ length: clients }, (_, name) => client(name));
  return {
    outcomes,
    acknowledged,
    async stop() {
      running = false;
      await Promise.all(running$);
    },
  };
}

/** Acknowledged writes not stored as acknowledged, and titles stored twice (a retry that was not a replay). */
async function checkWrites(acknowledged: Map<number, string>) {
  const reader = await mysql.createConnection({ uri: topology.databaseUrl });
  const [rows] = await reader.query<mysql.RowDataPacket[]>('SELECT id, title FROM tasks');
  const [twice] = await reader.query<mysql.RowDataPacket[]>(
    'SELECT title FROM tasks GROUP BY title HAVING COUNT(*) > 1',
  );
  await reader.end();
  const stored = new Map(rows.map((row) => [Number(row.id), String(row.title)]));
  return {
    missing: [...acknowledged].filter(([id, title]) => stored.get(id) !== title).map(([id]) => id),
    duplicated: twice.map((row) => String(row.title)),
  };
}

/** No answer, a server error, or a signed-in client told to sign in (303 page, 401 API). */
const failed = (outcomes: Outcome[]) =>
  outcomes.filter((outcome) => outcome.status === 0 || outcome.status >= 500 || [303, 401].includes(outcome.status));

interface Probe {
  instance: number;
  status: number;
  startedAt: number;
  endedAt: number;
}

/**
 * A browser tab reloading GET / with the session cookie straight at each instance, every 50 ms, to
 * see which instance answers what while the other restarts (nginx would hide that).
 */
function sessionProbe() {
  const probes: Probe[] = [];
  let running = true;
  const probe = async (instance: number) => {
    while (running) {
      const target = topology.instances[instance];
      const startedAt = performance.now();
      const response = await fetch(`http://127.0.0.1:${target?.port}/`, {
        headers: { cookie: account.cookie },
        redirect: 'manual',
        signal: AbortSignal.timeout(5_000),
      }).catch(() => undefined);
      await response?.arrayBuffer().catch(() => undefined);
      probes.push({ instance, status: response?.status ?? 0, startedAt, endedAt: performance.now() });
      await Bun.sleep(50);
    }
  };
  const running$ = topology.instances.map((_, instance) => probe(instance));
  return {
    probes,
    async stop() {
      running = false;
      await Promise.all(running$);
    },
  };
}

test('rolling restart (SIGTERM one instance, start it, then the other) under load: 0 failed requests', async () => {
  const load = steadyLoad(topology.origin, 'rolling restart');
  const browser = sessionProbe();
  await Bun.sleep(1_000);
  // Per instance, from its SIGTERM until its replacement answers: the only time it may not answer.
  const down: { from: number; to: number }[] = [];
  for (const instance of topology.instances) {
    const from = performance.now();
    instance.server.kill('SIGTERM');
    expect(await instance.server.exited).toBe(0);
    await Bun.sleep(500);
    await instance.restart();
    down.push({ from, to: performance.now() });
    // As a deploy waits for the health check before it stops the next one. (nginx itself keeps no
    // failure count, max_fails=0: it tries a restarted instance again on the next request.)
    await Bun.sleep(2_500);
  }
  await load.stop();
  await browser.stop();
  const failures = failed(load.outcomes);
  const { missing, duplicated } = await checkWrites(load.acknowledged);
  const session = sessionAcrossRestarts(browser.probes, down);
  process.stdout.write(
    `drill: rolling restart: ${load.outcomes.length} requests, ${failures.length} failed, ` +
      `${load.acknowledged.size} writes acknowledged, ${missing.length} missing, ${duplicated.length} duplicated; ` +
      `the browser's session: ${session.summary}\n`,
  );
  expect(failures).toEqual([]);
  expect(missing).toEqual([]);
  expect(duplicated).toEqual([]);
  // Signed in throughout: every answer either instance gave the cookie was the page, never a 303.
  expect(session.notThePage).toEqual([]);
  // Answers were refused only while that instance was down.
  expect(session.unansweredWhileUp).toEqual([]);
  // The page, with the cookie made before any restart: before, while the other was down, and after
  // its own restart (a new process, with nothing of the session in its memory), on both instances.
  expect(session.pages).toEqual(topology.instances.map(() => ({ before: true, otherDown: true, after: true })));
}, 60_000);

/** What the probing browser saw of each instance around its restart (down[n] is instance n's). */
function sessionAcrossRestarts(probes: Probe[], down: { from: number; to: number }[]) {
  const isDown = (probe: Probe) => {
    const window = down[probe.instance];
    return window !== undefined && probe.endedAt >= window.from && probe.startedAt <= window.to;
  };
  const pageSeen = (instance: number, within: (probe: Probe) => boolean) =>
    probes.some((probe) => probe.instance === instance && probe.status === 200 && within(probe));
  const pages = down.map((window, instance) => {
    const other = down[1 - instance];
    return {
      before: pageSeen(instance, (probe) => probe.endedAt < window.from),
      otherDown: other
        ? pageSeen(instance, (probe) => probe.startedAt >= other.from && probe.endedAt <= other.to)
        : true,
      after: pageSeen(instance, (probe) => probe.startedAt > window.to),
    };
  });
  const answered = probes.filter((probe) => probe.status !== 0);
  const pageCount = answered.filter((probe) => probe.status === 200).length;
  return {
    pages,
    notThePage: answered.filter((probe) => probe.status !== 200),
    unansweredWhileUp: probes.filter((probe) => probe.status === 0 && !isDown(probe)),
    summary: `${probes.length} reloads straight at the instances, ${pageCount} answered with the page, ${probes.length - answered.length} unanswered while that instance was down`,
  };
}

test('SIGKILL of one instance under load: only requests in flight on it may fail, none afterwards', async () => {
  const load = steadyLoad(topology.origin, 'sigkill');
  await Bun.sleep(1_000);
  const [victim] = topology.instances;
  if (!victim) throw new Error('no instance');
  const killedAt = performance.now();
  victim.server.kill('SIGKILL');
  await victim.server.exited;
  await Bun.sleep(2_000);
  await load.stop();
  await victim.restart();

  const inFlightAtKill = load.outcomes.filter(
    (outcome) => outcome.startedAt <= killedAt && outcome.endedAt >= killedAt,
  );
  const failures = failed(load.outcomes);
  const failedAfterKill = failures.filter((outcome) => outcome.startedAt > killedAt);
  const failedInFlight = failures.filter((outcome) => outcome.startedAt <= killedAt);
  const { missing, duplicated } = await checkWrites(load.acknowledged);
  process.stdout.write(
    `drill: SIGKILL: ${load.outcomes.length} requests, ${inFlightAtKill.length} in flight at the kill, ` +
      `${failedInFlight.length} of them failed, ${failedAfterKill.length} failed afterwards; ` +
      `${load.acknowledged.size} writes acknowledged, ${missing.length} missing, ${duplicated.length} duplicated\n`,
  );
  expect(failedAfterKill).toEqual([]);
  expect(duplicated).toEqual([]);
  expect(failedInFlight.length).toBeLessThanOrEqual(inFlightAtKill.length);
  expect(failedInFlight.every((outcome) => inFlightAtKill.includes(outcome))).toBe(true);
  expect(missing).toEqual([]);
}, 60_000);

test('a token revoked on one instance is refused by both, on the very next request', async () => {
  const [first, second] = topology.instances.map((instance) => `http://127.0.0.1:${instance.port}`);
  if (!first || !second) throw new Error('needs two instances');
  const asMain = { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' };
  const made = await fetch(`${first}/api/tokens`, {
    method: 'POST',
    headers: asMain,
    body: JSON.stringify({ name: 'revoked in the drill' }),
  });
  expect(made.status).toBe(201);
  const { id, token } = (await made.json()) as { id: number; token: string };
  const listWith = async (origin: string) => {
    const response = await fetch(`${origin}/api/tasks?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    return response;
  };
  // Both instances have just accepted it, many times: anything they kept of it would be warm now.
  for (let turn = 0; turn < 10; turn++)
    expect([(await listWith(first)).status, (await listWith(second)).status]).toEqual([200, 200]);

  const revoked = await fetch(`${first}/api/tokens/${id}`, { method: 'DELETE', headers: asMain });
  expect(revoked.status).toBe(204);
  const [onFirst, onSecond] = await Promise.all([listWith(first), listWith(second)]);
  expect([onFirst.status, onSecond.status]).toEqual([401, 401]);
  expect(onSecond.headers.get('www-authenticate')).toContain('invalid_token');
  // Only that token: the account's own goes on working on both.
  const still = await Promise.all(
    [first, second].map((origin) => fetch(`${origin}/api/tasks?limit=1`, { headers: asMain })),
  );
  expect(still.map((response) => response.status)).toEqual([200, 200]);
}, 30_000);
