import { Elysia } from 'elysia';
import type { Logger } from '../lib/logger';
import { clientAddress } from './client-address';

/**
 * One JSON log line and one metrics sample per request, and an X-Request-Id on every answer:
 * taken from the proxy when it sent a sane one, otherwise made here, so a user's report, nginx's
 * log and ours can be joined.
 */

// Bounded: it is echoed in a header, and a proxy reads all of an answer's headers into one buffer (4 KB by nginx's default).
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Where each request's figures go (the Prometheus registry in src/ops/metrics.ts). */
export interface RequestObserver {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

interface Started {
  id: string;
  at: number;
  ip: string | undefined;
}

export function requestLogging({
  logger,
  metrics,
  trustedProxies,
}: {
  logger: Logger;
  metrics: RequestObserver;
  trustedProxies: Parameters<typeof clientAddress>[2];
}) {
  const started = new WeakMap<Request, Started>();
  return new Elysia({ name: 'request-log' })
    .onRequest(({ request, set, server }) => {
      const offered = request.headers.get('x-request-id');
      const id = offered && SANE_REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
      // The peer address is only known while the request is open, so it is read here; only for
      // the request's log line, so not when that line would not be written (LOG_LEVEL=warn).
      const ip = logger.isLevelEnabled('info')
        ? clientAddress(server?.requestIP(request)?.address, request.headers.get('x-forwarded-for'), trustedProxies)
        : undefined;
      started.set(request, { id, at: performance.now(), ip });
      set.headers['x-request-id'] = id;
    })
    .onAfterResponse({ as: 'global' }, ({ request, route, set, ...context }) => {
      const start = started.get(request);
      if (!start) return;
      const response = 'responseValue' in context ? context.responseValue : undefined;
      const status = response instanceof Response ? response.status : Number(set.status) || 200;
      const seconds = (performance.now() - start.at) / 1000;
      // Unmatched paths share one label: raw paths would grow a series per probe of a scanner.
      const template = route || 'unmatched';
      metrics.observeRequest(request.method, template, status, seconds);
      logger.info(
        {
          request_id: start.id,
          method: request.method,
          route: template,
          status,
          duration_ms: Math.round(seconds * 100_000) / 100,
          ip: start.ip,
        },
        'request',
      );
    });
}
