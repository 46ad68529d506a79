import { afterAll, expect, test } from 'bun:test';
import mysql from 'mysql2/promise';
import { signUpLive, startLiveServer } from '../../harness/live-server';
import { startThrowawayMariadb, type ThrowawayMariadb } from '../../harness/mariadb';

/**
 * Fault drill: a MariaDB of our own crashes (SIGKILL) under write load and comes back. The real
 * server process must answer fast 503s meanwhile, report it on /health, recover by itself, and
 * lose none of the writes it acknowledged. The writers are signed in: with the database down the
 * gate cannot look their token up either, and that too must be a 503, never a 401 that would tell a
 * script its token is bad.
 */

let mariadb: ThrowawayMariadb | undefined;
afterAll(() => mariadb?.stop());

async function firstHealth(origin: string, status: number, withinMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (response?.status === status) return performance.now() - started;
    await Bun.sleep(100);
  }
  return Number.POSITIVE_INFINITY;
}

test('a database crash under write load loses no acknowledged write; health follows it down and up', async () => {
  mariadb = await startThrowawayMariadb();
  const admin = await mysql.createConnection({ uri: mariadb.url });
  await admin.query('CREATE DATABASE drill CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  await admin.end();
  const server = await startLiveServer({ DATABASE_URL: `${mariadb.url}/drill`, DB_ACQUIRE_TIMEOUT_MS: '1000' });
  try {
    const account = await signUpLive(server.origin);
    const acknowledged = new Map<number, string>();
    const outcomes = { attempts: 0, created: 0, unavailable: 0, other: 0, slowestMs: 0 };
    let writing = true;
    const writer = async (name: number) => {
      for (let sequence = 0; writing; sequence++) {
        const title = `writer ${name} task ${sequence}`;
        const started = performance.now();
        outcomes.attempts++;
        const response = await fetch(`${server.origin}/api/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${account.token}` },
          body: JSON.stringify({ title }),
          signal: AbortSignal.timeout(10_000),
        }).catch(() => undefined);
        outcomes.slowestMs = Math.max(outcomes.slowestMs, performance.now() - started);
        if (response?.status === 201) {
          acknowledged.set((await response.json()).id, title);
          outcomes.created++;
        } else if (response?.status === 503) {
          expect(response.headers.get('retry-after')).toBe('5');
          await response.arrayBuffer();
          outcomes.unavailable++;
        } else outcomes.other++;
        await Bun.sleep(5);
      }
    };
    const writers = Array.from({ length: 8 }, (_, name) => writer(name));

    await Bun.sleep(1_000);
    await mariadb.crash();
    const downAfterMs = await firstHealth(server.origin, 503, 5_000);
    // A signed-in browser: its session cannot be read, so the page says why rather than asking it to sign in.
    const page = await fetch(`${server.origin}/`, {
      headers: { accept: 'text/html', cookie: account.cookie },
      redirect: 'manual',
    });
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('The database is busy or unreachable');
    await Bun.sleep(1_500);

    await mariadb.restart();
    const upAfterMs = await firstHealth(server.origin, 200, 10_000);
    await Bun.sleep(1_000);
    writing = false;
    await Promise.all(writers);
    // The connections the crash cut must have left the count: were they still counted, the dead
    // and their replacements together would pass the pool's limit.
    const pool = await (await fetch(`${server.origin}/pool-stats`)).json();
    // The session outlived the outage: it is a row, not something the crash could take with it.
    const after = await fetch(`${server.origin}/`, { headers: { cookie: account.cookie }, redirect: 'manual' });
    expect(after.status).toBe(200);
    expect(pool.total).toBeGreaterThan(0);
    expect(pool.total).toBeLessThanOrEqual(pool.limit);
    expect([pool.in_use, pool.idle, pool.waiting]).toEqual([0, pool.total, 0]);

    const stored = new Map<number, string>();
    const reader = await mysql.createConnection({ uri: `${mariadb.url}/drill` });
    const [rows] = await reader.query<mysql.RowDataPacket[]>('SELECT id, title FROM tasks');
    await reader.end();
    for (const row of rows) stored.set(Number(row.id), String(row.title));
    const missing = [...acknowledged].filter(([id, title]) => stored.get(id) !== title);

    process.stdout.write(
      `drill: database outage: ${outcomes.attempts} writes tried, ${outcomes.created} acknowledged, ` +
        `${outcomes.unavailable} answered 503, ${outcomes.other} other; ${missing.length} acknowledged missing; ` +
        `health 503 after ${Math.round(downAfterMs)} ms, 200 after ${Math.round(upAfterMs)} ms of recovery; ` +
        `slowest request ${Math.round(outcomes.slowestMs)} ms\n`,
    );
    expect(missing).toEqual([]);
    expect(outcomes.other).toBe(0);
    expect(outcomes.unavailable).toBeGreaterThan(0);
    expect(downAfterMs).toBeLessThan(3_000);
    expect(upAfterMs).toBeLessThan(5_000);
    expect(outcomes.slowestMs).toBeLessThan(3_000);
  } finally {
    await server.stop();
  }
}, 60_000);
