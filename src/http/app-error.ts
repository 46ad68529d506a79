/**
 * An error a client can cause and be told about: it carries its HTTP status, a stable code and
 * field-level details. Anything that is not an AppError is our fault and answers a generic 500.
 */
export interface ErrorDetail {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** Extra response headers that belong with this answer. */
  get headers(): Record<string, string> {
    return {};
  }

  toJSON() {
    return { error: this.code, message: this.message, details: this.details };
  }
}

export class InvalidInputError extends AppError {
  constructor(details: ErrorDetail[]) {
    super(422, 'validation_failed', 'The request has invalid fields', details);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not_found', `${what} was not found`);
  }
}
