import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { type App, createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { createApiClient, ORIGIN, signedInHeaders } from '../support/http';

/**
 * Undo on the task page over HTTP (issue 13): a delete offers its restore, a completion its reopen,
 * as form buttons in the status message, without JavaScript (a flash cookie, 303s) and with htmx
 * (the list region comes back with the task in it). The browser suites show what people see.
 */

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** An htmx request from the Undo button: it targets the list region, from the page at `url`. */
const undoHtmx = (url = '/') => ({
  'hx-request': 'true',
  'hx-current-url': `${ORIGIN}${url}`,
  'hx-target': 'section#task-region',
});
const itemHtmx = (url = '/') => ({ 'hx-request': 'true', 'hx-current-url': `${ORIGIN}${url}` });

interface UndoFormSeen {
  action: string;
  hxPost: string;
  hxTarget: string;
  fields: Record<string, string>;
}

/** The Undo form in some HTML: where it posts and its fields, read as a browser would. */
async function undoFormOf(html: string): Promise<UndoFormSeen | null> {
  // Typed by assertion: TypeScript would otherwise take the variable for null after the callbacks.
  let form = null as UndoFormSeen | null;
  await new HTMLRewriter()
    .on('form.undo', {
      element(element) {
        form = {
          action: element.getAttribute('action') ?? '',
          hxPost: element.getAttribute('hx-post') ?? '',
          hxTarget: element.getAttribute('hx-target') ?? '',
          fields: {},
        };
      },
    })
    .on('form.undo input[type="hidden"]', {
      element(element) {
        if (form) form.fields[element.getAttribute('name') ?? ''] = element.getAttribute('value') ?? '';
      },
    })
    .transform(new Response(html))
    .text();
  return form;
}

for (const engine of ENGINES) {
  describe(`undo on the task page, on ${engine.name}`, () => {
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
    const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      request('POST', path, { headers: { ...FORM, ...headers }, body: new URLSearchParams(fields).toString() });
    /** The page a 303 leads to, with the flash cookie it set. */
    async function followed(reply: { response: Response }) {
      const location = reply.response.headers.get('location') ?? '';
      const cookie = reply.response.headers.get('set-cookie')?.split(';')[0] ?? '';
      return request('GET', location.split('#')[0] ?? '/', { headers: { cookie } });
    }

    test('without JavaScript: a delete offers Undo, which brings the task back at its anchor with "Restored …"', async () => {
      const task = await api.createTask({ title: 'Buy milk' });
      const deleted = await post(`/tasks/${task.id}/delete`, { version: '1', return_to: '/?status=open' });
      expect(deleted.response.status).toBe(303);
      const next = await followed(deleted);
      expect(next.html).toContain('Deleted “Buy milk”');
      expect(await undoFormOf(next.html)).toEqual({
        action: `/tasks/${task.id}/restore`,
        hxPost: `/tasks/${task.id}/restore`,
        hxTarget: '#task-region',
        fields: { return_to: '/?status=open' },
      });
      expect((await api.send('GET', `/api/tasks/${task.id}`)).status).toBe(404);

      const restored = await post(`/tasks/${task.id}/restore`, { return_to: '/?status=open' });
      expect([restored.response.status, restored.response.headers.get('location')]).toEqual([
        303,
        `/?status=open#task-${task.id}`,
      ]);
      expect(await api.getTask(task.id)).toMatchObject({ title: 'Buy milk', version: 2 });
      const back = await followed(restored);
      expect(back.html).toContain('Restored “Buy milk”');
      expect(back.html).toContain(`<li id="task-${task.id}"`);
      // One message at a time, and this one offers nothing to undo.
      expect(await undoFormOf(back.html)).toBeNull();
    });

    test('with htmx: the delete’s message carries the Undo; Undo answers the region with the task focused, counts and message', async () => {
      const [kept, task] = [await api.createTask({ title: 'Kept' }), await api.createTask({ title: 'Buy milk' })];
      const deleted = await post(`/tasks/${task.id}/delete`, { version: '1' }, itemHtmx('/?status=open'));
      expect(deleted.response.headers.get('hx-reswap')).toBe('delete');
      expect(deleted.html).toContain('<hx-partial hx-target="#flash" hx-swap="innerHTML"><div class="message">');
      expect((await undoFormOf(deleted.html))?.action).toBe(`/tasks/${task.id}/restore`);

      const restored = await post(`/tasks/${task.id}/restore`, {}, undoHtmx('/?status=open'));
      expect(restored.response.status).toBe(200);
      expect(restored.html).toStartWith('<section id="task-region"');
      // Where it belongs (newest first), and the one to take the focus.
      expect(restored.html.indexOf(`<li id="task-${task.id}"`)).toBeLessThan(
        restored.html.indexOf(`<li id="task-${kept.id}"`),
      );
      expect(restored.html).toMatch(new RegExp(`<li id="task-${task.id}"[^>]* data-autofocus`));
      expect(restored.html).toMatch(/Open <span class="count">2<\/span>/);
      expect(restored.html).toContain('<hx-partial hx-target="#flash" hx-swap="innerHTML"><p>Restored “Buy milk”</p>');
      expect(restored.html).toContain('<hx-partial hx-target="#alerts" hx-swap="innerHTML"></hx-partial>');
    });

    test('a completion offers Undo: reopen at the version it left; a change made elsewhere since refuses it', async () => {
      const task = await api.createTask({ title: 'Call Alice' });
      const completed = await post(`/tasks/${task.id}/complete`, { version: '1' }, itemHtmx('/?status=open'));
      expect(await undoFormOf(completed.html)).toEqual({
        action: `/tasks/${task.id}/reopen`,
        hxPost: `/tasks/${task.id}/reopen`,
        hxTarget: '#task-region',
        fields: { version: '2', return_to: '/?status=open' },
      });
      const undone = await post(`/tasks/${task.id}/reopen`, { version: '2' }, undoHtmx('/?status=open'));
      expect(undone.response.status).toBe(200);
      expect(undone.html).toMatch(new RegExp(`<li id="task-${task.id}"[^>]* data-autofocus`));
      expect(undone.html).toContain('Reopened “Call Alice”');
      expect(await api.getTask(task.id)).toMatchObject({ status: 'open', version: 3 });

      const again = await post(`/tasks/${task.id}/complete`, { version: '3', return_to: '/' });
      const page = await followed(again);
      expect((await undoFormOf(page.html))?.fields).toEqual({ version: '4', return_to: '/' });
      await api.send('PATCH', `/api/tasks/${task.id}`, { json: { title: 'Call Alice back' } });
      const stale = await post(`/tasks/${task.id}/reopen`, { version: '4' }, undoHtmx());
      expect(stale.response.status).toBe(409);
      expect(stale.html).toContain('was changed elsewhere, so it was not reopened');
      expect(await api.getTask(task.id)).toMatchObject({ status: 'done', version: 5 });
    });

    test('restoring twice is no error; a task never deleted answers as a missing one, in the alert region', async () => {
      const task = await api.createTask({ title: 'Buy milk' });
      await api.send('DELETE', `/api/tasks/${task.id}`);
      expect((await post(`/tasks/${task.id}/restore`, {}, undoHtmx())).response.status).toBe(200);
      const twice = await post(`/tasks/${task.id}/restore`, {}, undoHtmx());
      expect(twice.response.status).toBe(200);
      expect(await api.getTask(task.id)).toMatchObject({ version: 2 });

      const missing = await post('/tasks/987654/restore', {}, undoHtmx());
      expect(missing.response.status).toBe(404);
      expect(missing.html).toStartWith('<section id="task-region"');
      expect(missing.html).toContain(
        '<hx-partial hx-target="#alerts" hx-swap="innerHTML"><p>That task no longer exists.</p>',
      );
      const plain = await post('/tasks/987654/restore', { return_to: '/' });
      expect((await followed(plain)).html).toContain('That task no longer exists.');
    });

    test('an undo in a flash cookie that is not one of ours is never shown', async () => {
      const forged = (undo: unknown) =>
        `flash=${Buffer.from(JSON.stringify({ kind: 'status', text: 'Deleted “x”', undo })).toString('base64url')}`;
      for (const undo of [
        { path: '/settings/sign-out-everywhere', fields: {} },
        { path: '/tasks/1/restore', fields: { title: 'planted' } },
      ]) {
        const { html } = await request('GET', '/', { headers: { cookie: forged(undo) } });
        expect(html).toContain('Deleted “x”');
        expect(await undoFormOf(html)).toBeNull();
      }
    });
  });
}
