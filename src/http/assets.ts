import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Elysia } from 'elysia';
import type { PageAssets } from '../../components/layout';
import { APP_ROOT } from '../app-root';

/**
 * Our CSS and scripts, served from memory under names that carry a hash of their content
 * (app.3f2a….css), so browsers may keep them for a year and a deploy can never serve stale code.
 */

const STATIC_DIR = `${APP_ROOT}/static`;
const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.ico': 'image/x-icon',
};

/** Every hashed file's URL: those of our pages, and the script that starts Swagger UI (api-docs). */
export interface AssetUrls extends PageAssets {
  swaggerInit: string;
}

const SOURCES: Record<keyof AssetUrls, string> = {
  icon: `${STATIC_DIR}/favicon.ico`,
  css: `${STATIC_DIR}/app.css`,
  app: `${STATIC_DIR}/app.js`,
  htmx: Bun.resolveSync('htmx.org/dist/htmx.min.js', APP_ROOT),
  swaggerInit: `${STATIC_DIR}/swagger-init.js`,
};

interface Asset {
  body: Buffer;
  type: string;
}

export function loadAssets() {
  const served = new Map<string, Asset>();
  const urls = {} as AssetUrls;
  for (const [key, path] of Object.entries(SOURCES) as [keyof typeof SOURCES, string][]) {
    const body = readFileSync(path);
    const extension = extname(path);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const name = `${basename(path, extension).replace(/\.min$/, '')}.${hash}${extension}`;
    served.set(name, { body, type: TYPES[extension] ?? 'application/octet-stream' });
    urls[key] = `/static/${name}`;
  }

  const plugin = new Elysia({ name: 'assets' }).get(
    '/static/:name',
    ({ params, status }) => {
      const asset = served.get(params.name);
      if (!asset) return status(404, 'Not found');
      return new Response(new Uint8Array(asset.body), {
        headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable' },
      });
    },
    { detail: { hide: true } },
  );
  return { urls, plugin, files: served };
}
