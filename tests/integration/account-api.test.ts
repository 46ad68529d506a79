import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { t } from 'elysia';
import { ApiTokenSchema, NewApiTokenSchema, TOKEN_NAME_MAX, TOKENS_PER_ACCOUNT_MAX } from '../../src/accounts/model';
import { type App, createApp } from '../../src/app';
import { ErrorSchema } from '../../src/http/api-schemas';
import { createLogger } from '../../src/lib/logger';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { type Credentials, expectErrorReply, ORIGIN, type Reply, signUp } from '../support/http';

/**
 * The API tokens contract as a script sees it: /api/tokens answers the shapes the OpenAPI document
 * publishes, a secret is shown once and never listed, a revoked token stops at once, and the
 * Authorization header is read strictly (one Bearer token, the scheme in any case).
 */

const TOKEN = /^tm_[0-9A-Za-z]{43}$/;
const TokenList = t.Array(ApiTokenSchema);

interface Operation {
  responses: Record<string, unknown>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

for (const engine of ENGINES) {
  describe(`the token API on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;
    let document: Document;
    let account: Credentials;

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
      document = (await (await app.handle(new Request(`${ORIGIN}/swagger/json`))).json()) as Document;
      account = await signUp(app);
    });
    afterAll(() => database.cleanup());

    async function send(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
      const response = await app.handle(new Request(`${ORIGIN}${path}`, { method, headers, body }));
      const text = await response.text();
      const isJson = response.headers.get('content-type')?.includes('json') ?? false;
      const reply: Reply = {
        status: response.status,
        headers: response.headers,
        text,
        body: isJson && text ? JSON.parse(text) : undefined,
      };
      expectDocumented(method, path, reply);
      return reply;
    }

    /** The status is one the document lists for this operation; an error body has the Error shape. */
    function expectDocumented(method: string, path: string, reply: Reply) {
      const template = path.replace(/^\/api\/tokens\/[^/?]+/, '/api/tokens/{id}').split('?')[0] as string;
      const operation = document.paths[template]?.[method.toLowerCase()];
      expect({ method, template, documented: Boolean(operation) }).toEqual({ method, template, documented: true });
      expect({ method, path, status: reply.status, documented: Object.keys(operation?.responses ?? {}) }).toEqual({
        method,
        path,
        status: reply.status,
        documented: expect.arrayContaining([String(reply.status)]),
      });
      if (reply.status >= 400) expect([...Value.Errors(ErrorSchema, reply.body)]).toEqual([]);
    }

    const as = (who: Credentials) => ({ authorization: `Bearer ${who.token}` });
    const json = (who: Credentials) => ({ ...as(who), 'content-type': 'application/json' });
    const create = (who: Credentials, body: unknown) => send('POST', '/api/tokens', json(who), JSON.stringify(body));
    const list = async (who: Credentials) => {
      const reply = await send('GET', '/api/tokens', as(who));
      expect(reply.status).toBe(200);
      expect([...Value.Errors(TokenList, reply.body)]).toEqual([]);
      return reply.body as { id: number; name: string }[];
    };
    const tasksWith = (authorization: string) => send('GET', '/api/tasks', { authorization });

    test('POST answers 201 with the secret once; GET lists names and dates, never a secret', async () => {
      const made = await create(account, { name: '  Nightly backup  ' });
      expect({ status: made.status, cacheControl: made.headers.get('cache-control') }).toEqual({
        status: 201,
        cacheControl: 'no-store',
      });
      expect([...Value.Errors(NewApiTokenSchema, made.body)]).toEqual([]);
      const body = made.body as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['created_at', 'id', 'last_used_at', 'name', 'token']);
      expect(body).toMatchObject({ name: 'Nightly backup', last_used_at: null });
      expect(body.token).toMatch(TOKEN);
      expect(Date.parse(body.created_at as string)).toBeGreaterThan(Date.now() - 60_000);
      expect((await tasksWith(`Bearer ${body.token}`)).status).toBe(200);

      const listed = await list(account);
      expect(listed[0]).toMatchObject({ id: body.id, name: 'Nightly backup' });
      expect(listed.map((token) => token.name)).toEqual(['Nightly backup', 'tests']);
      for (const token of listed)
        expect(Object.keys(token).sort()).toEqual(['created_at', 'id', 'last_used_at', 'name']);
      const reply = await send('GET', '/api/tokens', as(account));
      expect(reply.text).not.toMatch(/tm_[0-9A-Za-z]{43}/);
    });

    test('DELETE answers 204 and the token stops at once; again it is 404', async () => {
      const { id, token } = (await create(account, { name: 'short-lived' })).body as { id: number; token: string };
      const gone = await send('DELETE', `/api/tokens/${id}`, as(account));
      expect({ status: gone.status, text: gone.text }).toEqual({ status: 204, text: '' });
      expect((await tasksWith(`Bearer ${token}`)).status).toBe(401);
      expectErrorReply(await send('DELETE', `/api/tokens/${id}`, as(account)), 404);
      expect((await list(account)).map((entry) => entry.id)).not.toContain(id);
    });

    test("another account's token id is a 404 like a missing one, and the token keeps working", async () => {
      const stranger = await signUp(app);
      const { id, token } = (await create(account, { name: 'mine' })).body as { id: number; token: string };
      const theirs = await send('DELETE', `/api/tokens/${id}`, as(stranger));
      const missing = await send('DELETE', '/api/tokens/999999999999', as(stranger));
      expectErrorReply(theirs, 404);
      expect({ ...(theirs.body as object), message: '' }).toEqual({ ...(missing.body as object), message: '' });
      expect((theirs.body as { message: string }).message.replace(String(id), 'ID')).toBe(
        (missing.body as { message: string }).message.replace('999999999999', 'ID'),
      );
      expect((await tasksWith(`Bearer ${token}`)).status).toBe(200);
      expect((await list(stranger)).map((entry) => entry.name)).toEqual(['tests']);
    });

    test('a bad name is a 422 naming the field; an unknown field, a bad id or a wrong body type is refused', async () => {
      const before = await list(account);
      const badNames: unknown[] = [
        '',
        '   ',
        '\t\n',
        'x'.repeat(TOKEN_NAME_MAX + 1),
        'bad\u0000name',
        'line\nbreak',
        7,
        null,
        [],
      ];
      for (const name of badNames) {
        const reply = await create(account, { name });
        expect({ name, status: reply.status }).toEqual({ name, status: 422 });
        expectErrorReply(reply, 422, 'name');
      }
      expectErrorReply(await create(account, {}), 422, 'name');
      expectErrorReply(await create(account, { name: 'ok', scope: 'admin' }), 422);
      expectErrorReply(await create(account, ['ok']), 422);
      expect((await create(account, { name: 'x'.repeat(TOKEN_NAME_MAX) })).status).toBe(201);
      expectErrorReply(await send('POST', '/api/tokens', json(account), '{"name":'), 400);
      expectErrorReply(
        await send('POST', '/api/tokens', { ...as(account), 'content-type': 'text/plain' }, '{"name":"a"}'),
        415,
      );
      for (const id of ['0', 'abc', '01', '1.5', '-1', '9999999999999999'])
        expectErrorReply(await send('DELETE', `/api/tokens/${id}`, as(account)), 422, 'id');
      expect((await list(account)).length).toBe(before.length + 1);
    });

    test(`an account holds at most ${TOKENS_PER_ACCOUNT_MAX} tokens`, async () => {
      const holder = await signUp(app);
      for (let made = (await list(holder)).length; made < TOKENS_PER_ACCOUNT_MAX; made++)
        expect((await create(holder, { name: `token ${made}` })).status).toBe(201);
      const refused = await create(holder, { name: 'one too many' });
      expectErrorReply(refused, 422, 'name');
      expect((await list(holder)).length).toBe(TOKENS_PER_ACCOUNT_MAX);
    });

    test('the Authorization header: one Bearer token, the scheme in any case, spaces around it', async () => {
      for (const accepted of [
        `Bearer ${account.token}`,
        `bearer ${account.token}`,
        `BEARER ${account.token}`,
        `Bearer    ${account.token}`,
        `Bearer\t${account.token}`,
        `  Bearer ${account.token}  `,
      ])
        expect({ accepted, status: (await tasksWith(accepted)).status }).toEqual({ accepted, status: 200 });
      for (const refused of [
        '',
        'Bearer',
        'Bearer ',
        `Bearer ${account.token} ${account.token}`,
        `Bearer ${account.token},${account.token}`,
        `Bearer ${account.token.slice(0, -1)}`,
        `Bearer ${account.token}x`,
        `Token ${account.token}`,
        `Basic ${btoa(`${account.email}:${account.password}`)}`,
        account.token,
        `Bearer "${account.token}"`,
      ]) {
        const reply = await tasksWith(refused);
        expectErrorReply(reply, 401);
        expect({ refused, challenge: reply.headers.get('www-authenticate') }).toEqual({
          refused,
          challenge: 'Bearer realm="tasks", error="invalid_token"',
        });
      }
      // A header that is there but wrong is not rescued by a session cookie beside it.
      const both = await send('GET', '/api/tasks', { authorization: 'Bearer nope', cookie: account.cookie });
      expect(both.status).toBe(401);
    });
  });
}
