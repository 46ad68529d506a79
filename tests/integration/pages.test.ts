import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { type App, createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { createApiClient, ORIGIN, signedInHeaders, signUp } from '../support/http';
import { INVISIBLE_TITLES, VISIBLE_AMONG_INVISIBLE } from '../support/invisible-titles';

/**
 * The HTML side over HTTP, without a browser: full pages, htmx fragments, plain-form redirects,
 * flash cookies and the 4xx answers. The browser suites (tests/e2e) cover what people see.
 */

const HTMX = { 'hx-request': 'true' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Parses HTML as a browser would and counts elements of one kind. */
async function elementsNamed(tag: string, html: string): Promise<number> {
  let count = 0;
  await new HTMLRewriter()
    .on(tag, {
      element() {
        count++;
      },
    })
    .transform(new Response(html))
    .text();
  return count;
}

// The character references we write; a bare `&` is refused, since a browser may read it as the
// start of one (`&copy 2026` shows as `© 2026`).
const REFERENCES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };

/** An attribute value as the browser reads it, refusing any `&` that does not start a reference. */
function decodeAttribute(raw: string): string {
  return raw.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot));|&/gi, (bare, decimal, hex, name) => {
    if (decimal) return String.fromCodePoint(Number(decimal));
    if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
    if (name) return REFERENCES[name.toLowerCase()] ?? bare;
    throw new Error(`a bare "&" in the attribute value ${JSON.stringify(raw)}`);
  });
}

/** Every attribute of every element, as `name=value` with the value decoded, read by HTMLRewriter. */
async function attributesOf(html: string): Promise<string[]> {
  const attributes: string[] = [];
  await new HTMLRewriter()
    .on('*', {
      element(element) {
        for (const [name, value] of element.attributes) attributes.push(`${name}=${decodeAttribute(value)}`);
      },
    })
    .transform(new Response(html))
    .text();
  return attributes;
}

for (const engine of ENGINES) {
  describe(`task pages on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;
    let api: ReturnType<typeof createApiClient>;

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
      api = createApiClient(app);
    });
    afterAll(() => database.cleanup());
    beforeEach(() => database.empty());

    async function request(
      method: string,
      path: string,
      init: { headers?: Record<string, string>; body?: string } = {},
    ) {
      const headers = await signedInHeaders(app, path, init.headers);
      const response = await app.handle(new Request(`${ORIGIN}${path}`, { method, ...init, headers }));
      return { response, html: await response.text() };
    }

    const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      request('POST', path, { headers: { ...FORM, ...headers }, body: form(fields) });

    test('GET / is a whole page; with HX-Request it is the task region only, and caches keep them apart', async () => {
      await api.createTask({ title: 'Buy milk' });
      const full = await request('GET', '/');
      expect(full.response.status).toBe(200);
      expect(full.response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(full.response.headers.get('vary')).toContain('HX-Request');
      expect(full.html).toStartWith('<!doctype html><html lang="en">');
      expect(full.html).toContain('<h1>Tasks</h1>');
      expect(full.html).toContain('Buy milk');

      const region = await request('GET', '/?status=open', { headers: HTMX });
      expect(region.html).toStartWith('<section id="task-region"');
      expect(region.html).not.toContain('<html');
      expect(region.html).toContain('aria-current="page"');

      const restore = await request('GET', '/', { headers: { ...HTMX, 'hx-history-restore-request': 'true' } });
      expect(restore.html).toStartWith('<!doctype html>');
    });

    test('every page carries the strict CSP and loads only hashed, immutable assets from /static', async () => {
      const { response, html } = await request('GET', '/');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self';");
      expect(html).not.toMatch(/<script>|<style|style="/);
      const assets = [...html.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)].map((match) => match[1] ?? '');
      expect(assets).toHaveLength(4);
      for (const asset of assets) {
        expect(asset).toMatch(/^\/static\/(app|htmx|favicon)\.[0-9a-f]{12}\.(css|js|ico)$/);
        const served = await request('GET', asset);
        expect(served.response.status).toBe(200);
        expect(served.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      }
      expect((await request('GET', '/static/app.000000000000.css')).response.status).toBe(404);
      expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    });

    test('adding without JavaScript: 303 back to the same filtered page with a one-time flash', async () => {
      const { response } = await post('/tasks', { title: '  Buy milk  ', return_to: '/?status=open&q=milk' });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/?status=open&q=milk');
      const cookie = response.headers.get('set-cookie') ?? '';
      expect(cookie).toContain('HttpOnly');
      expect((await api.listAll()).map((task) => task.title)).toEqual(['Buy milk']);

      const next = await request('GET', '/?status=open&q=milk', { headers: { cookie: cookie.split(';')[0] ?? '' } });
      expect(next.html).toContain('Added “Buy milk”');
      expect(next.response.headers.get('set-cookie')).toContain('Max-Age=0');
      // The title field has the focus again, for the next task; a plain visit puts it nowhere.
      expect(next.html).toMatch(/<input id="new-title"[^>]* autofocus/);
      expect((await request('GET', '/?status=open&q=milk')).html).not.toContain('autofocus');
    });

    test('adding with htmx answers 201 with the new item, the counts and the message, never the form', async () => {
      const { response, html } = await post('/tasks', { title: 'Buy milk', priority: 'high' }, HTMX);
      expect(response.status).toBe(201);
      expect(html).toStartWith('<li id="task-');
      expect(html).toContain('<hx-partial hx-target="#status-filters"');
      expect(html).toMatch(/Open <span class="count">1<\/span>/);
      // The user may be typing the next task into the form already: the answer leaves it alone.
      expect(html).not.toContain('new-task-form');
      expect(html).toContain('Added “Buy milk”');
    });

    test('an invalid new task is re-rendered with 422, its message at the field and the input kept', async () => {
      const plain = await post('/tasks', { title: '   ', notes: 'keep these notes', due_date: '2026-02-30' });
      expect(plain.response.status).toBe(422);
      expect(plain.html).toContain('<!doctype html>');
      expect(plain.html).toContain('id="new-title-error"');
      expect(plain.html).toContain('Must not be empty');
      expect(plain.html).toContain('keep these notes');
      expect(plain.html).toContain('aria-invalid="true"');

      const htmx = await post('/tasks', { title: 'x'.repeat(201) }, HTMX);
      expect(htmx.response.status).toBe(422);
      expect(htmx.response.headers.get('hx-retarget')).toBe('#new-task-form');
      expect(htmx.html).toStartWith('<form id="new-task-form"');
      expect(htmx.html).toContain('at most 200 characters');
      // One message at a time: an earlier "Added …" goes.
      expect(htmx.html).toContain('<hx-partial hx-target="#flash" hx-swap="innerHTML"></hx-partial>');
      expect(await api.listAll()).toEqual([]);
    });

    test('a title of invisible characters only is refused as empty by both forms; with something visible it is kept', async () => {
      const task = await api.createTask({ title: 'Before' });
      for (const [name, title] of INVISIBLE_TITLES) {
        const added = await post('/tasks', { title });
        const edited = await post(`/tasks/${task.id}`, { title, version: '1' });
        for (const { response, html } of [added, edited]) {
          expect({ name, status: response.status, empty: html.includes('Must not be empty') }).toEqual({
            name,
            status: 422,
            empty: true,
          });
        }
      }
      expect((await api.listAll()).map(({ title, version }) => ({ title, version }))).toEqual([
        { title: 'Before', version: 1 },
      ]);
      for (const title of VISIBLE_AMONG_INVISIBLE) expect((await post('/tasks', { title })).response.status).toBe(303);
      const kept = (await api.listAll()).map((stored) => stored.title).slice(0, -1);
      expect(kept).toEqual(VISIBLE_AMONG_INVISIBLE.toReversed());
    });

    test('complete, reopen, edit and delete work as plain forms and keep the view', async () => {
      const task = await api.createTask({ title: 'Call Alice' });
      const back = { return_to: '/?status=open' };
      let reply = await post(`/tasks/${task.id}/complete`, { ...back, version: '1' });
      // Back at the view, where the task stood: it left "Open", and no task is left, so at the heading.
      const backAt = (anchor: string) => [303, `/?status=open#${anchor}`];
      expect([reply.response.status, reply.response.headers.get('location')]).toEqual(backAt('task-list-heading'));
      expect(await api.getTask(task.id)).toMatchObject({ status: 'done', version: 2 });

      reply = await post(`/tasks/${task.id}/reopen`, { ...back, version: '2' });
      expect([reply.response.status, reply.response.headers.get('location')]).toEqual(backAt(`task-${task.id}`));
      expect(await api.getTask(task.id)).toMatchObject({ status: 'open', version: 3 });

      reply = await post(`/tasks/${task.id}`, {
        ...back,
        version: '3',
        title: 'Call Alice back',
        notes: 'n',
        priority: 'low',
        due_date: '2027-01-02',
      });
      expect(reply.response.status).toBe(303);
      expect(await api.getTask(task.id)).toMatchObject({
        title: 'Call Alice back',
        priority: 'low',
        due_date: '2027-01-02',
      });

      reply = await post(`/tasks/${task.id}/delete`, { ...back, version: '4' });
      expect(reply.response.status).toBe(303);
      expect((await api.send('GET', `/api/tasks/${task.id}`)).status).toBe(404);
    });

    test('completing under "Open" with htmx removes the item from that view and updates the counts', async () => {
      const task = await api.createTask({ title: 'Call Alice' });
      const { response, html } = await post(
        `/tasks/${task.id}/complete`,
        { version: '1' },
        {
          ...HTMX,
          'hx-current-url': 'http://localhost/?status=open',
        },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('hx-reswap')).toBe('delete');
      expect(html).not.toContain('<li id="task-');
      expect(html).toMatch(/Done <span class="count">1<\/span>/);

      const underAll = await post(
        `/tasks/${task.id}/reopen`,
        { version: '2' },
        { ...HTMX, 'hx-current-url': 'http://localhost/' },
      );
      expect(underAll.html).toStartWith(`<li id="task-${task.id}"`);
      expect(underAll.html).toContain('>Complete</button>');
    });

    test('a stale version changes nothing: 409 with the current values and the user input kept', async () => {
      const task = await api.createTask({ title: 'Original' });
      await api.send('PATCH', `/api/tasks/${task.id}`, { json: { title: 'Changed elsewhere' } });

      const edit = await post(`/tasks/${task.id}`, {
        version: '1',
        title: 'My edit',
        notes: '',
        priority: 'normal',
        due_date: '',
      });
      expect(edit.response.status).toBe(409);
      expect(edit.html).toContain('This task was changed elsewhere');
      expect(edit.html).toContain('Changed elsewhere');
      expect(edit.html).toContain('value="My edit"');
      expect(edit.html).toContain('name="version" value="2"');
      expect(await api.getTask(task.id)).toMatchObject({ title: 'Changed elsewhere', version: 2 });

      const complete = await post(`/tasks/${task.id}/complete`, { version: '1' }, HTMX);
      expect(complete.response.status).toBe(409);
      expect(complete.html).toContain('was changed elsewhere, so it was not completed');
      expect(await api.getTask(task.id)).toMatchObject({ status: 'open' });

      const remove = await post(`/tasks/${task.id}/delete`, { version: '1', return_to: '/' });
      expect(remove.response.status).toBe(303);
      const cookie = remove.response.headers.get('set-cookie')?.split(';')[0] ?? '';
      expect((await request('GET', '/', { headers: { cookie } })).html).toContain('was not deleted');
      expect((await api.send('GET', `/api/tasks/${task.id}`)).status).toBe(200);
    });

    test('htmx errors go to the alert region, never into the list item', async () => {
      const missing = await post('/tasks/987654/complete', { version: '1' }, HTMX);
      expect(missing.response.status).toBe(404);
      expect(missing.response.headers.get('hx-reswap')).toBe('delete');
      expect(missing.html).toContain(
        '<hx-partial hx-target="#alerts" hx-swap="innerHTML"><p>That task no longer exists.</p>',
      );

      const edit = await request('GET', '/tasks/987654/edit', { headers: HTMX });
      expect(edit.response.status).toBe(404);
      expect(edit.response.headers.get('hx-retarget')).toBe('#alerts');
      expect(edit.html).toStartWith('<p>');

      const page = await request('GET', '/tasks/987654/edit', { headers: { accept: 'text/html' } });
      expect(page.response.status).toBe(404);
      expect(page.html).toContain('<h1>Not found</h1>');
    });

    test('user text is escaped everywhere: page, fragments, edit form and flash', async () => {
      const evil = '<img src=x onerror=alert(1)>';
      const escaped = '&lt;img src=x onerror=alert(1)&gt;';
      const created = await post('/tasks', { title: evil }, HTMX);
      expect(created.html).toContain(escaped);
      const task = (await api.listAll())[0];
      const views = [
        created.html,
        (await request('GET', '/')).html,
        (await request('GET', `/tasks/${task?.id}/edit`)).html,
        (await request('GET', `/tasks/${task?.id}/edit`, { headers: HTMX })).html,
        (await post(`/tasks/${task?.id}/complete`, { version: '1' }, HTMX)).html,
      ];
      for (const html of views) {
        // Shown, as text or a quoted attribute value, but never parsed into an element.
        expect(html).toContain('img src=x onerror=alert(1)');
        expect(await elementsNamed('img', html)).toBe(0);
      }
    });

    test('every attribute reads back as the text stored: "&amp;" in a title, "&" in a return_to', async () => {
      const title = 'Tom &amp; Jerry &lt;3 &copy 2026';
      const task = await api.createTask({ title });
      const returnTo = '/?status=open&q=Jerry';
      const list = await request('GET', returnTo);
      expect(list.html).toContain('aria-label="Edit Tom &amp;amp; Jerry &amp;lt;3 &amp;copy 2026"');
      expect(await attributesOf(list.html)).toEqual(
        expect.arrayContaining([
          `aria-label=Complete ${title}`,
          `aria-label=Edit ${title}`,
          `aria-label=Delete ${title}`,
          `hx-confirm=Delete “${title}”?`,
          `value=${returnTo}`,
        ]),
      );
      const editPage = await request('GET', `/tasks/${task.id}/edit?${new URLSearchParams({ return_to: returnTo })}`);
      const inline = await request('GET', `/tasks/${task.id}/edit`, {
        headers: { ...HTMX, 'hx-current-url': `${ORIGIN}${returnTo}` },
      });
      for (const { html } of [editPage, inline]) {
        const attributes = await attributesOf(html);
        expect(attributes).toEqual(expect.arrayContaining([`value=${title}`, `aria-label=Edit ${title}`]));
        expect(attributes.filter((attribute) => attribute.startsWith('value=/'))).toEqual([`value=${returnTo}`]);
      }
    });

    test('a crafted return_to never leads off-site, and cross-site form posts are refused', async () => {
      const offsite = await post('/tasks', { title: 'x', return_to: 'https://evil.example/phish' });
      expect(offsite.response.headers.get('location')).toBe('/');
      const crossSite = await post(
        '/tasks',
        { title: 'forged' },
        { 'sec-fetch-site': 'cross-site', accept: 'text/html' },
      );
      expect(crossSite.response.status).toBe(403);
      expect((await api.listAll()).map((task) => task.title)).toEqual(['x']);
    });

    test('a browser that accepts gzip gets the list page gzipped, identical once unpacked; others get it plain', async () => {
      for (let i = 1; i <= 30; i++) await api.createTask({ title: `Task ${i}`, notes: 'Ünïcode <notes> & more' });
      const gzipped = async (path: string, headers: Record<string, string> = {}) => {
        const signedIn = await signedInHeaders(app, path, { 'accept-encoding': 'gzip, deflate, br, zstd', ...headers });
        const response = await app.handle(new Request(`${ORIGIN}${path}`, { headers: signedIn }));
        expect(response.headers.get('content-encoding')).toBe('gzip');
        expect(response.headers.get('vary')).toContain('Accept-Encoding');
        const bytes = new Uint8Array(await response.arrayBuffer());
        return { bytes: bytes.byteLength, html: new TextDecoder().decode(Bun.gunzipSync(bytes)) };
      };
      for (const [path, headers] of [
        ['/', {}],
        ['/?status=open', HTMX],
      ] as const) {
        const plain = await request('GET', path, { headers });
        expect(plain.response.headers.get('content-encoding')).toBeNull();
        const first = await gzipped(path, headers);
        expect(first.html).toBe(plain.html);
        expect(first.bytes).toBeLessThan(plain.html.length / 5);
        expect((await gzipped(path, headers)).html).toBe(plain.html); // from the cache
      }
      await api.createTask({ title: 'Added after caching' });
      expect((await gzipped('/')).html).toContain('Added after caching');
      expect((await request('GET', '/')).html).toContain('Added after caching');
    });

    test('"Load more" pages through every task once, 50 at a time', async () => {
      for (let i = 1; i <= 55; i++) await api.createTask({ title: `Task ${i}` });
      const first = await request('GET', '/');
      expect(first.html.match(/<li id="task-/g)).toHaveLength(50);
      const next = /<a href="(\/\?cursor=[^"]+)" hx-get="(\/tasks\?cursor=[^"]+)"/.exec(first.html);
      expect(next).not.toBeNull();
      const more = await request('GET', next?.[2] ?? '', { headers: HTMX });
      expect(more.html.match(/<li id="task-/g)).toHaveLength(5);
      expect(more.html).toContain('<hx-partial hx-target="#pager" hx-swap="outerHTML"><nav id="pager"');
      expect(more.html).not.toContain('Load more');
      const secondPage = await request('GET', next?.[1] ?? '');
      expect(secondPage.html).toContain('Task 1<');
      expect(secondPage.html).toContain('Back to the first page');
    });
  });
}

describe('cached list pages (HTML and JSON) across two instances', () => {
  test('a change made through one instance shows at once on the other, whose page was cached', async () => {
    const engine = ENGINES.find((candidate) => candidate.name === 'mysql');
    if (!engine) throw new Error('no mysql engine');
    const database = await openTestDatabase(engine);
    try {
      const logger = createLogger('error', () => {});
      const [first, second] = [createApp({ db: database.client, logger }), createApp({ db: database.client, logger })];
      // One account, signed in through either instance (sessions live in the shared database).
      const account = await signUp(second);
      const pageOf = async (app: App) =>
        (await app.handle(new Request(`${ORIGIN}/?status=open`, { headers: { cookie: account.cookie } }))).text();
      await createApiClient(second, { as: account }).createTask({ title: 'Before the cache' });
      const before = await pageOf(first);
      expect(await pageOf(first)).toBe(before); // served again, from the cache
      expect(before).toContain('Before the cache');

      const listed = async () => (await createApiClient(first, { as: account }).listAll()).map((task) => task.title);
      expect(await listed()).toEqual(['Before the cache']);

      const api = createApiClient(second, { as: account });
      const added = await api.createTask({ title: 'Added on the other instance' });
      expect(await pageOf(first)).toContain('Added on the other instance');
      expect(await listed()).toEqual(['Added on the other instance', 'Before the cache']);
      await api.send('PATCH', `/api/tasks/${added.id}`, { json: { title: 'Renamed elsewhere' } });
      const renamed = await pageOf(first);
      expect(renamed).toContain('Renamed elsewhere');
      expect(await listed()).toEqual(['Renamed elsewhere', 'Before the cache']);
      expect(renamed).not.toContain('Added on the other instance');
      await api.send('PATCH', `/api/tasks/${added.id}`, { json: { status: 'done' } });
      expect(await pageOf(first)).not.toContain('Renamed elsewhere');
      await api.send('DELETE', '/api/tasks/1');
      expect(await pageOf(first)).not.toContain('Before the cache');
    } finally {
      await database.cleanup();
    }
  });
});
