import { afterAll, beforeAll, expect, test } from 'bun:test';
import { signUpLive, startLiveServer } from '../../harness/live-server';
import { createTestMysqlDatabase, type TestMysqlDatabase } from '../../harness/mariadb';

/**
 * Fault drill: SIGTERM the real server while clients keep it busy. Every request that was in
 * flight when the signal arrived must complete normally, and the process must exit 0 well within
 * its deadline. (That readiness turns 503 at once is shown in tests/integration/operations.test.ts.)
 */

let database: TestMysqlDatabase;
beforeAll(async () => {
  database = await createTestMysqlDatabase();
});
afterAll(() => database.drop());

test('SIGTERM under load: in-flight requests finish, the pool closes, exit 0', async () => {
  const server = await startLiveServer({ DATABASE_URL: database.url, LOG_LEVEL: 'info' });
  const { token } = await signUpLive(server.origin);
  const inFlightAtSignal = new Set<Promise<unknown>>();
  const results = { completedOk: 0, failedInFlight: 0, refusedAfter: 0 };
  let signalled = false;
  let sending = true;

  const client = async (name: number) => {
    for (let sequence = 0; sending; sequence++) {
      const body = JSON.stringify({ title: `client ${name} request ${sequence}`, notes: 'x'.repeat(2_000) });
      const request = fetch(`${server.origin}/api/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      });
      const sentBeforeSignal = !signalled;
      if (sentBeforeSignal) inFlightAtSignal.add(request);
      const status = await request.catch(() => 0);
      inFlightAtSignal.delete(request);
      if (status === 201) results.completedOk++;
      else if (sentBeforeSignal) results.failedInFlight++;
      else results.refusedAfter++;
    }
  };
  const clients = Array.from({ length: 30 }, (_, name) => client(name));

  await Bun.sleep(1_000);
  // Clients stop starting requests at the signal; those already sent must all come back fine.
  sending = false;
  signalled = true;
  const pending = inFlightAtSignal.size;
  const signalledAt = performance.now();
  server.kill('SIGTERM');
  await Promise.all(clients);
  const exitCode = await server.exited;
  const exitMs = performance.now() - signalledAt;
  await server.stop();

  process.stdout.write(
    `drill: SIGTERM under load: ${pending} requests in flight at the signal, ${results.failedInFlight} failed; ` +
      `${results.completedOk} completed in all; exit ${exitCode} after ${Math.round(exitMs)} ms\n`,
  );
  expect(pending).toBeGreaterThan(0);
  expect(results.failedInFlight).toBe(0);
  expect(exitCode).toBe(0);
  expect(exitMs).toBeLessThan(25_000);
  const lifecycle = server
    .output()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line).message)
    .filter((message) => message !== 'request');
  expect(lifecycle).toEqual(['listening', 'shutting down', 'stopped']);
}, 60_000);

test('a request that never finishes cannot hold the process past its shutdown deadline', async () => {
  const server = await startLiveServer({ DATABASE_URL: database.url, SHUTDOWN_TIMEOUT_MS: '700', LOG_LEVEL: 'info' });
  const { token } = await signUpLive(server.origin);
  const { port } = new URL(server.origin);
  // A signed-in client that announces a body and never sends it all keeps one request in flight forever.
  const stalled = await Bun.connect({ hostname: '127.0.0.1', port: Number(port), socket: { data() {} } });
  stalled.write(
    `POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ti',
  );
  await Bun.sleep(200);
  const signalledAt = performance.now();
  server.kill('SIGTERM');
  const exitCode = await server.exited;
  const exitMs = performance.now() - signalledAt;
  stalled.end();
  await server.stop();
  process.stdout.write(
    `drill: stalled request at SIGTERM: exit ${exitCode} after ${Math.round(exitMs)} ms (deadline 700 ms)\n`,
  );
  expect(exitCode).toBe(1);
  expect(exitMs).toBeGreaterThanOrEqual(650);
  expect(exitMs).toBeLessThan(3_000);
  expect(server.output()).toContain('shutdown deadline passed');
}, 30_000);
