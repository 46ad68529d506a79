import { Elysia } from 'elysia';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SqlClient } from '../db/sql-client';

/**
 * Prometheus metrics through prom-client: requests by route template (never the raw path, which
 * would make one series per task id), database query time, pool gauges, process memory and CPU.
 */

// Bun's monitorEventLoopDelay reports nonsense (NaN, a minimum of 2^63 ns); leave those series out.
const BROKEN_ON_BUN = /^nodejs_eventloop_lag/;

export function createMetrics(db: SqlClient) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) {
    if (BROKEN_ON_BUN.test(metric.name)) registry.removeSingleMetric(metric.name);
  }

  const labels = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered',
    labelNames: labels,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: labels,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const querySeconds = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Time a database statement took, including the wait for a connection',
    labelNames: ['kind', 'outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state (total open, in_use, idle, waiting requests, limit)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const stats = db.poolStats();
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'in_use' }, stats.in_use);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
      this.set({ state: 'limit' }, stats.limit);
    },
  });

  const requestSeries = seriesCache((method: string, route: string, status: string) => {
    const values = { method, route, status };
    return { counter: requests.labels(values), histogram: requestSeconds.labels(values) };
  });
  const querySeries = seriesCache((kind: string, outcome: string) => querySeconds.labels({ kind, outcome }));

  return {
    registry,
    observeRequest(method: string, route: string, status: number, seconds: number) {
      const series = requestSeries(method, route, String(status));
      series.counter.inc();
      series.histogram.observe(seconds);
    },
    observeQuery(kind: 'query' | 'execute', ok: boolean, seconds: number) {
      querySeries(kind, ok ? 'ok' : 'error').observe(seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * prom-client hashes the label set on every call; keeping one child per label set saves that on
 * the hot path. The sets are small: route templates and outcomes, never raw paths.
 */
function seriesCache<Labels extends string[], Series>(make: (...labels: Labels) => Series) {
  const children = new Map<string, Series>();
  return (...labels: Labels): Series => {
    const key = labels.join(' ');
    let series = children.get(key);
    if (series === undefined) {
      series = make(...labels);
      children.set(key, series);
    }
    return series;
  };
}

/** The same client, timing every statement into the metrics. */
export function timedClient(client: SqlClient, metrics: Metrics): SqlClient {
  const timed =
    <Args extends unknown[], Result>(kind: 'query' | 'execute', run: (...args: Args) => Promise<Result>) =>
    async (...args: Args): Promise<Result> => {
      const started = performance.now();
      let ok = false;
      try {
        const result = await run(...args);
        ok = true;
        return result;
      } finally {
        metrics.observeQuery(kind, ok, (performance.now() - started) / 1000);
      }
    };
  const wrapped: SqlClient = {
    ...client,
    engine: client.engine,
    query: timed('query', client.query.bind(client)) as SqlClient['query'],
    execute: timed('execute', client.execute.bind(client)),
    transaction: (work) => client.transaction((inner) => work(timedClient(inner, metrics))),
  };
  return wrapped;
}

export function metricsRoute(metrics: Metrics) {
  return new Elysia({ name: 'metrics' }).get(
    '/metrics',
    async () =>
      new Response(await metrics.registry.metrics(), {
        headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
      }),
    { detail: { hide: true } },
  );
}
