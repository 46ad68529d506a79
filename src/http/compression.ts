/**
 * Bodies we cache (list pages, API list pages) are kept ready to send, and gzipped once for the
 * clients that accept it (every browser does): a 66 KB page becomes about 4 KB. Compressing per
 * request would cost more than it saves; once per cache entry it pays twice over. Besides the bytes,
 * Bun 1.4.5 writes an answer given after an await in one send() only while it fits its 16 KB cork
 * buffer; a larger one leaves in ~47 send()s, one per header fragment (docs/troubleshooting.md).
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

/** Whether an Accept-Encoding header admits gzip: named (or `*`) without `q=0`. */
export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  if (!acceptEncoding) return false;
  let star = false;
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [coding, ...params] = part.split(';').map((piece) => piece.trim());
    const refused = params.some((param) => /^q=0(\.0{0,3})?$/.test(param.replaceAll(' ', '')));
    if (coding === 'gzip' || coding === 'x-gzip') return !refused;
    if (coding === '*') star = !refused;
  }
  return star;
}

/** The body to send for this client, and the headers that say how it is encoded. */
export function negotiate(body: ReadyBody, acceptEncoding: string | null | undefined) {
  return acceptsGzip(acceptEncoding)
    ? { bytes: body.gzipped(), headers: { 'content-encoding': 'gzip' } as Record<string, string> }
    : { bytes: body.identity, headers: {} as Record<string, string> };
}
