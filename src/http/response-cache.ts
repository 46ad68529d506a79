import { type ReadyBody, readyBody, readyBodyBytes } from '../lib/compression';
import { createLruCache } from '../lib/lru-cache';

/**
 * Rendered answers kept by key and by the version of the data they show. Every change to the data
 * (on any instance) moves its version on, so an answer kept for an older version is never served:
 * it is rendered again and replaces the old one. Bounded by bytes, so many distinct keys (searches,
 * pages) can only push older answers out, never grow the process.
 */
export function createResponseCache({ maxBytes }: { maxBytes: number }) {
  const answers = createLruCache<{ version: number; body: ReadyBody }>({
    maxBytes,
    sizeOf: (entry) => readyBodyBytes(entry.body),
  });
  // Renders under way. Right after a write, every request for the list misses at once: they all
  // wait for the one render of that version instead of each rendering (and querying) it again.
  const rendering = new Map<string, { version: number; body: Promise<ReadyBody> }>();
  return {
    /** The answer for this key at this version: kept (at once, no promise), or rendered once and kept. */
    get(key: string, version: number, render: () => Promise<string>): ReadyBody | Promise<ReadyBody> {
      const kept = answers.get(key);
      if (kept?.version === version) return kept.body;
      const pending = rendering.get(key);
      if (pending?.version === version) return pending.body;
      const body = render()
        .then((text) => {
          const ready = readyBody(text);
          answers.set(key, { version, body: ready });
          return ready;
        })
        .finally(() => {
          if (rendering.get(key)?.body === body) rendering.delete(key);
        });
      rendering.set(key, { version, body });
      return body;
    },
    get bytes() {
      return answers.bytes;
    },
  };
}
