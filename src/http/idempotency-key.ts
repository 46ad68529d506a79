const SANE_REQUEST_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/** The Idempotency-Key a request carries, when it is one we can store (the column holds 128). */
export function requestKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const key = headers['idempotency-key'];
  return key && SANE_REQUEST_KEY.test(key) ? key : undefined;
}
