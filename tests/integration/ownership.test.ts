import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type App, createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import type { Task } from '../../src/tasks/model';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { type Credentials, ORIGIN, PASSWORD, signUp } from '../support/http';

/**
 * Every route but a short public list belongs to someone. The routes are read from the app itself,
 * so a route added later without a case here fails this file by name, and every protected route is
 * called signed out and, when it takes an id, by another account: that account must learn nothing
 * (the answer a missing id gets) and change nothing.
 */

/** Paths anyone may fetch: probes, ops endpoints (nginx keeps them in the VPC), docs, assets, the account forms. */
const PUBLIC_PATHS = [
  /^\/health(\/live)?$/,
  /^\/metrics$/,
  /^\/pool-stats$/,
  /^\/swagger(\/|$)/,
  /^\/static\//,
  /^\/favicon\.ico$/,
  /^\/sign(in|up|out)$/,
];

interface RouteCase {
  /** What the `:id` in the path names: then another account's id must answer as a missing one. */
  owns?: 'task' | 'token';
  /** A JSON body (API) or form fields (pages) that would be accepted from the owner. */
  json?: unknown;
  form?: Record<string, string>;
}

/** How to call each protected route. Its keys must be exactly the app's protected routes. */
const CASES: Record<string, RouteCase> = {
  'GET /api/tokens': {},
  'POST /api/tokens': { json: { name: 'stolen' } },
  'DELETE /api/tokens/:id': { owns: 'token' },
  'GET /api/tasks': {},
  'POST /api/tasks': { json: { title: 'Planted' } },
  'GET /api/tasks/:id': { owns: 'task' },
  'PATCH /api/tasks/:id': { owns: 'task', json: { title: 'Changed by someone else', status: 'done' } },
  'DELETE /api/tasks/:id': { owns: 'task' },
  'POST /api/tasks/:id/restore': { owns: 'task' },
  'POST /api/tasks/bulk': { json: { action: 'clear_completed' } },
  'GET /settings': {},
  'POST /settings/tokens': { form: { name: 'stolen' } },
  'POST /settings/tokens/:id/revoke': { owns: 'token', form: {} },
  'POST /settings/password': { form: { current_password: PASSWORD, new_password: 'a brand new passphrase' } },
  'POST /settings/region': { form: { time_zone: 'Europe/Paris', locale: 'fr-FR' } },
  'POST /settings/browser-region': { form: { time_zone: 'Europe/Paris', locale: 'fr-FR' } },
  'POST /settings/sign-out-everywhere': { form: {} },
  'GET /': {},
  'GET /tasks': {},
  'GET /tasks/preview': {},
  'POST /tasks': { form: { title: 'Planted' } },
  'GET /tasks/:id': { owns: 'task' },
  'GET /tasks/:id/edit': { owns: 'task' },
  'POST /tasks/:id': { owns: 'task', form: { title: 'Changed by someone else', version: '1' } },
  'POST /tasks/:id/complete': { owns: 'task', form: { version: '1' } },
  'POST /tasks/:id/reopen': { owns: 'task', form: { version: '1' } },
  'POST /tasks/:id/delete': { owns: 'task', form: { version: '1' } },
  'GET /api/export.csv': {},
  'GET /api/export.json': {},
  'POST /api/import': { json: { format: 'task-manager/1', tasks: [{ title: 'Planted' }] } },
  'GET /export.csv': {},
  'GET /export.json': {},
  'GET /import': {},
  'POST /import': { form: {} },
  'POST /import/confirm': { form: { content: Buffer.from('title\r\nPlanted\r\n').toString('base64url') } },
  'POST /tasks/:id/restore': { owns: 'task', form: {} },
  'POST /tasks/bulk': { form: { action: 'clear_completed' } },
  'GET /shortcuts': {},
};

/** An id no task or token has (15 digits at most, as the routes accept). */
const MISSING_ID = 900_000_000_001;
const HTMX = { 'hx-request': 'true', 'hx-current-url': `${ORIGIN}/?q=milk` };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };
/** The headers a client acts on; request ids and dates differ between any two answers. */
const TELLING_HEADERS = [
  'content-type',
  'location',
  'hx-location',
  'hx-retarget',
  'hx-reswap',
  'www-authenticate',
  'etag',
  'cache-control',
];

type Route = { method: string; path: string };
const keyOf = (route: Route) => `${route.method} ${route.path}`;
const isPublic = (path: string) => PUBLIC_PATHS.some((pattern) => pattern.test(path));
const isApi = (path: string) => path.startsWith('/api/');

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

for (const engine of ENGINES) {
  describe(`ownership on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;
    let owner: Credentials;
    let other: Credentials;
    let protectedRoutes: Route[];

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      // Task ids far from any count or date in a page, so "the same body apart from the id" is exact.
      await database.client.execute(
        `INSERT INTO tasks (id, title, notes, status, priority, created_at, updated_at, version, owner_id)
         VALUES (7001, 'seed', '', 'open', 2, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, 999999)`,
      );
      await database.client.execute('DELETE FROM tasks WHERE id = 7001');
      app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
      protectedRoutes = app.routes.filter((route) => !isPublic(route.path));
      owner = await signUp(app);
      other = await signUp(app);
    });
    afterAll(() => database.cleanup());

    async function send(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
      const response = await app.handle(new Request(`${ORIGIN}${path}`, { method, headers, body }));
      return { status: response.status, headers: response.headers, text: await response.text() };
    }

    /** Calls a route as a client of its kind would: JSON to /api, a form to pages. */
    function call(route: Route, id: number, headers: Record<string, string>) {
      const routeCase = CASES[keyOf(route)] ?? {};
      const path = route.path.replace(':id', String(id));
      if (routeCase.json !== undefined)
        return send(route.method, path, { ...JSON_TYPE, ...headers }, JSON.stringify(routeCase.json));
      if (routeCase.form !== undefined)
        return send(route.method, path, { ...FORM, ...headers }, new URLSearchParams(routeCase.form).toString());
      return send(route.method, path, headers);
    }

    const bearer = (who: Credentials) => ({ authorization: `Bearer ${who.token}` });
    const browser = (who: Credentials) => ({ cookie: who.cookie });

    async function createTask(
      who: Credentials,
      title: string,
      headers: Record<string, string> = {},
      fields: Partial<Task> = {},
    ) {
      const reply = await send(
        'POST',
        '/api/tasks',
        { ...bearer(who), ...JSON_TYPE, ...headers },
        JSON.stringify({ title, ...fields }),
      );
      expect(reply.status).toBe(201);
      return JSON.parse(reply.text) as Task;
    }
    async function readTask(who: Credentials, id: number) {
      const reply = await send('GET', `/api/tasks/${id}`, bearer(who));
      return { status: reply.status, task: reply.status === 200 ? (JSON.parse(reply.text) as Task) : null };
    }
    async function tokensOf(who: Credentials) {
      const reply = await send('GET', '/api/tokens', bearer(who));
      expect(reply.status).toBe(200);
      return JSON.parse(reply.text) as { id: number; name: string }[];
    }
    async function titlesOf(who: Credentials, query = '') {
      const reply = await send('GET', `/api/tasks${query}`, bearer(who));
      expect(reply.status).toBe(200);
      return (JSON.parse(reply.text) as { items: Task[] }).items.map((task) => task.title).sort();
    }

    test('every protected route has a case here, and every case is a route', () => {
      const routes = protectedRoutes.map(keyOf);
      expect({ protectedRoutesWithoutACase: routes.filter((key) => !(key in CASES)) }).toEqual({
        protectedRoutesWithoutACase: [],
      });
      expect({ casesForNoRoute: Object.keys(CASES).filter((key) => !routes.includes(key)) }).toEqual({
        casesForNoRoute: [],
      });
      // The allow-list stays short: a route cannot slip out of the gate by matching it by accident.
      expect(app.routes.filter((route) => isPublic(route.path)).map(keyOf)).toEqual([
        'GET /health',
        'GET /health/live',
        'GET /metrics',
        'GET /pool-stats',
        'GET /favicon.ico',
        'GET /static/:name',
        'GET /swagger/json',
        'GET /swagger',
        'GET /static/swagger-ui-5.35.0/:file',
        'GET /signup',
        'POST /signup',
        'GET /signin',
        'POST /signin',
        'POST /signout',
      ]);
    });

    describe('signed out', () => {
      let task: Task;
      let tokenIds: number[];
      beforeAll(async () => {
        task = await createTask(owner, 'Signed-out visitors never see this');
        tokenIds = (await tokensOf(owner)).map((token) => token.id);
      });

      test('a page sends the browser to sign in, and says where it was going', async () => {
        for (const route of protectedRoutes.filter((candidate) => !isApi(candidate.path))) {
          const path = route.path.replace(':id', String(task.id));
          const reply = await call(route, task.id, {});
          // A form post has nowhere to return to but the list: its body is gone.
          const returnTo = route.method === 'GET' && path !== '/' ? `?return_to=${encodeURIComponent(path)}` : '';
          expect({ route: keyOf(route), status: reply.status, location: reply.headers.get('location') }).toEqual({
            route: keyOf(route),
            status: 303,
            location: `/signin${returnTo}`,
          });
        }
      });

      test('an htmx request is told where to sign in (401 with HX-Location), back to the page it was on', async () => {
        for (const route of protectedRoutes.filter((candidate) => !isApi(candidate.path))) {
          const reply = await call(route, task.id, HTMX);
          const hxLocation = JSON.parse(reply.headers.get('hx-location') ?? 'null');
          expect({ route: keyOf(route), status: reply.status, hxLocation }).toEqual({
            route: keyOf(route),
            status: 401,
            hxLocation: {
              path: `/signin?return_to=${encodeURIComponent('/?q=milk')}`,
              target: 'body',
              swap: 'outerHTML',
            },
          });
          expect(reply.text).not.toContain(task.title);
        }
      });

      async function expectUnauthorized(headers: Record<string, string>, challenge: RegExp) {
        for (const route of protectedRoutes.filter((candidate) => isApi(candidate.path))) {
          const reply = await call(route, task.id, headers);
          const body = JSON.parse(reply.text);
          expect({ route: keyOf(route), status: reply.status, error: body.error }).toEqual({
            route: keyOf(route),
            status: 401,
            error: 'unauthorized',
          });
          expect(typeof body.message).toBe('string');
          expect(reply.headers.get('content-type')).toContain('application/json');
          expect(reply.headers.get('www-authenticate') ?? '').toMatch(challenge);
          expect(reply.text).not.toContain(task.title);
        }
      }

      test('the API answers 401 JSON with a Bearer challenge', async () => {
        await expectUnauthorized({}, /^Bearer realm="tasks"$/);
      });

      test('a made-up or revoked token is an invalid_token', async () => {
        const invalid = /^Bearer .*error="invalid_token"/;
        await expectUnauthorized({ authorization: 'Bearer tm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, invalid);
        await expectUnauthorized({ authorization: 'Bearer garbage' }, invalid);
        await expectUnauthorized({ authorization: `Basic ${btoa('a:b')}` }, invalid);
        const made = await send('POST', '/api/tokens', { ...bearer(owner), ...JSON_TYPE }, '{"name":"short-lived"}');
        const { id, token } = JSON.parse(made.text);
        expect((await send('DELETE', `/api/tokens/${id}`, bearer(owner))).status).toBe(204);
        await expectUnauthorized({ authorization: `Bearer ${token}` }, invalid);
      });

      test("a session cookie sent to the API from another site is not the user's", async () => {
        await expectUnauthorized({ ...browser(owner), 'sec-fetch-site': 'cross-site' }, /^Bearer realm="tasks"$/);
        await expectUnauthorized({ ...browser(owner), 'sec-fetch-site': 'same-site' }, /^Bearer realm="tasks"$/);
        await expectUnauthorized({ ...browser(owner), origin: 'https://evil.example' }, /^Bearer realm="tasks"$/);
        // The same cookie from our own pages works.
        expect((await send('GET', '/api/tasks', { ...browser(owner), 'sec-fetch-site': 'same-origin' })).status).toBe(
          200,
        );
      });

      test('nothing the signed-out requests tried changed the owner’s task or tokens', async () => {
        expect(await readTask(owner, task.id)).toEqual({ status: 200, task });
        expect((await tokensOf(owner)).map((token) => token.id)).toEqual(tokenIds);
      });
    });

    describe('as another account', () => {
      /** The answer with the id taken out, and the headers a client acts on. */
      function comparable(reply: Answer, id: number) {
        const withoutId = (text: string) => text.replace(new RegExp(`\\b${id}\\b`, 'g'), ':id');
        const headers = Object.fromEntries(
          TELLING_HEADERS.map((name) => [name, withoutId(reply.headers.get(name) ?? '')]),
        );
        const cookies = reply.headers.getSetCookie().map(withoutId);
        return { status: reply.status, headers, cookies, text: withoutId(reply.text) };
      }

      const ways = [
        { name: 'API with a token', api: true, headers: (who: Credentials) => bearer(who) },
        {
          name: 'API with a same-origin session',
          api: true,
          headers: (who: Credentials) => ({ ...browser(who), 'sec-fetch-site': 'same-origin' }),
        },
        { name: 'page', api: false, headers: (who: Credentials) => browser(who) },
        { name: 'htmx', api: false, headers: (who: Credentials) => ({ ...browser(who), ...HTMX }) },
      ];

      for (const owns of ['task', 'token'] as const) {
        test(`another account's ${owns} id answers exactly as a missing one, and stays as it was`, async () => {
          const task = await createTask(owner, 'Only the owner may touch this');
          const ownerTokens = await tokensOf(owner);
          const id = owns === 'task' ? task.id : (ownerTokens[0]?.id as number);
          const routes = protectedRoutes.filter((route) => CASES[keyOf(route)]?.owns === owns);
          expect(routes.length).toBeGreaterThan(0);
          for (const route of routes) {
            for (const way of ways.filter((candidate) => candidate.api === isApi(route.path))) {
              const theirs = comparable(await call(route, id, way.headers(other)), id);
              const missing = comparable(await call(route, MISSING_ID, way.headers(other)), MISSING_ID);
              expect({ route: keyOf(route), way: way.name, ...theirs }).toEqual({
                route: keyOf(route),
                way: way.name,
                ...missing,
              });
              expect(theirs.status).not.toBeLessThan(300);
            }
          }
          expect(await readTask(owner, task.id)).toEqual({ status: 200, task });
          expect(await tokensOf(owner)).toEqual(ownerTokens);
          expect((await send('GET', '/api/tasks', bearer(owner))).status).toBe(200);
        });
      }

      test("another account's deleted task cannot be restored by anyone else: 404 as a missing one", async () => {
        const task = await createTask(owner, 'Deleted by its owner');
        expect((await send('DELETE', `/api/tasks/${task.id}`, bearer(owner))).status).toBe(204);
        for (const route of protectedRoutes.filter((candidate) => candidate.path.endsWith('/restore'))) {
          for (const way of ways.filter((candidate) => candidate.api === isApi(route.path))) {
            const theirs = comparable(await call(route, task.id, way.headers(other)), task.id);
            const missing = comparable(await call(route, MISSING_ID, way.headers(other)), MISSING_ID);
            expect({ route: keyOf(route), way: way.name, ...theirs }).toEqual({
              route: keyOf(route),
              way: way.name,
              ...missing,
            });
          }
        }
        expect((await readTask(owner, task.id)).status).toBe(404);
        expect((await send('POST', `/api/tasks/${task.id}/restore`, bearer(owner))).status).toBe(200);
      });

      test("a bulk change naming another account's tasks answers 404 as for missing ones, and changes nothing", async () => {
        const created = await createTask(owner, 'Not theirs to change in bulk');
        const completed = await send(
          'PATCH',
          `/api/tasks/${created.id}`,
          { ...bearer(owner), ...JSON_TYPE },
          JSON.stringify({ status: 'done' }),
        );
        const task = JSON.parse(completed.text) as Task; // done: clear_completed would take it, were it theirs
        const gone = await createTask(owner, 'Not theirs to restore');
        expect((await send('DELETE', `/api/tasks/${gone.id}`, bearer(owner))).status).toBe(204);
        const bulk = async (json: unknown) =>
          (await send('POST', '/api/tasks/bulk', { ...bearer(other), ...JSON_TYPE }, JSON.stringify(json))).status;
        for (const action of ['complete', 'reopen', 'delete'])
          expect(await bulk({ action, tasks: [{ id: task.id }] })).toBe(404);
        expect(await bulk({ action: 'restore', tasks: [{ id: gone.id }] })).toBe(404);
        expect(await bulk({ action: 'clear_completed' })).toBe(200);
        expect(await readTask(owner, task.id)).toEqual({ status: 200, task });
        expect((await readTask(owner, gone.id)).status).toBe(404);
        expect((await send('POST', `/api/tasks/${gone.id}/restore`, bearer(owner))).status).toBe(200);
      });

      test("the page's bulk form naming another account's task answers exactly as for a missing one, and changes nothing", async () => {
        const task = await createTask(owner, 'Not theirs to tick');
        for (const action of ['complete', 'delete']) {
          for (const way of ways.filter((candidate) => !candidate.api)) {
            const bulkOf = (id: number) =>
              send(
                'POST',
                '/tasks/bulk',
                { ...FORM, ...way.headers(other), 'hx-target': 'section#task-region' },
                new URLSearchParams({ action, task: `${id}:1` }).toString(),
              );
            const theirs = comparable(await bulkOf(task.id), task.id);
            const missing = comparable(await bulkOf(MISSING_ID), MISSING_ID);
            expect({ action, way: way.name, ...theirs }).toEqual({ action, way: way.name, ...missing });
            expect(theirs.status).toBe(404);
          }
        }
        expect(await readTask(owner, task.id)).toEqual({ status: 200, task });
      });

      test('lists, counts and searches show only their own tasks, even from a cache the owner warmed', async () => {
        const word = `zebrafish${engine.name}`;
        const ownerTitles = [`${word} owner one`, `${word} owner two`, `${word} owner three`];
        const reader = await signUp(app);
        // Due today (the accounts' time zone is UTC): the due views would count them, were they shown.
        const today = new Date().toISOString().slice(0, 10);
        for (const title of ownerTitles) await createTask(owner, title, {}, { due_date: today, priority: 'high' });
        await createTask(reader, `${word} reader own`);
        const apiUrls = ['/api/tasks', `/api/tasks?q=${word}`, '/api/tasks?status=open', '/api/tasks?sort=due'];
        const pageUrls = [
          '/',
          `/?q=${word}`,
          '/?status=open',
          `/tasks?q=${word}`,
          '/?due=today',
          '/?due=week&sort=priority',
          '/?priority=high',
        ];

        const warmAsOwner = async () => {
          for (const url of apiUrls) expect((await send('GET', url, bearer(owner))).status).toBe(200);
          for (const url of pageUrls) {
            expect((await send('GET', url, { ...browser(owner), ...HTMX })).status).toBe(200);
            if (!url.startsWith('/tasks')) expect((await send('GET', url, browser(owner))).status).toBe(200);
          }
        };
        const expectReaderSeesOnlyTheirs = async () => {
          for (const url of apiUrls) {
            const titles = await titlesOf(reader, url.slice('/api/tasks'.length));
            expect({ url, titles }).toEqual({ url, titles: [`${word} reader own`] });
          }
          for (const url of pageUrls) {
            for (const headers of [browser(reader), { ...browser(reader), ...HTMX }]) {
              const reply = await send('GET', url, headers);
              if (reply.status === 303) continue; // GET /tasks without htmx is the list's address instead
              expect({ url, status: reply.status }).toEqual({ url, status: 200 });
              for (const title of ownerTitles) expect(reply.text).not.toContain(title);
              expect(reply.text).not.toContain('renamed by the owner');
              // All, Open, Done, then Overdue, Today, This week: the reader's one open task, not the
              // owner's (a page of more items has none; the reader's task is not of high priority).
              const counts = [...reply.text.matchAll(/<span class="count">(\d+)<\/span>/g)].map((match) => match[1]);
              const readers = url.includes('priority=high') ? ['0', '0', '0'] : ['1', '1', '0'];
              if (!url.startsWith('/tasks'))
                expect({ url, counts }).toEqual({ url, counts: [...readers, '0', '0', '0'] });
            }
          }
        };

        await warmAsOwner();
        await expectReaderSeesOnlyTheirs();
        // The owner's change bumps the owner's list version; the reader's pages must still be the reader's.
        const listed = await send('GET', `/api/tasks?q=${word}`, bearer(owner));
        const firstId = (JSON.parse(listed.text) as { items: Task[] }).items[0]?.id;
        const renamed = await send(
          'PATCH',
          `/api/tasks/${firstId}`,
          { ...bearer(owner), ...JSON_TYPE },
          JSON.stringify({ title: `${word} renamed by the owner` }),
        );
        expect(renamed.status).toBe(200);
        await warmAsOwner();
        await expectReaderSeesOnlyTheirs();
      });

      test("reusing another account's Idempotency-Key makes one's own task, never a replay of theirs", async () => {
        const addAs = (who: Credentials, key: string, title: string) =>
          send(
            'POST',
            '/api/tasks',
            { ...bearer(who), ...JSON_TYPE, 'idempotency-key': key },
            JSON.stringify({ title }),
          );
        const theirs = await createTask(owner, 'Owner secret plan', { 'idempotency-key': `same-${engine.name}` });
        await createTask(owner, 'Owner other plan', { 'idempotency-key': `differs-${engine.name}` });
        // The same details under their key, and other details under their other key: both a new task.
        for (const [key, title] of [
          [`same-${engine.name}`, 'Owner secret plan'],
          [`differs-${engine.name}`, 'Something else entirely'],
        ] as const) {
          const reply = await addAs(other, key, title);
          expect({ key, status: reply.status, replayed: reply.headers.get('idempotent-replayed') }).toEqual({
            key,
            status: 201,
            replayed: null,
          });
          const mine = JSON.parse(reply.text) as Task;
          expect(mine.id).not.toBe(theirs.id);
          expect(mine.title).toBe(title);
          expect((await readTask(other, mine.id)).status).toBe(200);
          expect((await readTask(owner, mine.id)).status).toBe(404);
          // The key is now this account's too: the same add again replays this account's own task.
          const again = await addAs(other, key, title);
          expect({ replayed: again.headers.get('idempotent-replayed'), id: JSON.parse(again.text).id }).toEqual({
            replayed: 'true',
            id: mine.id,
          });
        }
        // From the page's form as well.
        const pageKey = `page-${engine.name}`;
        const pageAdd = (who: Credentials) =>
          send(
            'POST',
            '/tasks',
            { ...browser(who), ...FORM, ...HTMX, 'idempotency-key': pageKey },
            new URLSearchParams({ title: 'Added from the page' }).toString(),
          );
        expect((await pageAdd(other)).status).toBe(201);
        expect((await pageAdd(owner)).status).toBe(201);
        const ownerTitles = await titlesOf(owner);
        expect(ownerTitles.filter((title) => title === 'Added from the page')).toHaveLength(1);
        expect(ownerTitles).not.toContain('Something else entirely');
        expect(await readTask(owner, theirs.id)).toEqual({ status: 200, task: theirs });
      });
    });
  });
}
