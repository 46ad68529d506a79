import { afterAll, beforeAll, expect, test } from 'bun:test';
import mysql from 'mysql2/promise';
import { startTopology, type Topology } from '../../harness/topology';

/**
 * Failover drills through nginx with two app instances, under steady mixed read/write load:
 * a rolling restart with SIGTERM must not fail a single request; a SIGKILL may only fail what
 * was in flight on the killed instance; no acknowledged write may be missing afterwards.
 */

let topology: Topology;
// A MariaDB, two apps and nginx take longer than a hook's default 5 s on a busy machine.
beforeAll(async () => {
  topology = await startTopology();
}, 60_000);
afterAll(() => topology?.stop());

interface Outcome {
  method: string;
  path: string;
  status: number;
  startedAt: number;
  endedAt: number;
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
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
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

const failed = (outcomes: Outcome[]) => outcomes.filter((outcome) => outcome.status === 0 || outcome.status >= 500);

test('rolling restart (SIGTERM one instance, start it, then the other) under load: 0 failed requests', async () => {
  const load = steadyLoad(topology.origin, 'rolling restart');
  await Bun.sleep(1_000);
  for (const instance of topology.instances) {
    instance.server.kill('SIGTERM');
    expect(await instance.server.exited).toBe(0);
    await Bun.sleep(500);
    await instance.restart();
    // As a deploy waits for the health check before it stops the next one. (nginx itself keeps no
    // failure count, max_fails=0: it tries a restarted instance again on the next request.)
    await Bun.sleep(2_500);
  }
  await load.stop();
  const failures = failed(load.outcomes);
  const { missing, duplicated } = await checkWrites(load.acknowledged);
  process.stdout.write(
    `drill: rolling restart: ${load.outcomes.length} requests, ${failures.length} failed, ` +
      `${load.acknowledged.size} writes acknowledged, ${missing.length} missing, ${duplicated.length} duplicated\n`,
  );
  expect(failures).toEqual([]);
  expect(missing).toEqual([]);
  expect(duplicated).toEqual([]);
}, 60_000);

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
