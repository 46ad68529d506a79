import { withHeaders } from '@elysiajs/openapi';
import { Type } from '@sinclair/typebox';
import { type Static, type TSchema, t } from 'elysia';

/**
 * The API's shared answer shapes for the OpenAPI document: the error body every route uses, the
 * meanings of its status codes and the headers that come with them, and whole numbers in URLs.
 * Features add their own resource schemas beside their routes.
 */

export const ErrorDetailSchema = t.Object(
  {
    field: t.String({ description: 'The field, query parameter or header at fault', examples: ['title'] }),
    message: t.String({ examples: ['must not be empty'] }),
  },
  { title: 'ErrorDetail', examples: [{ field: 'title', message: 'must not be empty' }] },
);

export const ErrorSchema = t.Object(
  {
    error: t.String({ description: 'Machine-readable code', examples: ['validation_failed'] }),
    message: t.String({ description: 'What went wrong, for people' }),
    details: t.Array(ErrorDetailSchema),
  },
  {
    title: 'Error',
    examples: [
      {
        error: 'validation_failed',
        message: 'The request has invalid fields',
        details: [{ field: 'title', message: 'must not be empty' }],
      },
    ],
  },
);
export type ErrorBody = Static<typeof ErrorSchema>;

/** The schemas above, by the names the OpenAPI document gives them (Elysia's `.model`). */
export const ERROR_MODELS = { Error: ErrorSchema, ErrorDetail: ErrorDetailSchema };

/** The same schema with the description OpenAPI shows for one response. */
export const describedAs = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

/** The same schema with the example the document shows for one response (or request body). */
export const exampleOf = <T extends TSchema>(schema: T, example: Static<T>): T => ({ ...schema, examples: [example] });

// A plain TypeBox integer: Elysia's t.Integer also admits numeric strings, and a header holds digits.
export const RetryAfter = Type.Integer({
  minimum: 1,
  description: 'Seconds to wait before trying again',
  examples: [5],
});
const WwwAuthenticate = t.String({
  description: 'The scheme to authenticate with; error="invalid_token" when the token sent is not valid',
  examples: ['Bearer realm="tasks", error="invalid_token"'],
});

interface ErrorMeaning {
  description: string;
  example: ErrorBody;
  headers?: Record<string, TSchema>;
}

const refusal = (error: string, message: string, details: ErrorBody['details'] = []) => ({ error, message, details });

const ERROR_MEANINGS = {
  400: {
    description: 'The body is not valid JSON, or nests arrays and objects too deep',
    example: refusal('malformed_json', 'The request body is not valid JSON', [
      { field: 'body', message: 'Unexpected end of JSON input' },
    ]),
  },
  401: {
    description:
      'No valid credentials: send Authorization: Bearer <API token>, or sign in (same-origin browser requests)',
    example: refusal('unauthorized', 'This API token is not valid: it was revoked, or mistyped'),
    headers: { 'WWW-Authenticate': WwwAuthenticate },
  },
  404: {
    description: 'Nothing with this id is yours (another account’s id answers exactly as a missing one)',
    example: refusal('not_found', 'Task 42 was not found'),
  },
  413: {
    description: 'The body is larger than 64 KB',
    example: refusal('payload_too_large', 'The body is larger than 64 KB'),
  },
  415: {
    description: 'The body is not application/json',
    example: refusal('unsupported_media_type', 'Send the body as application/json', [
      { field: 'content-type', message: 'must be application/json, got "text/plain"' },
    ]),
  },
  422: {
    description: 'Invalid or unknown fields, each named in details',
    example: refusal('validation_failed', 'The request has invalid fields', [
      { field: 'title', message: 'must not be empty' },
    ]),
  },
  429: {
    description: 'Too many attempts; retry after Retry-After seconds',
    example: refusal('too_many_attempts', 'Too many attempts. Try again in 15 minutes.'),
    headers: { 'Retry-After': RetryAfter },
  },
  503: {
    description: 'The database is busy or unreachable; retry after Retry-After seconds',
    example: refusal('database_unavailable', 'The database is busy or unreachable; try again shortly'),
    headers: { 'Retry-After': RetryAfter },
  },
} satisfies Record<number, ErrorMeaning>;

/** One error response: its meaning, a typical body and the headers that come with it. */
function errorResponse({ description, example, headers }: ErrorMeaning) {
  const schema = exampleOf(describedAs(ErrorSchema, description), example);
  return headers ? withHeaders(schema, headers) : schema;
}

/** Error responses for the given status codes, each with its meaning, for a route's `response`. */
export function errorResponses(...codes: (keyof typeof ERROR_MEANINGS)[]) {
  return Object.fromEntries(codes.map((code) => [code, errorResponse(ERROR_MEANINGS[code])]));
}

/**
 * Where a route schema names the schema the OpenAPI document shows in its place: the document
 * describes what a client sends, the route schema how the server checks it.
 * src/http/openapi-document.ts makes the swap.
 */
export const DOCUMENTED_AS = 'x-documented-as';

interface UrlIntegerOptions {
  /** Matches exactly the decimal digits of minimum…maximum, with no sign and no leading zero. */
  pattern: string;
  minimum: number;
  maximum: number;
  description: string;
  error: string;
  example: number;
  default?: number;
}

/**
 * A whole number in a URL, written the one canonical way, checked as text against `pattern`, not
 * with t.Integer: Elysia converts with Number(), so "0x37", "55e0" and "+55" would all reach 55.
 * The document shows the integer a client sends (a task's id as it is).
 */
export function urlIntegerText({ pattern, error, example, ...documented }: UrlIntegerOptions) {
  return t.String({
    pattern,
    error,
    description: documented.description,
    examples: [String(example)],
    [DOCUMENTED_AS]: { type: 'integer', ...documented, examples: [example] },
  });
}

/** The same, decoded to a number before the handler sees it. */
export const urlInteger = (options: UrlIntegerOptions) =>
  t
    .Transform(urlIntegerText(options))
    .Decode((digits) => Number(digits))
    .Encode((value) => String(value));

/** An id in a URL: up to 15 digits, so that every id is a safe JavaScript integer. */
export const urlId = (noun: string, example: number) =>
  urlInteger({
    pattern: '^[1-9][0-9]{0,14}$',
    minimum: 1,
    maximum: 999_999_999_999_999,
    description: `${noun[0]?.toUpperCase()}${noun.slice(1)} id`,
    error: `must be a ${noun} id (a whole number from 1)`,
    example,
  });
