/**
 * What a service can refuse, in the service's own words: no status codes, no headers. The web
 * layer (src/http/errors.ts) decides once how each is answered; a service only says what went wrong.
 */
export interface ErrorDetail {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that breaks a rule; every bad field is named at once. */
export class InvalidInputError extends DomainError {
  constructor(details: ErrorDetail[], message = 'The request has invalid fields') {
    super('validation_failed', message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('not_found', `${what} was not found`);
  }
}

/** Several versioned things changed since the versions a change was based on; nothing was written. */
export class VersionConflictsError<Current extends { version: number } = { version: number }> extends DomainError {
  constructor(
    readonly current: Current[],
    message = 'Some of these were changed elsewhere',
  ) {
    super('version_conflict', message);
  }
}

/** Something versioned changed since the version the caller based its change on; nothing was written. */
export class VersionConflictError<Current extends { version: number } = { version: number }> extends DomainError {
  constructor(
    readonly current: Current,
    message = 'This was changed elsewhere',
  ) {
    super('version_conflict', message);
  }
}

/**
 * A request key (Idempotency-Key) already used by a different request. Answering with what the
 * first request made would tell the caller that this one was carried out when it was not; nothing
 * was written.
 */
export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super(
      'idempotency_key_reused',
      'This Idempotency-Key was already used for a request with different details; nothing was created or changed',
      [
        {
          field: 'idempotency-key',
          message: 'was already used with different details; send a new key for a new request',
        },
      ],
    );
  }
}

/**
 * A sign-in (or a password check) that failed. One message whatever was wrong, so the answer never
 * tells whether an email is registered.
 */
export class WrongCredentialsError extends DomainError {
  constructor() {
    super('wrong_credentials', 'Email or password is incorrect');
  }
}

/** Too many attempts for an account or from one address; nothing was checked. */
export class TooManyAttemptsError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    what = 'failed attempts',
  ) {
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    super('too_many_attempts', `Too many ${what}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  }
}

/** New accounts are made by an operator only (sign-up is closed once the first account exists). */
export class SignUpClosedError extends DomainError {
  constructor() {
    super('signup_closed', 'Sign-up is closed; ask an operator for an account');
  }
}
