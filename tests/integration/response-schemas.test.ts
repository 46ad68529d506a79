import { afterAll, beforeAll, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { type App, createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import { TaskPageSchema, TaskSchema } from '../../src/tasks/model';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { createApiClient } from '../support/http';

/**
 * GET /api/tasks sends cached bytes, past Elysia's response validation: here its answers,
 * cached or not, are checked against the schema the OpenAPI document publishes.
 */

let database: TestDatabase;
let app: App;
beforeAll(async () => {
  const engine = ENGINES.find((candidate) => candidate.name === 'mysql');
  if (!engine) throw new Error('no mysql engine');
  database = await openTestDatabase(engine);
  app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
});
afterAll(() => database.cleanup());

test('list answers match the published TaskPage schema, first time and from the cache', async () => {
  const api = createApiClient(app);
  await api.createTask({ title: 'Dated', due_date: '2026-12-01', priority: 'high', notes: 'n' });
  const done = await api.createTask({ title: 'Done' });
  await api.send('PATCH', `/api/tasks/${done.id}`, { json: { status: 'done' } });
  for (const query of ['', '?status=done', '?sort=due&limit=1', '?q=dated']) {
    for (const round of ['fresh', 'cached']) {
      const reply = await api.send('GET', `/api/tasks${query}`);
      expect({ query, round, status: reply.status }).toEqual({ query, round, status: 200 });
      expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect([...Value.Errors(TaskPageSchema, reply.body)]).toEqual([]);
    }
  }
  expect(Value.Check(TaskSchema, (await api.send('GET', `/api/tasks/${done.id}`)).body)).toBe(true);
});
