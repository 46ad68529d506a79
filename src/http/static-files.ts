import { Elysia } from 'elysia';
import { APP_ROOT } from '../app-root';

const STATIC_DIR = `${APP_ROOT}/static`;

/**
 * Files clients ask for by fixed name (a browser tries /favicon.ico for anything that links no icon).
 * They cannot carry a content hash, so they are cached for a day; our pages link the hashed copy.
 */
export function staticFiles() {
  return new Elysia({ name: 'static-files' }).get(
    '/favicon.ico',
    ({ set }) => {
      set.headers['content-type'] = 'image/x-icon';
      set.headers['cache-control'] = 'public, max-age=86400';
      return Bun.file(`${STATIC_DIR}/favicon.ico`);
    },
    { detail: { hide: true } },
  );
}
