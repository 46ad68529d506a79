import Negotiator from 'negotiator';
import type { ReadyBody } from '../lib/compression';

/** How a ready body (src/lib/compression.ts) goes out: gzipped to the clients that accept it. */

const CODINGS = ['gzip', 'identity'];

/** Whether an Accept-Encoding header admits gzip (negotiated as RFC 9110 says, q-values and `*` included). */
export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  const headers = acceptEncoding ? { 'accept-encoding': acceptEncoding } : {};
  return new Negotiator({ headers }).encoding(CODINGS) === 'gzip';
}

/** The body to send for this client, and the headers that say how it is encoded. */
export function negotiate(body: ReadyBody, acceptEncoding: string | null | undefined) {
  return acceptsGzip(acceptEncoding)
    ? { bytes: body.gzipped(), headers: { 'content-encoding': 'gzip' } as Record<string, string> }
    : { bytes: body.identity, headers: {} as Record<string, string> };
}
