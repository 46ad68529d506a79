import { expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { headersIntoResponses } from '../../src/http/response-headers';
import { securityHeaders } from '../../src/http/security-headers';

// An app shaped like ours: hooks put headers in `set`, handlers answer with their own Response.
const app = new Elysia()
  .use(securityHeaders())
  .use(headersIntoResponses())
  .onRequest(({ set }) => {
    set.headers['x-request-id'] = 'req-1';
    set.headers['set-cookie'] = 'from_hook=1; Path=/';
  })
  .get('/page', () => {
    const response = new Response('<p>page</p>', {
      status: 422,
      headers: { 'content-type': 'text/html; charset=utf-8', 'x-frame-options': 'SAMEORIGIN' },
    });
    response.headers.append('set-cookie', 'from_handler=1; Path=/');
    return response;
  })
  .get('/created', ({ set }) => {
    set.status = 201;
    return new Response('made');
  })
  .get('/json', () => ({ ok: true }));

const get = (path: string, headers: Record<string, string> = {}) =>
  app.handle(new Request(`http://localhost${path}`, { headers }));

test("a handler's Response keeps its status and headers and gains every header the hooks set", async () => {
  const response = await get('/page', { 'x-forwarded-proto': 'https' });
  expect(response.status).toBe(422);
  expect(await response.text()).toBe('<p>page</p>');
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('x-request-id')).toBe('req-1');
  expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(response.headers.get('strict-transport-security')).toContain('max-age=');
  // What the handler chose wins over a hook's default; cookies from both are sent.
  expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(response.headers.getSetCookie().sort()).toEqual(['from_handler=1; Path=/', 'from_hook=1; Path=/']);
});

test('a status set beside a Response, and answers that are not Responses, still get the headers', async () => {
  const created = await get('/created');
  expect(created.status).toBe(201);
  expect(created.headers.get('x-request-id')).toBe('req-1');
  const json = await get('/json');
  expect(await json.json()).toEqual({ ok: true });
  expect(json.headers.get('x-content-type-options')).toBe('nosniff');
  expect(json.headers.get('x-request-id')).toBe('req-1');
});

test('headers set for one request are not carried into the next', async () => {
  await get('/page', { 'x-forwarded-proto': 'https' });
  const plain = await get('/page');
  expect(plain.headers.get('strict-transport-security')).toBeNull();
});
