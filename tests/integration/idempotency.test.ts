import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type App, createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { createApiClient, ORIGIN } from '../support/http';

/** A retried create (nginx failing over, a client retrying) must not make a second task. */

for (const engine of ENGINES) {
  describe(`Idempotency-Key on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;
    beforeAll(async () => {
      database = await openTestDatabase(engine);
      app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
    });
    afterAll(() => database.cleanup());

    const create = (key: string | undefined, title: string) =>
      app.handle(
        new Request(`${ORIGIN}/api/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
          body: JSON.stringify({ title }),
        }),
      );

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
      const titles = (await createApiClient(app).listAll()).map((task) => task.title);
      expect(titles).toEqual(['Pay rent', 'Pay rent', 'Pay rent', 'Pay rent']);
    });

    test('the form: a retried add with the same key adds one task', async () => {
      const post = () =>
        app.handle(
          new Request(`${ORIGIN}/tasks`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'form-retry-1' },
            body: 'title=Water+the+plants',
          }),
        );
      expect((await post()).status).toBe(303);
      expect((await post()).status).toBe(303);
      const titles = (await createApiClient(app).listAll()).map((task) => task.title);
      expect(titles.filter((title) => title === 'Water the plants')).toHaveLength(1);
    });
  });
}
