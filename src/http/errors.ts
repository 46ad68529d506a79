import { Elysia, ParseError, ValidationError } from 'elysia';
import { DatabaseUnavailableError } from '../db/sql-client';
import * as domain from '../lib/domain-errors';
import type { Logger } from '../lib/logger';
import { fieldErrorsOf } from '../lib/schema-errors';
import { isFragmentRequest } from './html';
import { HttpError } from './http-error';
import { type BodyLimit, DEFAULT_BODY_LIMIT, declaresOversizedBody, PayloadTooLargeError } from './request-body';

/**
 * Turns every failure into a clear answer: the client's mistakes into 4xx with field details,
 * an unreachable database into 503, and our own bugs into a bare 500 that is logged, never shown.
 */

type ErrorBody = { error: string; message: string; details: domain.ErrorDetail[] };

export interface ErrorAnswer {
  status: number;
  body: ErrorBody & Record<string, unknown>;
  headers?: Record<string, string>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

const bodyOf = (error: domain.DomainError | HttpError): ErrorBody => ({
  error: error.code,
  message: error.message,
  details: error.details,
});

/** The one place that decides how each refusal is answered over HTTP: status, body and headers. */
function describeError(error: unknown, elysiaCode: string | number): ErrorAnswer | null {
  // Errors thrown while reading the body reach us wrapped in Elysia's ParseError.
  if (error instanceof ParseError && error.cause instanceof HttpError) return describeError(error.cause, 'UNKNOWN');
  if (error instanceof HttpError) return { status: error.status, body: bodyOf(error), headers: error.headers };
  if (error instanceof domain.InvalidInputError) return { status: 422, body: bodyOf(error) };
  // As Stripe answers it: the request is well formed but cannot be carried out under that key.
  if (error instanceof domain.IdempotencyKeyReusedError) return { status: 422, body: bodyOf(error) };
  if (error instanceof domain.NotFoundError) return { status: 404, body: bodyOf(error) };
  if (error instanceof domain.WrongCredentialsError) return { status: 401, body: bodyOf(error) };
  if (error instanceof domain.SignUpClosedError) return { status: 403, body: bodyOf(error) };
  if (error instanceof domain.TooManyAttemptsError) {
    return { status: 429, body: bodyOf(error), headers: { 'retry-after': String(error.retryAfterSeconds) } };
  }
  if (error instanceof domain.VersionConflictsError)
    return { status: 412, body: { ...bodyOf(error), current: error.current } };
  if (error instanceof domain.VersionConflictError) {
    const { current } = error;
    return { status: 412, body: { ...bodyOf(error), current }, headers: { etag: `"${current.version}"` } };
  }
  if (error instanceof ValidationError && error.type !== 'response') {
    return { status: 422, body: bodyOf(new domain.InvalidInputError(fieldErrorsOf(error.all, error.type))) };
  }
  if (elysiaCode === 'PARSE') {
    return {
      status: 400,
      body: { error: 'malformed_body', message: 'The request body could not be read', details: [] },
    };
  }
  if (elysiaCode === 'NOT_FOUND') {
    return { status: 404, body: { error: 'not_found', message: 'There is nothing at this address', details: [] } };
  }
  if (error instanceof DatabaseUnavailableError) {
    return {
      status: 503,
      body: {
        error: 'database_unavailable',
        message: 'The database is busy or unreachable; try again shortly',
        details: [],
      },
      headers: { 'retry-after': '5' },
    };
  }
  return null;
}

/** Renders an error for people: a whole page, or a message for the page's alert region (htmx). */
export type HtmlErrorRenderer = (status: number, message: string, asFragment: boolean) => Response;

/**
 * API clients get JSON; browsers (asking for HTML) get a page or, under htmx, an alert. The path is
 * Elysia's: request.url need not parse (Bun builds it from whatever Host the client sent).
 */
function wantsHtml(request: Request, path: string): boolean {
  if (path.startsWith('/api/') || path === '/api') return false;
  return request.headers.get('hx-request') === 'true' || (request.headers.get('accept') ?? '').includes('text/html');
}

/**
 * `largerBodies`: paths whose routes take bodies over the usual limit (a file upload), and theirs;
 * every other body over DEFAULT_BODY_LIMIT is refused from its Content-Length before it is read.
 */
export function errorHandling(
  logger: Logger,
  renderHtml: HtmlErrorRenderer,
  largerBodies: Readonly<Record<string, BodyLimit>> = {},
) {
  const answer = (
    { request, path }: { request: Request; path: string },
    status: number,
    body: ErrorBody,
    headers: Record<string, string> = {},
  ) => {
    if (!wantsHtml(request, path)) return json(status, body, headers);
    // A history restore asks for the whole page, as pages answer it (html.ts), error or not.
    const asFragment = isFragmentRequest(request.headers.toJSON());
    const response = renderHtml(status, body.message, asFragment);
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  };
  return new Elysia({ name: 'error-handling' })
    .onRequest(({ request }) => {
      // The request guard has checked the Host by now, so the URL parses.
      const path = URL.parse(request.url)?.pathname ?? '';
      const limit = Object.hasOwn(largerBodies, path) ? (largerBodies[path] as BodyLimit) : DEFAULT_BODY_LIMIT;
      if (declaresOversizedBody(request, limit.bytes)) {
        return answer({ request, path }, 413, bodyOf(new PayloadTooLargeError(limit.message)), { connection: 'close' });
      }
    })
    .onError({ as: 'global' }, ({ error, code, request, path, set }) => {
      const known = describeError(error, code);
      // Recorded for the request log, which reads the status from here when the handler threw.
      set.status = known?.status ?? 500;
      // A refusal that sends the browser elsewhere (to sign in) is only a redirect: it has no body.
      if (known && known.status >= 300 && known.status < 400) {
        return new Response(null, { status: known.status, headers: { ...known.headers, 'cache-control': 'no-store' } });
      }
      if (known) {
        if (known.status >= 500) logger.warn({ path, error }, 'request failed');
        return answer({ request, path }, known.status, known.body, known.headers);
      }
      logger.error({ method: request.method, path, error }, 'unhandled error');
      return answer({ request, path }, 500, {
        error: 'internal_error',
        message: 'Something went wrong on our side',
        details: [],
      });
    });
}
