import { Elysia, t } from 'elysia';
import type { SqlClient } from '../db/sql-client';
import type { Lifecycle } from './lifecycle';

/** The load balancer checks these with the instance's private address as Host: they answer any Host. */
export const HEALTH_PATHS: readonly string[] = ['/health', '/health/live'];

/** How long readiness waits for the database before calling it down (the ALB checks every 30 s). */
const PING_TIMEOUT_MS = 1_000;

const Ready = t.Object({
  status: t.Literal('ok'),
  db: t.Literal('up'),
  version: t.String(),
  uptime_s: t.Integer(),
});
const Unavailable = t.Object({
  status: t.Literal('unavailable'),
  db: t.Union([t.Literal('down'), t.Literal('unchecked')]),
  reason: t.String(),
});

async function pingDatabase(db: SqlClient): Promise<string | null> {
  let timer: Timer | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${PING_TIMEOUT_MS} ms`), PING_TIMEOUT_MS);
  });
  const ping = db.query('SELECT 1 AS ok').then(
    () => null,
    (error: Error) => error.message,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes({ db, lifecycle, version }: { db: SqlClient; lifecycle: Lifecycle; version: string }) {
  return new Elysia({ name: 'health' })
    .get(
      '/health',
      async ({ set, status }) => {
        set.headers['cache-control'] = 'no-store';
        if (lifecycle.draining) {
          return status(503, { status: 'unavailable', db: 'unchecked', reason: 'shutting down' } as const);
        }
        const problem = await pingDatabase(db);
        if (problem) return status(503, { status: 'unavailable', db: 'down', reason: problem } as const);
        const uptime_s = Math.floor((Date.now() - lifecycle.startedAt) / 1000);
        return { status: 'ok', db: 'up', version, uptime_s } as const;
      },
      {
        response: { 200: Ready, 503: Unavailable },
        detail: {
          summary: 'Readiness',
          description: 'The database answers within 1 s and the process is not shutting down.',
          tags: ['Operations'],
        },
      },
    )
    .get(
      '/health/live',
      ({ set }) => {
        set.headers['cache-control'] = 'no-store';
        return { status: 'ok' } as const;
      },
      {
        response: { 200: t.Object({ status: t.Literal('ok') }) },
        detail: { summary: 'Liveness', description: 'The process serves requests.', tags: ['Operations'] },
      },
    );
}
