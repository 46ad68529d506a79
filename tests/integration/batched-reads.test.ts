import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createApp } from '../../src/app';
import type { SqlClient } from '../../src/db/sql-client';
import { createLogger } from '../../src/lib/logger';
import type { Task } from '../../src/tasks/model';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { createApiClient } from '../support/http';

/**
 * Concurrent reads of tasks and of the list's counts share queries (src/db/batched-reads.ts).
 * What a client must never notice: an answer for another task, or an answer older than its request.
 */

for (const engine of ENGINES) {
  describe(`batched reads on ${engine.name}`, () => {
    let database: TestDatabase;
    let statements = 0;
    let api: ReturnType<typeof createApiClient>;

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      const counted: SqlClient = {
        ...database.client,
        query: (sql, params) => {
          statements++;
          return database.client.query(sql, params);
        },
      };
      api = createApiClient(createApp({ db: counted, logger: createLogger('error', () => {}) }));
    });
    afterAll(() => database.cleanup());

    test('300 concurrent GETs of 60 tasks: each answers its own task, in far fewer queries than requests', async () => {
      const tasks: Task[] = [];
      for (let i = 0; i < 60; i++) tasks.push(await api.createTask({ title: `Task ${i} ünïcode`, notes: `n${i}` }));
      const wanted = Array.from({ length: 300 }, (_, i) => tasks[(i * 7) % tasks.length] as Task);
      statements = 0;
      const replies = await Promise.all(wanted.map((task) => api.send<Task>('GET', `/api/tasks/${task.id}`)));
      expect(replies.map((reply) => reply.status)).toEqual(wanted.map(() => 200));
      expect(replies.map((reply) => reply.body)).toEqual(wanted);
      expect(replies.map((reply) => reply.headers.get('etag'))).toEqual(wanted.map((task) => `"${task.version}"`));
      if (engine.name === 'mysql') expect(statements).toBeLessThan(100);
      const missing = await Promise.all([
        api.send('GET', '/api/tasks/999999'),
        api.send('GET', `/api/tasks/${tasks[0]?.id}`),
      ]);
      expect(missing.map((reply) => reply.status)).toEqual([404, 200]);
    });

    test('a read sent after a change answers the change, while other reads keep batches running', async () => {
      const task = await api.createTask({ title: 'Version 0' });
      let reading = true;
      // Steady reads of the same task and list, so a batch is nearly always in flight.
      const readers = Array.from({ length: 12 }, async (_, i) => {
        while (reading) await api.send('GET', i % 3 ? `/api/tasks/${task.id}` : '/api/tasks?status=open');
      });
      try {
        for (let round = 1; round <= 30; round++) {
          const changed = await api.send('PATCH', `/api/tasks/${task.id}`, { json: { title: `Version ${round}` } });
          expect(changed.status).toBe(200);
          const [after, list] = await Promise.all([
            api.send<Task>('GET', `/api/tasks/${task.id}`),
            api.send<{ items: Task[] }>('GET', '/api/tasks?status=open'),
          ]);
          expect(after.body.title).toBe(`Version ${round}`);
          expect(list.body.items.find((item) => item.id === task.id)?.title).toBe(`Version ${round}`);
        }
      } finally {
        reading = false;
        await Promise.all(readers);
      }
    });
  });
}
