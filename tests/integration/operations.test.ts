import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
// @ts-expect-error: the parser ships no types; it returns [{ name, type, metrics: [{ labels, value }] }].
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { type App, createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openMysql } from '../../src/db/mysql';
import { createLogger } from '../../src/lib/logger';
import { createLifecycle } from '../../src/ops/lifecycle';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { ORIGIN, signedInHeaders } from '../support/http';

/** The operator's view: readiness, liveness, metrics, pool figures, request ids and logs. */

interface MetricFamily {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }[];
}

/** Logs and metrics are written after the response has gone out. */
const afterResponses = () => Bun.sleep(20);

/** A request as the app's default account (signed in on first use). */
const call = async (app: App, path: string, init: RequestInit = {}) =>
  app.handle(new Request(`${ORIGIN}${path}`, { ...init, headers: await signedInHeaders(app, path, init.headers) }));

for (const engine of ENGINES) {
  describe(`operations on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;
    const lifecycle = createLifecycle(Date.now() - 5_000);
    const logLines: Record<string, unknown>[] = [];

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      const logger = createLogger('info', (line) => logLines.push(JSON.parse(line)));
      app = createApp({ db: database.client, logger, lifecycle });
    });
    afterAll(() => database.cleanup());

    test('/health is ready: the database answers; never cached', async () => {
      const response = await call(app, '/health');
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = await response.json();
      expect(body).toEqual({ status: 'ok', db: 'up', version: expect.any(String), uptime_s: body.uptime_s });
      expect(body.uptime_s).toBeGreaterThanOrEqual(5);
      expect((await call(app, '/health/live')).status).toBe(200);
    });

    test('/health turns 503 the moment shutdown starts, while liveness stays 200', async () => {
      lifecycle.draining = true;
      try {
        const response = await call(app, '/health');
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ status: 'unavailable', db: 'unchecked', reason: 'shutting down' });
        const live = await call(app, '/health/live');
        expect(live.status).toBe(200);
        // While draining, every answer closes its connection so clients stop reusing it.
        expect(live.headers.get('connection')).toBe('close');
        expect((await call(app, '/api/tasks')).headers.get('connection')).toBe('close');
      } finally {
        lifecycle.draining = false;
      }
    });

    test('/metrics is Prometheus text: requests by route template, query time, process figures', async () => {
      const created = await call(app, '/api/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Counted' }),
      });
      const { id } = await created.json();
      await call(app, `/api/tasks/${id}`);
      await call(app, '/api/tasks/987654');
      await call(app, '/no/such/path/42');
      await afterResponses();
      const response = await call(app, '/metrics');
      expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4; charset=utf-8');
      const families: MetricFamily[] = parsePrometheusTextFormat(await response.text());
      const family = (name: string) => families.find((candidate) => candidate.name === name);

      const requests = family('http_requests_total')?.metrics ?? [];
      const routes = requests.map((sample) => sample.labels?.route);
      expect(routes).toContain('/api/tasks/:id');
      expect(routes).toContain('unmatched');
      expect(routes.some((route) => /\d/.test(route ?? ''))).toBe(false);
      expect(requests).toContainEqual({
        labels: { method: 'GET', route: '/api/tasks/:id', status: '404' },
        value: '1',
      });
      expect(family('http_request_duration_seconds')?.type).toBe('HISTOGRAM');
      expect(family('db_query_duration_seconds')?.type).toBe('HISTOGRAM');
      expect(Number(family('process_resident_memory_bytes')?.metrics[0]?.value)).toBeGreaterThan(0);
      expect(family('process_cpu_seconds_total')).toBeDefined();
      expect(families.some((candidate) => candidate.name.startsWith('nodejs_eventloop_lag'))).toBe(false);
      if (engine.name === 'mysql') {
        const states = family('db_pool_connections')?.metrics.map((sample) => sample.labels?.state);
        expect(states).toEqual(['total', 'in_use', 'idle', 'waiting', 'limit']);
      }
    });

    test('/pool-stats reports the pool (or that SQLite has none)', async () => {
      const body = await (await call(app, '/pool-stats')).json();
      if (engine.name === 'sqlite') {
        expect(body).toEqual({ engine: 'sqlite', pooled: false });
        return;
      }
      expect(Object.keys(body).sort()).toEqual(
        [
          'engine',
          'pooled',
          'limit',
          'total',
          'in_use',
          'idle',
          'waiting',
          'queue_limit',
          'acquired_total',
          'wait_ms',
          'timeouts_total',
          'errors_total',
          'transaction_retries_total',
        ].sort(),
      );
      expect(body.limit).toBe(5);
      expect(body.acquired_total).toBeGreaterThan(0);
      expect(body.in_use + body.idle).toBe(body.total);
    });

    test('every answer carries a request id: the proxy’s when sane, ours otherwise', async () => {
      const fromProxy = await call(app, '/health/live', { headers: { 'x-request-id': 'alb-1234.abc' } });
      expect(fromProxy.headers.get('x-request-id')).toBe('alb-1234.abc');
      for (const hostile of ['<script>alert(1)</script>', 'x'.repeat(200), 'a b']) {
        const answer = await call(app, '/health/live', { headers: { 'x-request-id': hostile } });
        expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
      const missing = await call(app, '/api/tasks/0');
      expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    test('one JSON log line per request, with the route template and the real status, even for errors', async () => {
      await call(app, '/api/tasks/abc', { headers: { 'x-request-id': 'trace-422' } });
      await call(app, '/api/tasks', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-request-id': 'trace-415' },
        body: 'x',
      });
      await afterResponses();
      const requests = logLines.filter((line) => String(line.request_id).startsWith('trace-4'));
      expect(requests).toHaveLength(2);
      expect(requests[0]).toMatchObject({
        level: 'info',
        request_id: 'trace-422',
        method: 'GET',
        route: '/api/tasks/:id',
        status: 422,
      });
      expect(requests[1]).toMatchObject({ method: 'POST', route: '/api/tasks', status: 415 });
      expect(typeof requests[0]?.duration_ms).toBe('number');
    });

    test('HSTS is sent when the browser came over HTTPS, and only then', async () => {
      const secure = await call(app, '/', { headers: { 'x-forwarded-proto': 'https' } });
      expect(secure.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect((await call(app, '/')).headers.get('strict-transport-security')).toBeNull();
    });
  });
}

describe('health with the database down', () => {
  test('answers 503 within about a second, naming the cause', async () => {
    const config = loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:1/nowhere', DB_ACQUIRE_TIMEOUT_MS: '5000' });
    if (config.database.engine !== 'mysql') throw new Error('expected mysql');
    const client = openMysql(config.database);
    const app = createApp({ db: client, logger: createLogger('error', () => {}) });
    const started = performance.now();
    const response = await app.handle(new Request(`${ORIGIN}/health`));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unavailable', db: 'down' });
    // A browser with a session: checking it needs the database, which cannot answer.
    const cookie = `tm_session=${'a'.repeat(43)}`;
    const page = await app.handle(new Request(`${ORIGIN}/`, { headers: { accept: 'text/html', cookie } }));
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('The database is busy or unreachable');
    await client.close();
  });
});
