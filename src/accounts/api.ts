import { Elysia, t } from 'elysia';
import { describedAs, ERROR_MODELS, errorResponses, exampleOf } from '../http/api-schemas';
import { readJsonBody } from '../http/request-body';
import type { ApiAuthentication } from './gate';
import { ApiTokenSchema, NewApiTokenSchema, TOKEN_MODELS, TokenCreateSchema, TokenIdParams } from './model';
import type { AccountService } from './service';

/** API tokens over JSON: scripts (and Swagger UI, signed in) make, list and revoke their own. */

const TAG = ['API tokens'];
const jsonOnly = [({ request }: { request: Request }) => readJsonBody(request), 'json' as const];

export function createTokenApi(accounts: AccountService, authentication: ApiAuthentication) {
  return new Elysia({ name: 'token-api', prefix: '/api', normalize: false })
    .use(authentication)
    .model({ ...ERROR_MODELS, ...TOKEN_MODELS })
    .get('/tokens', ({ account }) => accounts.listTokens(account.id), {
      response: {
        200: exampleOf(describedAs(t.Array(ApiTokenSchema), 'Your tokens, newest first'), ApiTokenSchema.examples),
        ...errorResponses(401, 503),
      },
      detail: {
        operationId: 'listTokens',
        summary: 'List API tokens',
        description: 'Names and dates only: a secret is shown once.',
        tags: TAG,
      },
    })
    .post(
      '/tokens',
      async ({ account, body, set, status }) => {
        const created = await accounts.createToken(account.id, body.name);
        // The answer holds the secret: no browser or proxy may keep a copy of it.
        set.headers['cache-control'] = 'no-store';
        return status(201, created);
      },
      {
        parse: jsonOnly,
        body: TokenCreateSchema,
        response: {
          201: describedAs(NewApiTokenSchema, 'Created; `token` is shown only in this answer'),
          ...errorResponses(400, 401, 413, 415, 422, 503),
        },
        detail: {
          operationId: 'createToken',
          summary: 'Create an API token',
          description: 'Send it as `Authorization: Bearer tm_…`. Only its hash is stored: copy it now.',
          tags: TAG,
        },
      },
    )
    .delete(
      '/tokens/:id',
      async ({ account, params, status }) => {
        await accounts.revokeToken(account.id, params.id);
        return status(204, undefined);
      },
      {
        params: TokenIdParams,
        response: {
          204: t.Void({ description: 'Revoked: it stops working at once' }),
          ...errorResponses(401, 404, 422, 503),
        },
        detail: {
          operationId: 'revokeToken',
          summary: 'Revoke an API token',
          description: 'It stops working at once, on every instance.',
          tags: TAG,
        },
      },
    );
}
