/**
 * Bodies we cache (list pages, API list pages) are kept ready to send, and gzipped once for the
 * clients that accept it (every browser does): a list page shrinks about fifteenfold. Compressing
 * per request would cost more than it saves; once per cache entry it pays for itself.
 *
 * How the bytes leave matters as much. Bun writes an answer given after an await (ours all are:
 * they wait for the database) in one send() only while it fits its 16 KB cork buffer; past it, a
 * Blob or Uint8Array body leaves in about 50 send()s, a few per header line (oven-sh/bun#41341). The
 * same bytes written whole into a direct stream leave in one or two: a page of 80 KB went from 3,200
 * to 15,000 answers a second in a bare Bun server (docs/troubleshooting.md). So a small form is a
 * Blob, which a Response shares (it would copy a Uint8Array for every answer), and a large one is
 * streamed, sent chunked, as streams are.
 */

/** A form of a body, ready to answer with as often as asked. */
export interface Sendable {
  readonly size: number;
  /** A body for one Response (a stream serves one answer, so a large form makes one each time). */
  body(): BodyInit;
}

export interface ReadyBody {
  readonly identity: Sendable;
  /** The gzip form, made on first use and kept. */
  gzipped(): Sendable;
}

/** Bun's cork buffer: an answer up to this size leaves in one send() whatever its body type. */
const CORKED_BYTES = 16 * 1024;

const encoder = new TextEncoder();

export function sendable(bytes: Uint8Array<ArrayBuffer>): Sendable {
  if (bytes.byteLength <= CORKED_BYTES) {
    const blob = new Blob([bytes]);
    return { size: blob.size, body: () => blob };
  }
  const source: Bun.DirectUnderlyingSource = {
    type: 'direct',
    pull(controller) {
      controller.write(bytes);
      controller.close();
    },
  };
  // The DOM lib's ReadableStream type, which the project's types include, knows no direct streams.
  return { size: bytes.byteLength, body: () => new ReadableStream(source as unknown as UnderlyingDefaultSource) };
}

export function readyBody(text: string): ReadyBody {
  const bytes = encoder.encode(text);
  let gzipped: Sendable | undefined;
  return { identity: sendable(bytes), gzipped: () => (gzipped ??= sendable(Bun.gzipSync(bytes))) };
}

/** What a ready body may come to hold: itself and, at most about as large again, its gzip form. */
export const readyBodyBytes = (body: ReadyBody) => 2 * body.identity.size + 64;
