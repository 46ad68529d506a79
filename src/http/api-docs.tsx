/** @jsxImportSource @kitajs/html */
import { dirname } from 'node:path';
import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import swaggerUiPackage from 'swagger-ui-dist/package.json' with { type: 'json' };
import { SwaggerPage } from '../../components/swagger-page';
import { APP_ROOT } from '../app-root';
import type { AssetUrls } from './assets';
import { page, text } from './html';
import { type OpenApiDocument, publishDocument } from './openapi-document';

/**
 * The OpenAPI 3 document at /swagger/json and Swagger UI at /swagger. The plugin serves only the
 * document; the page is ours. Swagger UI's assets come from our own origin (swagger-ui-dist),
 * under a path that carries their version, so they can be cached for a year, and the page starts
 * it from a content-hashed script of ours rather than an inline one: it works offline and runs
 * under the same strict CSP as every other page.
 */

const ASSET_ROOT = `/static/swagger-ui-${swaggerUiPackage.version}`;
const ASSET_DIR = dirname(Bun.resolveSync('swagger-ui-dist/package.json', APP_ROOT));
const ASSETS: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};
const TITLE = 'Task Manager API';

export const SWAGGER_PATH = '/swagger';

/** Sent with every answer of the API (request-log.ts, the accounts gate): each response lists them. */
const COMMON_HEADERS = {
  'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
  'Cache-Control': { $ref: '#/components/headers/Cache-Control' },
};
// The project has no public address or licence of its own yet (package.json: private).
const CONTACT = { name: 'Task Manager maintainers' };
const LICENSE = { name: 'Proprietary, all rights reserved', identifier: 'LicenseRef-Proprietary' };

/** Swagger UI's files as URL path → file on disk, for the proxy to serve them itself. */
export const swaggerAssetFiles = () =>
  Object.keys(ASSETS).map((name) => ({ path: `${ASSET_ROOT}/${name}`, file: `${ASSET_DIR}/${name}` }));

export function apiDocs(version: string, assets: Pick<AssetUrls, 'swaggerInit' | 'icon'>) {
  // The same for every request: rendered once.
  const swaggerPage = text(
    <SwaggerPage
      title={TITLE}
      specUrl={`${SWAGGER_PATH}/json`}
      cssUrl={`${ASSET_ROOT}/swagger-ui.css`}
      bundleUrl={`${ASSET_ROOT}/swagger-ui-bundle.js`}
      initUrl={assets.swaggerInit}
      iconUrl={assets.icon}
    />,
  );
  // The plugin keeps its document until the routes change; the published one is kept with it.
  const published = new WeakMap<OpenApiDocument, OpenApiDocument>();
  const publish = (generated: OpenApiDocument) => {
    const document = published.get(generated) ?? publishDocument(generated, COMMON_HEADERS);
    published.set(generated, document);
    return document;
  };
  return new Elysia({ name: 'api-docs' })
    .onAfterHandle({ as: 'global' }, ({ path, response }) => {
      if (path === `${SWAGGER_PATH}/json`) return publish(response as OpenApiDocument);
    })
    .use(
      openapi({
        path: SWAGGER_PATH,
        provider: null,
        // Paths with a dot are documented too (the plugin takes them for static files by default): /api/export.csv.
        exclude: { paths: [/^\/(?!api\/)/], staticFile: false },
        documentation: {
          info: {
            title: TITLE,
            version,
            description:
              'Create, list, change and delete your tasks. Every route needs an API token (make one on the Settings page, or with POST /api/tokens while signed in): send it as Authorization: Bearer tm_…. Errors are { error, message, details[] }. Every answer also carries the browser security headers of the site (Content-Security-Policy, X-Content-Type-Options and the like).',
            contact: CONTACT,
            license: LICENSE,
          },
          // Relative: the API is on the origin that serves this document, wherever it is deployed.
          servers: [{ url: '/', description: 'The origin that serves this document' }],
          tags: [
            { name: 'Tasks', description: 'Your task list' },
            { name: 'API tokens', description: 'Tokens for scripts; each acts as the account that made it' },
            { name: 'Export and import', description: 'All your tasks as CSV or JSON, and tasks from such files' },
          ],
          components: {
            headers: {
              'X-Request-Id': {
                description:
                  'This request’s id, also in the server’s log line for it: quote it when reporting a problem',
                schema: { type: 'string' },
                example: '1c4184af-2faf-4979-99d0-c847496c3c5f',
              },
              'Cache-Control': {
                description: 'no-store: what one account reads is for it alone, and no browser or proxy may keep it',
                schema: { type: 'string', enum: ['no-store'] },
              },
            },
            securitySchemes: {
              bearerAuth: {
                type: 'http',
                scheme: 'bearer',
                bearerFormat: 'tm_ and 43 letters and digits',
                description: 'An API token, tm_ and 43 letters and digits, from Settings or POST /api/tokens',
              },
            },
          },
          // Every operation in the document needs the token (the document lists /api/* alone).
          security: [{ bearerAuth: [] }],
        },
      }),
    )
    .get(SWAGGER_PATH, () => page(swaggerPage), { detail: { hide: true } })
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
