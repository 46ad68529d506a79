import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type App, createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import type { Task } from '../../src/tasks/model';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { createApiClient, ORIGIN, signedInHeaders } from '../support/http';

/**
 * A retried create (nginx failing over, a client retrying) must not make a second task; a key
 * reused for a different create must not pretend to have made it (422, as Stripe answers).
 */

const REUSED_KEY_ALERT = 'This add was already made with different details; nothing was added.';

for (const engine of ENGINES) {
  describe(`Idempotency-Key on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;
    beforeAll(async () => {
      database = await openTestDatabase(engine);
      app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
    });
    afterAll(() => database.cleanup());

    const send = async (key: string | undefined, body: Record<string, unknown>) =>
      app.handle(
        new Request(`${ORIGIN}/api/tasks`, {
          method: 'POST',
          headers: await signedInHeaders(app, '/api/tasks', {
            'content-type': 'application/json',
            ...(key ? { 'idempotency-key': key } : {}),
          }),
          body: JSON.stringify(body),
        }),
      );
    const create = (key: string | undefined, title: string) => send(key, { title });
    const titles = async () => (await createApiClient(app).listAll()).map((task) => task.title);
    const tasksWithTitle = async (title: string) => (await titles()).filter((each) => each === title);

    test('the API: the same key returns the first task, marked as a replay; other keys create', async () => {
      const first = await create('client-retry-1', 'Pay rent');
      const retried = await create('client-retry-1', 'Pay rent');
      expect([first.status, retried.status]).toEqual([201, 201]);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(retried.headers.get('idempotent-replayed')).toBe('true');
      expect(retried.headers.get('location')).toBe(first.headers.get('location'));
      expect(await retried.json()).toEqual(await first.json());
      await create('client-retry-2', 'Pay rent');
      await create(undefined, 'Pay rent');
      await create('not a sane key!', 'Pay rent');
      expect(await tasksWithTitle('Pay rent')).toEqual(['Pay rent', 'Pay rent', 'Pay rent', 'Pay rent']);
    });

    test('the API: a key reused with a different title, notes, priority or due date answers 422 and creates nothing', async () => {
      const original = {
        title: 'Book the venue',
        notes: 'Ask for the big room',
        priority: 'high',
        due_date: '2027-03-01',
      };
      const first = await send('reuse-1', original);
      expect(first.status).toBe(201);
      const made = (await first.json()) as Task;
      const before = await titles();
      for (const change of [
        { title: 'Book the caterer' },
        { notes: 'Ask for the small room' },
        { priority: 'low' },
        { due_date: '2027-03-02' },
        { due_date: null },
      ]) {
        const reused = await send('reuse-1', { ...original, ...change });
        expect({ change, status: reused.status }).toEqual({ change, status: 422 });
        expect(reused.headers.get('idempotent-replayed')).toBeNull();
        expect(reused.headers.get('location')).toBeNull();
        expect(await reused.json()).toEqual({
          error: 'idempotency_key_reused',
          message: expect.stringContaining('different'),
          details: [{ field: 'idempotency-key', message: expect.any(String) }],
        });
      }
      expect(await titles()).toEqual(before);
      expect(await createApiClient(app).getTask(made.id)).toEqual(made);
      // The first request, sent again, still replays.
      const again = await send('reuse-1', original);
      expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    });

    test('the API: a retry that differs only in what the service normalises away replays', async () => {
      const first = await send('normalised-1', { title: 'Call the plumber' });
      const retried = await send('normalised-1', {
        title: '  Call the plumber\t',
        notes: '',
        priority: 'normal',
        due_date: null,
      });
      expect([first.status, retried.status]).toEqual([201, 201]);
      expect(retried.headers.get('idempotent-replayed')).toBe('true');
      expect(((await retried.json()) as Task).id).toBe(((await first.json()) as Task).id);
      expect(await tasksWithTitle('Call the plumber')).toHaveLength(1);
    });

    test('the API: a replay returns the task as it is now, edited since or not', async () => {
      const first = (await (await create('edited-1', 'Renew the passport')).json()) as Task;
      const api = createApiClient(app);
      const edited = await api.send<Task>('PATCH', `/api/tasks/${first.id}`, { json: { status: 'done' } });
      expect(edited.status).toBe(200);
      const retried = await create('edited-1', 'Renew the passport');
      expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
      expect(await retried.json()).toEqual(edited.body);
    });

    test('the API: ten racing creates with one key and two bodies make one task; the rest replay it or get 422', async () => {
      const bodies = [{ title: 'Racing A' }, { title: 'Racing B', priority: 'high' }];
      const answers = await Promise.all(
        Array.from({ length: 10 }, async (_, n) => {
          const response = await send('race-1', bodies[n % 2] as Record<string, unknown>);
          const body = (await response.json()) as Task & { error?: string };
          return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body };
        }),
      );
      const made = [...(await tasksWithTitle('Racing A')), ...(await tasksWithTitle('Racing B'))];
      expect(made).toHaveLength(1);
      const winner = answers.filter((answer) => answer.status === 201);
      const refused = answers.filter((answer) => answer.status === 422);
      expect(winner.length + refused.length).toBe(10);
      expect(winner).toHaveLength(5);
      expect(new Set(winner.map((answer) => answer.body.id)).size).toBe(1);
      expect(winner.map((answer) => answer.body.title)).toEqual(Array(5).fill(made[0]));
      expect(winner.filter((answer) => answer.replayed === 'true')).toHaveLength(4);
      expect(refused.map((answer) => answer.body.error)).toEqual(Array(5).fill('idempotency_key_reused'));
    });

    test('a task made before fingerprints were stored replays for any body under its key', async () => {
      const first = (await (await create('before-fingerprints-1', 'Old task')).json()) as Task;
      // As migration 8 leaves a row it finds: no fingerprint.
      await database.client.execute('UPDATE tasks SET request_fingerprint = NULL WHERE id = ?', [first.id]);
      const retried = await create('before-fingerprints-1', 'Old task, sent differently');
      expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
      expect(((await retried.json()) as Task).id).toBe(first.id);
      expect(await tasksWithTitle('Old task, sent differently')).toEqual([]);
    });

    const postForm = async (key: string, body: string, headers: Record<string, string> = {}) =>
      app.handle(
        new Request(`${ORIGIN}/tasks`, {
          method: 'POST',
          headers: await signedInHeaders(app, '/tasks', {
            'content-type': 'application/x-www-form-urlencoded',
            'idempotency-key': key,
            ...headers,
          }),
          body,
        }),
      );

    test('the form: a retried add with the same key adds one task', async () => {
      expect((await postForm('form-retry-1', 'title=Water+the+plants')).status).toBe(303);
      expect((await postForm('form-retry-1', 'title=Water+the+plants')).status).toBe(303);
      expect(await tasksWithTitle('Water the plants')).toHaveLength(1);
    });

    test('the form without JavaScript: a key reused with other details shows the page with an alert and the input kept', async () => {
      expect((await postForm('form-reuse-1', 'title=Feed+the+cat')).status).toBe(303);
      const reused = await postForm('form-reuse-1', 'title=Feed+the+dog&notes=Twice', { accept: 'text/html' });
      expect(reused.status).toBe(422);
      expect(reused.headers.get('content-type')).toStartWith('text/html');
      const html = await reused.text();
      expect(html).toContain(`role="alert"><p>${REUSED_KEY_ALERT}</p></div>`);
      expect(html).toContain('value="Feed the dog"');
      expect(html).toContain('Twice');
      expect(await tasksWithTitle('Feed the dog')).toEqual([]);
      expect(await tasksWithTitle('Feed the cat')).toHaveLength(1);
    });

    test('the form with htmx: a key reused with other details answers 422 with the alert and the form as typed', async () => {
      expect((await postForm('form-reuse-2', 'title=Wash+the+car', { 'hx-request': 'true' })).status).toBe(201);
      const reused = await postForm('form-reuse-2', 'title=Wash+the+bike', { 'hx-request': 'true' });
      expect(reused.status).toBe(422);
      expect(reused.headers.get('hx-retarget')).toBe('#new-task-form');
      const html = await reused.text();
      expect(html).toContain(
        `<hx-partial hx-target="#alerts" hx-swap="innerHTML"><p>${REUSED_KEY_ALERT}</p></hx-partial>`,
      );
      expect(html).toContain('value="Wash the bike"');
      expect(html).not.toContain('<html');
      expect(await tasksWithTitle('Wash the bike')).toEqual([]);
    });
  });
}
