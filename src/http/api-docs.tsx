/** @jsxImportSource @kitajs/html */
import { dirname } from 'node:path';
import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import swaggerUiPackage from 'swagger-ui-dist/package.json' with { type: 'json' };
import { SwaggerPage } from '../../components/swagger-page';
import { APP_ROOT } from '../app-root';
import type { AssetUrls } from './assets';
import { page, text } from './html';

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
  return new Elysia({ name: 'api-docs' })
    .onAfterHandle({ as: 'global' }, ({ path, response }) => {
      if (path === `${SWAGGER_PATH}/json`) return withMediaTypes(withBodilessResponses(response as OpenApiDocument));
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
              'Create, list, change and delete your tasks. Every route needs an API token (make one on the Settings page, or with POST /api/tokens while signed in): send it as Authorization: Bearer tm_…. Errors are { error, message, details[] }.',
          },
          tags: [
            { name: 'Tasks', description: 'Your task list' },
            { name: 'API tokens', description: 'Tokens for scripts; each acts as the account that made it' },
            { name: 'Export and import', description: 'All your tasks as CSV or JSON, and tasks from such files' },
          ],
          components: {
            securitySchemes: {
              bearerAuth: {
                type: 'http',
                scheme: 'bearer',
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

type OpenApiDocument = { paths: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>> };
type ResponseObject = { description: string; content?: Record<string, { schema?: { contentMediaType?: string } }> };

/**
 * The plugin documents every string answer as text/plain. A string schema that names its
 * `contentMediaType` (JSON Schema's keyword for it) is documented under that type: text/csv.
 */
function withMediaTypes(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        const plain = response.content?.['text/plain'];
        const mediaType = plain?.schema?.contentMediaType;
        if (plain && mediaType) response.content = { [mediaType]: plain };
      }
    }
  }
  return document;
}

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
