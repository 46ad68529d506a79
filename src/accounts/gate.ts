import { Elysia } from 'elysia';
import type { ClientFacts } from '../http/client-address';
import { isSameOrigin } from '../http/csrf';
import { isFragmentRequest } from '../http/html';
import { HttpError } from '../http/http-error';
import { localPath } from '../http/local-path';
import type { Account } from './model';
import { sessionIdOf } from './session-cookie';

/**
 * The accounts gate: who is asking, from a session cookie (pages) or an API token (scripts). Each
 * module that serves someone's data uses one of these before its routes, so its handlers receive
 * the account and cannot run without one. Signed out, a page redirects to the sign-in page (an
 * htmx request is told to go there), and the API answers 401. Nothing is cached between requests:
 * a session ended or a token revoked on one instance stops working on every instance at once.
 */

type Headers = Record<string, string | undefined>;

export interface Authenticator {
  accountOfSession(sessionId: string): Promise<Account | null>;
  accountOfToken(token: string): Promise<Account | null>;
}

export const signInUrl = (returnTo: string) =>
  returnTo === '/' ? '/signin' : `/signin?return_to=${encodeURIComponent(returnTo)}`;

/** The path and query of a full URL a browser sent (HX-Current-URL), whatever host it named. */
function pathOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const { pathname, search } = new URL(url);
    return `${pathname}${search}`;
  } catch {
    return undefined;
  }
}

/** Where a signed-out visitor was going, to return there after signing in. */
function destinationOf(request: Request, path: string, headers: Headers): string {
  if (isFragmentRequest(headers)) return localPath(pathOfUrl(headers['hx-current-url']));
  if (request.method !== 'GET') return '/';
  // request.url need not parse (Bun builds it from whatever Host was sent): only its query is taken.
  const queryAt = request.url.indexOf('?');
  return localPath(queryAt < 0 ? path : `${path}${request.url.slice(queryAt)}`);
}

/**
 * Sends a browser elsewhere: a page request by a 303, an htmx request by HX-Location (htmx fetches
 * that page and swaps the whole body for it), with the status given.
 */
function sendElsewhere(headers: Headers, location: string, status: number, code: string, message: string) {
  if (!isFragmentRequest(headers)) return new HttpError(303, code, message, [], { location });
  const hxLocation = JSON.stringify({ path: location, target: 'body', swap: 'outerHTML' });
  return new HttpError(status, code, message, [], { 'hx-location': hxLocation });
}

// What an account with a one-time password may open: the settings page, to choose a new one.
const WHILE_PASSWORD_MUST_CHANGE = new Set(['/settings', '/settings/password']);

/** For pages: the account signed in with this browser's session cookie. */
export function pageAuthentication(accounts: Authenticator, clients: ClientFacts) {
  return new Elysia().derive({ as: 'scoped' }, async ({ headers, request, path, server }) => {
    // Whether the browser came over HTTPS, as a trusted proxy says: it names the cookie to read, and
    // routes mark the cookies they set Secure by it.
    const overHttps = clients.overHttps(request, server, headers);
    const sessionId = sessionIdOf(headers.cookie, overHttps);
    const account = sessionId ? await accounts.accountOfSession(sessionId) : null;
    if (!account || !sessionId) {
      const location = signInUrl(destinationOf(request, path, headers));
      throw sendElsewhere(headers, location, 401, 'sign_in_required', 'Please sign in to continue.');
    }
    // A one-time password (set by an operator) is only good for choosing a new one.
    if (account.must_change_password && !WHILE_PASSWORD_MUST_CHANGE.has(path)) {
      throw sendElsewhere(
        headers,
        '/settings#password',
        403,
        'password_change_required',
        'Choose a new password first.',
      );
    }
    return { account, sessionId, overHttps };
  });
}

export type PageAuthentication = ReturnType<typeof pageAuthentication>;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * For the API: the account of an `Authorization: Bearer tm_…` token or, for the page's own
 * scripts and Swagger UI, of a session cookie sent from our own origin (CSRF-checked as forms are).
 */
export function apiAuthentication(accounts: Authenticator, clients: ClientFacts) {
  return new Elysia().derive({ as: 'scoped' }, async ({ headers, set, request, server }) => {
    // What one account reads is for it alone: no browser or shared cache (a CDN) may keep it.
    set.headers['cache-control'] = 'no-store';
    const authorization = headers.authorization;
    if (authorization !== undefined) {
      const token = BEARER.exec(authorization)?.[1];
      const account = token ? await accounts.accountOfToken(token) : null;
      if (account) return { account };
      throw new HttpError(401, 'unauthorized', 'This API token is not valid: it was revoked, or mistyped', [], {
        'www-authenticate': 'Bearer realm="tasks", error="invalid_token"',
      });
    }
    const sessionId = sessionIdOf(headers.cookie, clients.overHttps(request, server, headers));
    const account = sessionId && isSameOrigin(headers) ? await accounts.accountOfSession(sessionId) : null;
    if (account?.must_change_password) {
      throw new HttpError(403, 'password_change_required', 'Choose a new password on the Settings page first');
    }
    if (account) return { account };
    throw new HttpError(401, 'unauthorized', 'Send an API token as Authorization: Bearer tm_…, or sign in', [], {
      'www-authenticate': 'Bearer realm="tasks"',
    });
  });
}

export type ApiAuthentication = ReturnType<typeof apiAuthentication>;
