import { Elysia } from 'elysia';
import { APP_ROOT } from '../app-root';

const STATIC_DIR = `${APP_ROOT}/static`;

/**
 * Files browsers ask for by fixed name (the Swagger page links no icon, so browsers try /favicon.ico).
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
