import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { type App, createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import type { Task } from '../../src/tasks/model';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { createApiClient, ORIGIN, signedInHeaders } from '../support/http';

/**
 * The bulk actions of the task page over HTTP (issue 13): one form after the list, a checkbox per
 * item belonging to it, "Complete selected", "Delete selected" (with Undo) and "Clear completed";
 * all or nothing, a task changed elsewhere named, nothing selected said. With and without htmx.
 */

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** An htmx request from the bulk form, which targets the list region, on the page at `url`. */
const bulkHtmx = (url = '/') => ({
  'hx-request': 'true',
  'hx-current-url': `${ORIGIN}${url}`,
  'hx-target': 'section#task-region',
});
const ticked = (...tasks: Task[]) => tasks.map((task) => ['task', `${task.id}:${task.version}`]);

/** Elements as a browser would nest them: every form inside another form, by the inner one's action. */
async function nestedForms(html: string): Promise<string[]> {
  const open: string[] = [];
  const nested: string[] = [];
  await new HTMLRewriter()
    .on('form', {
      element(element) {
        const action = element.getAttribute('action') ?? '(none)';
        if (open.length) nested.push(action);
        open.push(action);
        element.onEndTag(() => {
          open.pop();
        });
      },
    })
    .transform(new Response(html))
    .text();
  return nested;
}

/** The task checkboxes of some HTML: value, form, label and whether ticked. */
async function checkboxesOf(html: string) {
  const boxes: { value: string; form: string; label: string; checked: boolean }[] = [];
  await new HTMLRewriter()
    .on('input[type="checkbox"][name="task"]', {
      element(element) {
        boxes.push({
          value: element.getAttribute('value') ?? '',
          form: element.getAttribute('form') ?? '',
          label: element.getAttribute('aria-label') ?? '',
          checked: element.hasAttribute('checked'),
        });
      },
    })
    .transform(new Response(html))
    .text();
  return boxes;
}

for (const engine of ENGINES) {
  describe(`bulk actions on the task page, on ${engine.name}`, () => {
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

    async function request(method: string, path: string, init: { headers?: Record<string, string>; body?: string }) {
      const headers = await signedInHeaders(app, path, init.headers);
      const response = await app.handle(new Request(`${ORIGIN}${path}`, { method, ...init, headers }));
      return { response, html: await response.text() };
    }
    const bulk = (fields: string[][], headers: Record<string, string> = {}) =>
      request('POST', '/tasks/bulk', {
        headers: { ...FORM, ...headers },
        body: new URLSearchParams(fields).toString(),
      });
    async function followed(reply: { response: Response }) {
      const cookie = reply.response.headers.get('set-cookie')?.split(';')[0] ?? '';
      return request('GET', reply.response.headers.get('location') ?? '/', { headers: { cookie } });
    }
    const titles = async (query = {}) => (await api.listAll(query)).map((task) => `${task.title} ${task.status}`);

    test('the page: a labelled checkbox per item in the one bulk form after the list, and no form inside another', async () => {
      const milk = await api.createTask({ title: 'Buy milk' });
      const { html } = await request('GET', '/', {});
      expect(await checkboxesOf(html)).toEqual([
        { value: `${milk.id}:1`, form: 'bulk', label: 'Select “Buy milk”', checked: false },
      ]);
      expect(html).toMatch(/<form id="bulk"[^>]* action="\/tasks\/bulk"/);
      expect(html.indexOf('<form id="bulk"')).toBeGreaterThan(html.indexOf('</ul>'));
      for (const name of ['Complete selected', 'Delete selected', 'Clear completed'])
        expect(html).toContain(`>${name}</button>`);
      expect(await nestedForms(html)).toEqual([]);
    });

    test('without JavaScript: complete selected, then delete selected and its Undo, each 303 back with the message', async () => {
      const [a, b, c] = [
        await api.createTask({ title: 'A' }),
        await api.createTask({ title: 'B' }),
        await api.createTask({ title: 'C' }),
      ];
      const done = await bulk([['action', 'complete'], ...ticked(a, b), ['return_to', '/?status=open']]);
      expect([done.response.status, done.response.headers.get('location')]).toEqual([303, '/?status=open']);
      expect((await followed(done)).html).toContain('Completed 2 tasks');
      expect(await titles()).toEqual(['C open', 'B done', 'A done']);

      const [b2, a2] = await api.listAll({ status: 'done' });
      const deleted = await bulk([['action', 'delete'], ...ticked(b2 as Task, c), ['return_to', '/']]);
      expect(deleted.response.status).toBe(303);
      const page = await followed(deleted);
      expect(page.html).toContain('Deleted 2 tasks');
      expect(await titles()).toEqual(['A done']);
      const undo = /<form class="undo" method="post" action="\/tasks\/bulk"[\s\S]*?<\/form>/.exec(page.html)?.[0] ?? '';
      const deletedAt = /name="deleted_at" value="([^"]+)"/.exec(undo)?.[1] ?? '';
      expect(undo).toContain('name="action" value="restore"');
      expect(deletedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const restored = await bulk([
        ['action', 'restore'],
        ['deleted_at', deletedAt],
        ['return_to', '/'],
      ]);
      expect((await followed(restored)).html).toContain('Restored 2 tasks');
      expect(await titles()).toEqual(['C open', 'B done', 'A done']);
      expect(a2?.id).toBe(a.id);
      // The same Undo again finds nothing left to restore, and says so.
      const again = await bulk([
        ['action', 'restore'],
        ['deleted_at', deletedAt],
        ['return_to', '/'],
      ]);
      expect((await followed(again)).html).toContain('Nothing was restored');
    });

    test('clear completed deletes every done task, offers Undo, and says when there was nothing to clear', async () => {
      await api.createTask({ title: 'Open one' });
      for (const title of ['Done one', 'Done two']) {
        const task = await api.createTask({ title });
        await api.send('PATCH', `/api/tasks/${task.id}`, { json: { status: 'done' } });
      }
      const cleared = await bulk(
        [
          ['action', 'clear_completed'],
          ['return_to', '/'],
        ],
        bulkHtmx(),
      );
      expect(cleared.response.status).toBe(200);
      expect(cleared.html).toContain('Cleared 2 completed tasks');
      expect(cleared.html).toMatch(/<form class="undo"[^>]* action="\/tasks\/bulk"/);
      expect(cleared.html).toMatch(/Done <span class="count">0<\/span>/);
      expect(await titles()).toEqual(['Open one open']);
      const nothing = await bulk([['action', 'clear_completed']], bulkHtmx());
      expect(nothing.html).toContain('There were no completed tasks to clear.');
      expect(nothing.html).not.toContain('class="undo"');
    });

    test('with htmx: the region comes back with the counts, the message and its Undo; the restored tasks take the focus', async () => {
      const [a, b] = [await api.createTask({ title: 'A' }), await api.createTask({ title: 'B' })];
      const deleted = await bulk([['action', 'delete'], ...ticked(a, b)], bulkHtmx('/?q=zzz'));
      expect(deleted.response.status).toBe(200);
      expect(deleted.html).toStartWith('<section id="task-region"');
      expect(deleted.html).toMatch(/All <span class="count">0<\/span>/);
      expect(deleted.html).toContain(
        '<hx-partial hx-target="#flash" hx-swap="innerHTML"><div class="message"><p>Deleted 2 tasks</p>',
      );
      const deletedAt = /name="deleted_at" value="([^"]+)"/.exec(deleted.html)?.[1] ?? '';
      const restored = await bulk(
        [
          ['action', 'restore'],
          ['deleted_at', deletedAt],
        ],
        bulkHtmx(),
      );
      expect(restored.html).toContain('Restored 2 tasks');
      // The first of them in the list (newest first) has the focus.
      expect(restored.html).toMatch(new RegExp(`<li id="task-${b.id}"[^>]* data-autofocus`));
      expect(restored.html.match(/data-autofocus/g)).toHaveLength(1);
    });

    test('nothing selected: 422 saying so, as the page without JavaScript and in the alert region with htmx', async () => {
      await api.createTask({ title: 'A' });
      const plain = await bulk([
        ['action', 'delete'],
        ['return_to', '/?status=open'],
      ]);
      expect(plain.response.status).toBe(422);
      expect(plain.html).toStartWith('<!doctype html>');
      expect(plain.html).toContain(
        '<div id="alerts" class="alerts" role="alert"><p>Nothing is selected: tick the tasks to delete first.</p>',
      );
      const htmx = await bulk([['action', 'complete']], bulkHtmx());
      expect(htmx.response.status).toBe(422);
      expect(htmx.html).toContain(
        '<hx-partial hx-target="#alerts" hx-swap="innerHTML"><p>Nothing is selected: tick the tasks to complete first.</p>',
      );
      expect(await titles()).toEqual(['A open']);
    });

    test('a task changed elsewhere refuses the whole change, names it, and keeps the other ticks', async () => {
      const [a, b, c] = [
        await api.createTask({ title: 'Call Alice' }),
        await api.createTask({ title: 'Buy milk' }),
        await api.createTask({ title: 'Water plants' }),
      ];
      await api.send('PATCH', `/api/tasks/${b.id}`, { json: { title: 'Buy oat milk' } });
      for (const headers of [{}, bulkHtmx()]) {
        const refused = await bulk([['action', 'complete'], ...ticked(a, b, c), ['return_to', '/']], headers);
        expect(refused.response.status).toBe(409);
        expect(refused.html).toContain('“Buy oat milk” was changed elsewhere, so nothing was completed.');
        expect(await checkboxesOf(refused.html)).toEqual([
          { value: `${c.id}:1`, form: 'bulk', label: 'Select “Water plants”', checked: true },
          { value: `${b.id}:2`, form: 'bulk', label: 'Select “Buy oat milk”', checked: false },
          { value: `${a.id}:1`, form: 'bulk', label: 'Select “Call Alice”', checked: true },
        ]);
      }
      expect(await titles()).toEqual(['Water plants open', 'Buy oat milk open', 'Call Alice open']);

      await api.send('DELETE', `/api/tasks/${c.id}`);
      const gone = await bulk([['action', 'delete'], ...ticked(a, c)], bulkHtmx());
      expect(gone.response.status).toBe(404);
      expect(gone.html).toContain('Some selected tasks no longer exist, so nothing was deleted.');
      expect(await titles()).toEqual(['Buy oat milk open', 'Call Alice open']);
    });

    test('a selection that cannot be ours is refused with a message, never a crash', async () => {
      const task = await api.createTask({ title: 'A' });
      for (const fields of [
        [
          ['action', 'delete'],
          ['task', 'x:1'],
        ],
        [
          ['action', 'delete'],
          ['task', `${task.id}:1`],
          ['task', `${task.id}:1`],
        ],
        [
          ['action', 'drop_table'],
          ['task', `${task.id}:1`],
        ],
        [
          ['action', 'restore'],
          ['deleted_at', 'yesterday'],
        ],
      ]) {
        const refused = await bulk(fields, bulkHtmx());
        expect({ fields, status: refused.response.status }).toEqual({ fields, status: 422 });
        expect(refused.html).toContain('<hx-partial hx-target="#alerts" hx-swap="innerHTML"><p>');
      }
      expect(await titles()).toEqual(['A open']);
    });
  });
}
