import Negotiator from 'negotiator';
import type { ReadyBody } from '../lib/compression';

/** How a ready body (src/lib/compression.ts) goes out: gzipped to the clients that accept it. */

const CODINGS = ['gzip', 'identity'];

// Clients send a handful of distinct Accept-Encoding values (each browser its own), and every cached
// answer asks: remembered per value, bounded so odd values cannot grow it.
const answered = new Map<string, boolean>();
const REMEMBERED = 64;

/** Whether an Accept-Encoding header admits gzip (negotiated as RFC 9110 says, q-values and `*` included). */
export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  if (!acceptEncoding) return false;
  let gzip = answered.get(acceptEncoding);
  if (gzip === undefined) {
    gzip = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encoding(CODINGS) === 'gzip';
    if (answered.size < REMEMBERED) answered.set(acceptEncoding, gzip);
  }
  return gzip;
}

/** The body to send for this client, and the headers that say how it is encoded. */
export function negotiate(body: ReadyBody, acceptEncoding: string | null | undefined) {
  return acceptsGzip(acceptEncoding)
    ? { body: body.gzipped().body(), headers: { 'content-encoding': 'gzip' } as Record<string, string> }
    : { body: body.identity.body(), headers: {} as Record<string, string> };
}
