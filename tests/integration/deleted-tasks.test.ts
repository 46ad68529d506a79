import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { NotFoundError } from '../../src/lib/domain-errors';
import { DELETED_KEPT_DAYS } from '../../src/tasks/model';
import { createTaskService } from '../../src/tasks/service';
import { createTaskStore } from '../../src/tasks/store';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';

const OWNER = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

for (const engine of ENGINES) {
  describe(`deleted tasks on ${engine.name}`, () => {
    let database: TestDatabase;
    let now = new Date('2026-12-01T09:00:00.000Z');
    const later = (days: number) => {
      now = new Date(now.getTime() + days * DAY_MS);
    };
    beforeAll(async () => {
      database = await openTestDatabase(engine);
    });
    afterAll(() => database.cleanup());

    const kept = async () =>
      Number((await database.client.query<{ n: number }>('SELECT COUNT(*) AS n FROM deleted_tasks'))[0]?.n);

    test(`can be restored for ${DELETED_KEPT_DAYS} days, then are purged for good by a later delete`, async () => {
      const service = createTaskService(createTaskStore(database.client), () => now);
      const first = (await service.createTask(OWNER, { title: 'Deleted first' })).task;
      const second = (await service.createTask(OWNER, { title: 'Deleted on the last day' })).task;
      await service.deleteTask(OWNER, first.id);
      later(DELETED_KEPT_DAYS - 1);
      await service.deleteTask(OWNER, second.id);
      expect(await kept()).toBe(2);

      later(2); // the first is past its days, the second is not
      await expect(service.restoreTask(OWNER, first.id)).rejects.toBeInstanceOf(NotFoundError);
      expect((await service.restoreTask(OWNER, second.id)).title).toBe('Deleted on the last day');

      const third = (await service.createTask(OWNER, { title: 'Its delete purges' })).task;
      await service.deleteTask(OWNER, third.id);
      const left = await database.client.query<{ id: number }>('SELECT id FROM deleted_tasks');
      expect(left.map((row) => Number(row.id))).toEqual([third.id]);
    });
  });
}
