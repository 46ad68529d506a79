import { Elysia } from 'elysia';
import { hostNameOf } from '../lib/host-name';
import { HttpError } from './http-error';

/**
 * Refuses, before any hook or route reads the request, what no route can answer: a method none
 * of them serves (405), and a Host that is missing or is not a host name (400). Bun passes such
 * requests on, and builds request.url from the Host, so `new URL(request.url)` would throw for them.
 * Then a Host that is not one of ours (400): a page of another site that rebinds its DNS name to
 * this server's address sends its own name, and would otherwise read our answers as its own.
 */

/** Every method a route of ours answers (HEAD with each GET); a test keeps this in step with the routes. */
export const SERVED_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'];

/**
 * The Host the client named. `app.handle(new Request(url))` (the in-process tests) sends no Host
 * header, so there the URL is the only statement of it; from a socket, a request without a Host
 * has a relative request.url, which does not parse, so it is refused like a malformed one.
 */
function hostNameOfRequest(request: Request): string | null {
  return hostNameOf(request.headers.get('host') ?? URL.parse(request.url)?.host ?? '');
}

/** `*.example.com` matches the subdomains of example.com, not example.com itself. */
function isAllowed(hostName: string, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((allowed) =>
    allowed.startsWith('*.') ? hostName.endsWith(allowed.slice(1)) : hostName === allowed,
  );
}

/**
 * Once the Host is a host name, Bun's request.url parses, with the dot segments already resolved
 * as routing sees them. (Elysia's own `path` is not part of a request hook's context, and slices
 * request.url assuming a host name of 4 characters or more.)
 */
const pathOf = (request: Request) => URL.parse(request.url)?.pathname;

export interface RequestGuardOptions {
  /** Lower-case host names, or `*.` and a domain (config ALLOWED_HOSTS). */
  allowedHosts: readonly string[];
  /** Paths served whatever the Host: the load balancer's health checks name the instance's address. */
  anyHostPaths: readonly string[];
}

export function requestGuard({ allowedHosts, anyHostPaths }: RequestGuardOptions) {
  return new Elysia({ name: 'request-guard' }).onRequest(({ request }) => {
    if (!SERVED_METHODS.includes(request.method)) {
      throw new HttpError(405, 'method_not_allowed', `This server does not answer ${request.method} requests`, [], {
        allow: SERVED_METHODS.join(', '),
      });
    }
    const hostName = hostNameOfRequest(request);
    if (hostName === null)
      throw new HttpError(400, 'malformed_host', 'The Host header is missing or is not a host name');
    if (!isAllowed(hostName, allowedHosts) && !anyHostPaths.includes(pathOf(request) ?? '')) {
      throw new HttpError(400, 'unknown_host', `This server does not answer to the name "${hostName}"`);
    }
  });
}
