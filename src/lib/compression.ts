/**
 * Bodies we cache (list pages, API list pages) are kept ready to send, and gzipped once for the
 * clients that accept it (every browser does): a list page shrinks about fifteenfold. Compressing
 * per request would cost more than it saves; once per cache entry it pays for itself. Besides the
 * bytes, Bun writes an answer given after an await in one send() only while it fits its 16 KB cork
 * buffer; a larger one leaves in dozens of send()s (docs/troubleshooting.md).
 */

export interface ReadyBody {
  readonly identity: Uint8Array<ArrayBuffer>;
  /** The gzip form, made on first use and kept. */
  gzipped(): Uint8Array<ArrayBuffer>;
}

const encoder = new TextEncoder();

export function readyBody(text: string): ReadyBody {
  const identity = encoder.encode(text);
  let gzipped: Uint8Array<ArrayBuffer> | undefined;
  return { identity, gzipped: () => (gzipped ??= Bun.gzipSync(identity)) };
}

/** What a ready body may come to hold: itself and, at most about as large again, its gzip form. */
export const readyBodyBytes = (body: ReadyBody) => 2 * body.identity.byteLength + 64;
