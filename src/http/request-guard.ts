import { Elysia } from 'elysia';
import { hostNameOf } from '../lib/host-name';
import { HttpError } from './http-error';

/**
 * Refuses, before any hook or route reads the request, what no route can answer: a method none
 * of them serves (405), and a Host that is missing or is not a host name (400). Bun passes such
 * requests on, and builds request.url from the Host, so `new URL(request.url)` would throw for them.
 */

/** Every method a route of ours answers (HEAD with each GET); a test keeps this in step with the routes. */
export const SERVED_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'];

/**
 * The Host the client named. `app.handle(new Request(url))` (the in-process tests) sends no Host
 * header, so there the URL is the only statement of it; from a socket, a request without a Host
 * has a relative request.url, which does not parse.
 */
function hostOf(request: Request): string | null {
  return request.headers.get('host') ?? URL.parse(request.url)?.host ?? null;
}

export function requestGuard() {
  return new Elysia({ name: 'request-guard' }).onRequest(({ request }) => {
    if (!SERVED_METHODS.includes(request.method)) {
      throw new HttpError(405, 'method_not_allowed', `This server does not answer ${request.method} requests`, [], {
        allow: SERVED_METHODS.join(', '),
      });
    }
    const host = hostOf(request);
    if (host === null || hostNameOf(host) === null) {
      throw new HttpError(400, 'malformed_host', 'The Host header is missing or is not a host name');
    }
  });
}
