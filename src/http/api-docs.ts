import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import swaggerUiPackage from 'swagger-ui-dist/package.json' with { type: 'json' };
import { APP_ROOT } from '../app-root';
import { CONTENT_SECURITY_POLICY } from './security-headers';

/**
 * The OpenAPI 3 document at /swagger/json and Swagger UI at /swagger. Swagger UI's assets come
 * from our own origin (swagger-ui-dist), under a path that carries their version, so they can be
 * cached for a year and the page works offline and under our strict CSP.
 */

const ASSET_ROOT = `/static/swagger-ui-${swaggerUiPackage.version}`;
const ASSET_DIR = dirname(Bun.resolveSync('swagger-ui-dist/package.json', APP_ROOT));
const ASSETS: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

export const SWAGGER_PATH = '/swagger';

/** Swagger UI's files as URL path → file on disk, for the proxy to serve them itself. */
export const swaggerAssetFiles = () =>
  Object.keys(ASSETS).map((name) => ({ path: `${ASSET_ROOT}/${name}`, file: `${ASSET_DIR}/${name}` }));

export function apiDocs(version: string) {
  const docs = openapi({
    path: SWAGGER_PATH,
    provider: 'swagger-ui',
    exclude: { paths: [/^\/(?!api\/)/] },
    documentation: {
      info: {
        title: 'Task Manager API',
        version,
        description: 'Create, list, change and delete tasks. Errors are { error, message, details[] }.',
      },
      tags: [{ name: 'Tasks', description: 'The task list' }],
    },
    swagger: {
      cdn: `${ASSET_ROOT}/swagger-ui-bundle.js`,
      theme: `${ASSET_ROOT}/swagger-ui.css`,
      autoDarkMode: false,
      tryItOutEnabled: false,
    },
  });
  let swaggerPolicy: Promise<string> | undefined;
  return new Elysia({ name: 'api-docs' })
    .onAfterHandle({ as: 'global' }, ({ path, response }) => {
      if (path === `${SWAGGER_PATH}/json`) return withBodilessResponses(response as OpenApiDocument);
    })
    .use(docs)
    .onRequest(async ({ request, set }) => {
      if (new URL(request.url).pathname !== SWAGGER_PATH) return;
      swaggerPolicy ??= swaggerPagePolicy(docs);
      set.headers['content-security-policy'] = await swaggerPolicy;
    })
    .get(
      `${ASSET_ROOT}/:file`,
      ({ params, set, status }) => {
        const type = Object.hasOwn(ASSETS, params.file) ? ASSETS[params.file] : undefined;
        if (!type) return status(404, 'Not found');
        set.headers['content-type'] = type;
        set.headers['cache-control'] = 'public, max-age=31536000, immutable';
        return Bun.file(`${ASSET_DIR}/${params.file}`);
      },
      { detail: { hide: true } },
    );
}

/**
 * The Swagger UI page starts itself with one inline script. Rather than allow inline scripts,
 * that page alone gets a CSP naming the script's SHA-256, read from the page the plugin serves.
 */
async function swaggerPagePolicy(docs: Elysia): Promise<string> {
  const page = docs.routes.find((route) => route.path === SWAGGER_PATH)?.handler;
  const html = page instanceof Response ? await page.clone().text() : '';
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (match) =>
      `'sha256-${createHash('sha256')
        .update(match[1] ?? '')
        .digest('base64')}'`,
  );
  return CONTENT_SECURITY_POLICY.replace("script-src 'self'", ["script-src 'self'", ...hashes].join(' '));
}

type OpenApiDocument = { paths: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>> };
type ResponseObject = { description: string; content?: Record<string, unknown> };

/**
 * @elysiajs/openapi 1.4.16 writes a t.Void() response (our 204) as `content: { type, description }`,
 * which is not valid OpenAPI. A response without a body has a description and no content.
 */
function withBodilessResponses(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const content = response.content as { type?: string; description?: string } | undefined;
        if (content?.type === 'void') {
          operation.responses = {
            ...operation.responses,
            [status]: { description: content.description ?? 'No content' },
          };
        }
      }
    }
  }
  return document;
}
