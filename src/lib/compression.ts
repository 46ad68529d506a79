/**
 * Bodies we cache (list pages, API list pages) are kept ready to send, and gzipped once for the
 * clients that accept it (every browser does): a list page shrinks about fifteenfold. Compressing
 * per request would cost more than it saves; once per cache entry it pays for itself. Besides the
 * bytes, Bun writes an answer given after an await in one send() only while it fits its 16 KB cork
 * buffer; a larger one leaves in dozens of send()s (docs/troubleshooting.md). Kept as Blobs: a
 * Response shares a Blob's bytes, where it would copy a Uint8Array's for every answer.
 */

export interface ReadyBody {
  readonly identity: Blob;
  /** The gzip form, made on first use and kept. */
  gzipped(): Blob;
}

const encoder = new TextEncoder();

export function readyBody(text: string): ReadyBody {
  let bytes: Uint8Array<ArrayBuffer> | undefined = encoder.encode(text);
  const identity = new Blob([bytes]);
  let gzipped: Blob | undefined;
  const gzip = (source: Uint8Array<ArrayBuffer>) => {
    bytes = undefined; // the Blob holds its own copy; these are kept only until gzipped
    return new Blob([Bun.gzipSync(source)]);
  };
  return { identity, gzipped: () => (gzipped ??= gzip(bytes as Uint8Array<ArrayBuffer>)) };
}

/** What a ready body may come to hold: itself and, at most about as large again, its gzip form. */
export const readyBodyBytes = (body: ReadyBody) => 2 * body.identity.size + 64;
