import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { type ApiClient, createApiClient, expectErrorReply, type Reply } from '../support/http';

/**
 * Values from a request that come back in an answer's headers: return_to, the page cursor, the
 * search, task titles in the flash cookie. nginx reads all of an upstream answer's headers into one
 * 4 KB buffer (proxy_buffer_size) and answers 502 when they do not fit, so every echoed value is
 * bounded, and an address too long to be ours is refused. Nothing here depends on the engine.
 */

const HOSTILE_CURSOR = 'A'.repeat(6_000);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const PAGE = { accept: 'text/html' };
const HTMX = { 'hx-request': 'true' };
/** Well under nginx's 4 KB, leaving room for headers a later change adds. */
const HEADER_BUDGET = 3 * 1024;

/** The bytes of an answer's head as sent: status line, each header line and the blank line. */
function headBytes(reply: Reply): number {
  const lines = reply.headers.getSetCookie().map((cookie) => `set-cookie: ${cookie}`);
  reply.headers.forEach((value, name) => {
    if (name !== 'set-cookie') lines.push(`${name}: ${value}`);
  });
  return `HTTP/1.1 ${reply.status} See Other\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`.length;
}

function expectRefusedPage(reply: Reply, status: number) {
  expect({ status: reply.status, location: reply.headers.get('location') }).toEqual({ status, location: null });
  expect(reply.text).toStartWith('<!doctype html>');
}

describe('values echoed in headers stay bounded', () => {
  let database: TestDatabase;
  let api: ApiClient;

  beforeAll(async () => {
    database = await openTestDatabase(ENGINES[0] as (typeof ENGINES)[number]);
    api = createApiClient(createApp({ db: database.client, logger: createLogger('error', () => {}) }));
  });
  afterAll(() => database.cleanup());
  beforeEach(() => database.empty());

  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    api.post(path, { body: new URLSearchParams(fields).toString(), headers: { ...FORM, ...headers } });

  describe('the page cursor', () => {
    test('6,000 characters on GET / and GET /tasks are refused, as an address too long: a page, or an alert for htmx', async () => {
      for (const path of ['/', '/tasks']) {
        expectRefusedPage(await api.get(`${path}?status=open&cursor=${HOSTILE_CURSOR}`, PAGE), 414);
        const alert = await api.get(`${path}?cursor=${HOSTILE_CURSOR}`, HTMX);
        expect([alert.status, alert.headers.get('hx-retarget')]).toEqual([414, '#alerts']);
      }
    });

    test('one character over the API’s 512, or a character no cursor of ours has, answers 400', async () => {
      for (const cursor of ['A'.repeat(513), 'A'.repeat(3_000), `${'A'.repeat(20)}€`, 'a b', 'a%2Fb']) {
        expectRefusedPage(await api.get(`/?cursor=${encodeURIComponent(cursor)}`, PAGE), 400);
        expectRefusedPage(await api.get(`/tasks?cursor=${encodeURIComponent(cursor)}`, PAGE), 400);
      }
      const alert = await api.get(`/tasks?cursor=${'A'.repeat(3_000)}`, HTMX);
      expect([alert.status, alert.headers.get('hx-retarget')]).toEqual([400, '#alerts']);
      expect(alert.text).toContain('page link');
      // 512 characters of the right alphabet may be a cursor: read, found not to be ours, first page.
      const stale = await api.get(`/?cursor=${'A'.repeat(512)}`, PAGE);
      expect([stale.status, stale.headers.get('location')]).toEqual([303, '/']);
    });

    test('a return_to whose cursor is too long comes back without it: 303 to the same view', async () => {
      const reply = await form('/tasks', {
        title: 'Buy milk',
        return_to: `/?status=open&q=milk&cursor=${HOSTILE_CURSOR}`,
      });
      expect([reply.status, reply.headers.get('location')]).toEqual([303, '/?status=open&q=milk']);
      expect(headBytes(reply)).toBeLessThan(HEADER_BUDGET);
    });

    test('an HX-Current-URL whose cursor is too long is rebuilt without it in every link the answer holds', async () => {
      const reply = await form(
        '/tasks',
        { title: 'Buy milk' },
        { ...HTMX, 'hx-current-url': `http://localhost/?q=milk&cursor=${HOSTILE_CURSOR}` },
      );
      expect(reply.status).toBe(201);
      expect(reply.text).toContain('name="return_to" value="/?q=milk"');
      expect(reply.text).not.toContain('AAAAAAAA');
      expect(headBytes(reply)).toBeLessThan(HEADER_BUDGET);
    });
  });

  test('a search in return_to is bounded once percent-encoded, whatever its script', async () => {
    for (const q of ['€'.repeat(200), '😀'.repeat(100), '%&='.repeat(70)]) {
      const reply = await form('/tasks', { title: 'Buy milk', return_to: `/?${new URLSearchParams({ q })}` });
      const location = reply.headers.get('location') ?? '';
      expect([reply.status, location.startsWith('/?q=')]).toEqual([303, true]);
      expect(location.length).toBeLessThanOrEqual('/?q='.length + 600);
    }
  });

  test('the flash cookie stays under 1 KB for the longest title, and still reads back', async () => {
    const title = '😀'.repeat(200);
    const task = await api.createTask({ title });
    const reply = await form(`/tasks/${task.id}/complete`, { version: '1', return_to: '/' });
    expect(reply.status).toBe(303);
    const [cookie = ''] = reply.headers.getSetCookie();
    expect(cookie.split(';')[0]?.length).toBeLessThanOrEqual('flash='.length + 1024);
    const next = await api.get('/', { cookie: cookie.split(';')[0] ?? '' });
    expect(next.text).toContain('Completed “😀😀😀');
  });

  test('the worst a redirect can echo at once stays well under nginx’s 4 KB', async () => {
    const task = await api.createTask({ title: '😀'.repeat(200) });
    const returnTo = `/?${new URLSearchParams({ status: 'open', q: '€'.repeat(200), cursor: 'A'.repeat(512) })}`;
    const reply = await form(
      `/tasks/${task.id}/complete`,
      { version: '1', return_to: returnTo },
      { 'x-request-id': 'r'.repeat(128), 'x-forwarded-proto': 'https' },
    );
    expect(reply.status).toBe(303);
    expect(headBytes(reply)).toBeLessThan(HEADER_BUDGET);
  });

  describe('a request target over 4,096 bytes answers 414 on every route', () => {
    const padding = (target: string) => 'x'.repeat(4_097 - target.length);
    test('the API in JSON, the pages as a page or an alert', async () => {
      expectErrorReply(await api.get(`/api/tasks?q=${padding('/api/tasks?q=')}`), 414);
      expectErrorReply(await api.get(`/health?x=${padding('/health?x=')}`), 414);
      expectRefusedPage(await api.get(`/?x=${padding('/?x=')}`, PAGE), 414);
      const alert = await api.get(`/tasks?x=${padding('/tasks?x=')}`, HTMX);
      expect([alert.status, alert.headers.get('hx-retarget')]).toEqual([414, '#alerts']);
      const task = await api.createTask({ title: 'kept' });
      const post = await form(`/tasks/${task.id}/complete?x=${padding(`/tasks/${task.id}/complete?x=`)}`, {
        version: '1',
      });
      expect(post.status).toBe(414);
      expect(await api.getTask(task.id)).toMatchObject({ status: 'open' });
      expect((await api.get(`/missing/${padding('/missing/')}`)).status).toBe(414);
    });

    test('exactly 4,096 bytes is read as usual', async () => {
      const target = `/?x=${'x'.repeat(4_096 - '/?x='.length)}`;
      expect((await api.get(target, PAGE)).status).toBe(200);
    });
  });
});
