import { type Static, type TSchema, t } from 'elysia';

/**
 * The API's shared answer shapes for the OpenAPI document: the error body every route uses, and
 * the meanings of its status codes. Features add their own resource schemas beside their routes.
 */

export const ErrorDetailSchema = t.Object({
  field: t.String({ examples: ['title'] }),
  message: t.String({ examples: ['must not be empty'] }),
});

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

/** The same schema with the description OpenAPI shows for one response. */
export const describedAs = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

const ERROR_MEANINGS: Record<number, string> = {
  400: 'The body is not valid JSON, or nests arrays and objects too deep',
  401: 'No valid credentials: send Authorization: Bearer <API token>, or sign in (same-origin browser requests)',
  404: 'Nothing with this id is yours (another account’s id answers exactly as a missing one)',
  413: 'The body is larger than 64 KB',
  415: 'The body is not application/json',
  422: 'Invalid or unknown fields, each named in details',
  429: 'Too many attempts; retry after Retry-After seconds',
  503: 'The database is busy or unreachable; retry after Retry-After seconds',
};

/** Error responses for the given status codes, each with its meaning, for a route's `response`. */
export function errorResponses(...codes: (keyof typeof ERROR_MEANINGS)[]) {
  return Object.fromEntries(codes.map((code) => [code, describedAs(ErrorSchema, ERROR_MEANINGS[code] ?? 'Error')]));
}
