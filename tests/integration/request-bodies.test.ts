import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { type ApiClient, createApiClient, expectErrorReply } from '../support/http';

/**
 * Bodies built to hurt the parsers rather than to carry a task: JSON nested thousands deep, and
 * bodies of the wrong kind for a route. How a body is read does not depend on the engine, so
 * SQLite alone is enough here.
 */

/** `{"title":"x","notes":[[…]]}` with the object plus `arrays` levels of nesting. */
const nestedJson = (arrays: number) => `{"title":"x","notes":${'['.repeat(arrays)}${']'.repeat(arrays)}}`;

const FORM_ROUTES = (id: number) => [
  '/tasks',
  `/tasks/${id}`,
  `/tasks/${id}/complete`,
  `/tasks/${id}/reopen`,
  `/tasks/${id}/delete`,
];

describe('request bodies', () => {
  let database: TestDatabase;
  let api: ApiClient;
  const errorLog: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(ENGINES[0] as (typeof ENGINES)[number]);
    const app = createApp({ db: database.client, logger: createLogger('error', (line) => errorLog.push(line)) });
    api = createApiClient(app);
  });
  afterAll(() => database.cleanup());
  beforeEach(async () => {
    await database.empty();
    errorLog.length = 0;
  });

  const titles = async () => (await api.listAll()).map((task) => task.title);

  describe('deeply nested JSON', () => {
    test('30,000 levels answer 400 on POST and PATCH /api/tasks, and nothing is stored', async () => {
      const task = await api.createTask({ title: 'kept' });
      const json = { 'content-type': 'application/json' };
      for (const [method, path] of [
        ['POST', '/api/tasks'],
        ['PATCH', `/api/tasks/${task.id}`],
      ] as const) {
        const reply = await api.send(method, path, { body: nestedJson(30_000), headers: json });
        expect(expectErrorReply(reply, 400, 'body').error).toBe('too_deep');
      }
      expect(await titles()).toEqual(['kept']);
      expect(errorLog).toEqual([]);
    });

    test('nesting is refused from 33 levels, before the fields are checked; 32 reach validation', async () => {
      const json = { 'content-type': 'application/json' };
      const tooDeep = await api.post('/api/tasks', { body: nestedJson(32), headers: json });
      expect(expectErrorReply(tooDeep, 400, 'body').message).toContain('32');
      const deepest = await api.post('/api/tasks', { body: nestedJson(31), headers: json });
      expectErrorReply(deepest, 422, 'notes');
    });

    test('brackets inside strings are text, not nesting', async () => {
      const title = `${'['.repeat(40)}{"\\"[`;
      const reply = await api.post('/api/tasks', { json: { title, notes: '{'.repeat(1000) } });
      expect(reply.status).toBe(201);
      expect(await titles()).toEqual([title]);
    });
  });

  describe('the HTML forms take form bodies only', () => {
    const kinds: [string, string, string][] = [
      ['deeply nested JSON', 'application/json', nestedJson(30_000)],
      ['a flat JSON task', 'application/json', '{"title":"sneaked in as JSON"}'],
      ['text/plain', 'text/plain', 'title=sneaked in as text'],
      [
        'multipart/form-data',
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nmultipart\r\n--x--\r\n',
      ],
    ];
    for (const [name, contentType, body] of kinds) {
      test(`${name} answers 415 on every form route: a page for browsers, an alert for htmx, JSON otherwise`, async () => {
        const task = await api.createTask({ title: 'kept' });
        for (const path of FORM_ROUTES(task.id)) {
          const send = (headers: Record<string, string>) =>
            api.post(path, { body, headers: { 'content-type': contentType, ...headers } });
          const page = await send({ accept: 'text/html' });
          expect([path, page.status]).toEqual([path, 415]);
          expect(page.text).toStartWith('<!doctype html>');
          expect(page.text).toContain('application/x-www-form-urlencoded');
          const alert = await send({ 'hx-request': 'true' });
          expect([path, alert.status, alert.headers.get('hx-retarget')]).toEqual([path, 415, '#alerts']);
          expectErrorReply(await send({}), 415, 'content-type');
        }
        expect(await api.getTask(task.id)).toMatchObject({ title: 'kept', status: 'open', version: 1 });
        expect(await titles()).toEqual(['kept']);
        expect(errorLog).toEqual([]);
      });
    }

    test('a urlencoded form, with or without a charset, is read as before', async () => {
      for (const contentType of [
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=UTF-8',
      ]) {
        const reply = await api.post('/tasks', {
          body: new URLSearchParams({ title: `Café ${contentType.length}`, return_to: '/?status=open' }).toString(),
          headers: { 'content-type': contentType },
        });
        expect([reply.status, reply.headers.get('location')]).toEqual([303, '/?status=open']);
      }
      expect((await titles()).toSorted()).toEqual(['Café 33', 'Café 48']);
    });
  });
});
