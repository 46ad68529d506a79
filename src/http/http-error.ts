import type { ErrorDetail } from '../lib/domain-errors';

/**
 * A refusal that only exists on the web: a body of the wrong type or size, a form from another
 * site. It carries its status; domain errors (src/lib/domain-errors.ts) are mapped in errors.ts.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Headers the answer must carry besides the error body. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
