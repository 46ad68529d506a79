import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import type { Task, TaskSort } from '../../src/tasks/model';
import { searchTerms } from '../../src/tasks/search';
import {
  claimUnownedTasks,
  createTaskStore,
  type ImportedTask,
  type ListFilter,
  type ListPosition,
  type NewTask,
  type TaskStore,
} from '../../src/tasks/store';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';

/** One store contract, run unchanged against every engine. */

type Unowned<F> = F extends (owner: number, ...rest: infer Rest) => infer Result ? (...rest: Rest) => Result : never;
/** The store as one account sees it: every call made with that account's id as the owner. */
type OwnedStore = { [Name in Exclude<keyof TaskStore, 'purgeDeleted'>]: Unowned<TaskStore[Name]> };

function ownedBy(store: TaskStore, owner: number): OwnedStore {
  return {
    readStats: () => store.readStats(owner),
    countByStatus: (...rest) => store.countByStatus(owner, ...rest),
    countDue: (...rest) => store.countDue(owner, ...rest),
    insert: (...rest) => store.insert(owner, ...rest),
    findById: (...rest) => store.findById(owner, ...rest),
    list: (...rest) => store.list(owner, ...rest),
    update: (...rest) => store.update(owner, ...rest),
    remove: (...rest) => store.remove(owner, ...rest),
    restore: (...rest) => store.restore(owner, ...rest),
    setStatusOf: (...rest) => store.setStatusOf(owner, ...rest),
    removeMany: (...rest) => store.removeMany(owner, ...rest),
    restoreMany: (...rest) => store.restoreMany(owner, ...rest),
    takenRequestKeys: (...rest) => store.takenRequestKeys(owner, ...rest),
    insertMany: (...rest) => store.insertMany(owner, ...rest),
  };
}

const OWNER = 7;
const OTHER_OWNER = 8;

const NOW = new Date('2026-11-20T10:00:00.000Z');
const LATER = new Date('2026-11-21T11:30:00.500Z');
const ALL: ListFilter = { status: 'all' };

const newTask = (overrides: Partial<NewTask> = {}): NewTask => ({
  title: 'Write the report',
  notes: '',
  priority: 'normal',
  due_date: null,
  ...overrides,
});

// Fingerprints as the service makes them: 64 hex digits (SHA-256).
const FINGERPRINT = { a: 'a'.repeat(64), b: '0123456789abcdef'.repeat(4) };
const requestFor = (key: string, which: keyof typeof FINGERPRINT) => ({ key, fingerprint: FINGERPRINT[which] });

function positionAfter(sort: TaskSort, task: Task): ListPosition {
  if (sort === 'priority') return { sort, priority: task.priority, id: task.id };
  if (sort === 'due') return { sort, due_date: task.due_date, id: task.id };
  return { sort, id: task.id };
}

async function walkAllPages(store: OwnedStore, filter: ListFilter, sort: TaskSort, pageSize: number) {
  const seen: Task[] = [];
  let after: ListPosition | null = null;
  for (let page = 0; page < 100; page++) {
    const rows = await store.list(filter, sort, after, pageSize);
    seen.push(...rows);
    const last = rows.at(-1);
    if (rows.length < pageSize || !last) return seen;
    after = positionAfter(sort, last);
  }
  throw new Error('paging did not end');
}

for (const engine of ENGINES) {
  describe(`task store on ${engine.name}`, () => {
    let database: TestDatabase;
    let store: OwnedStore;

    const insert = async (task: NewTask, now: Date) => (await store.insert(task, now)).task;

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      store = ownedBy(createTaskStore(database.client), OWNER);
    });
    afterAll(() => database.cleanup());
    beforeEach(() => database.empty());

    test('insert returns the stored task with version 1 and its timestamps', async () => {
      const task = await insert(newTask({ notes: 'n', priority: 'high', due_date: '2026-12-31' }), NOW);
      expect(task).toEqual({
        id: expect.any(Number),
        title: 'Write the report',
        notes: 'n',
        status: 'open',
        priority: 'high',
        due_date: '2026-12-31',
        created_at: '2026-11-20T10:00:00.000Z',
        updated_at: '2026-11-20T10:00:00.000Z',
        completed_at: null,
        version: 1,
      });
      expect(await store.findById(task.id)).toEqual(task);
    });

    test('an insert repeated with the same request key returns the first task and its fingerprint, and stores one row', async () => {
      const first = await store.insert(newTask({ title: 'Once' }), NOW, requestFor('retry-key-1', 'a'));
      const again = await store.insert(newTask({ title: 'Once, retried' }), LATER, requestFor('retry-key-1', 'b'));
      expect(first).toEqual({ task: first.task, replayed: false });
      // The store stores and hands back; whether 'b' may replay 'a' is the service's rule.
      expect(again).toEqual({ task: first.task, replayed: true, fingerprint: FINGERPRINT.a });
      const other = await store.insert(newTask({ title: 'Other' }), NOW, requestFor('retry-key-2', 'b'));
      expect(other.task.id).not.toBe(first.task.id);
      expect((await store.list(ALL, 'created', null, 10)).map((task) => task.title)).toEqual(['Other', 'Once']);
    });

    test('creates sent at once share commits, yet each gets the id of its own row, counted once', async () => {
      const titles = Array.from({ length: 60 }, (_, at) => `Burst ${at}`);
      const created = await Promise.all(titles.map((title) => insert(newTask({ title }), NOW)));
      expect(created.map((task) => task.title)).toEqual(titles);
      expect(new Set(created.map((task) => task.id)).size).toBe(titles.length);
      for (const task of created) expect(await store.findById(task.id)).toEqual(task);
      expect((await store.readStats()).counts).toEqual({ open: titles.length, done: 0 });
    });

    test('in a burst, a reused request key replays and a duplicate never costs its neighbours their tasks', async () => {
      const first = await store.insert(newTask({ title: 'Keyed' }), NOW, requestFor('burst-key', 'a'));
      const burst = await Promise.all([
        store.insert(newTask({ title: 'Neighbour 1' }), NOW),
        store.insert(newTask({ title: 'Keyed, retried' }), LATER, requestFor('burst-key', 'a')),
        store.insert(newTask({ title: 'Neighbour 2' }), NOW, requestFor('burst-other', 'b')),
        store.insert(newTask({ title: 'Keyed twice in one burst' }), NOW, requestFor('burst-twice', 'b')),
        store.insert(newTask({ title: 'Keyed twice in one burst' }), NOW, requestFor('burst-twice', 'b')),
      ]);
      expect(burst[1]).toEqual({ task: first.task, replayed: true, fingerprint: FINGERPRINT.a });
      const [twice, again] = [burst[3], burst[4]];
      expect([twice?.task.id === again?.task.id, [twice?.replayed, again?.replayed].sort()]).toEqual([
        true,
        [false, true],
      ]);
      const titles = (await store.list(ALL, 'created', null, 10)).map((task) => task.title).sort();
      expect(titles).toEqual(['Keyed', 'Keyed twice in one burst', 'Neighbour 1', 'Neighbour 2']);
      expect((await store.readStats()).counts).toEqual({ open: 4, done: 0 });
    });

    test('request keys are exact bytes: keys differing only in case make two tasks, the exact key replays', async () => {
      const upper = await store.insert(newTask({ title: 'Upper' }), NOW, requestFor('Key-a', 'a'));
      const lower = await store.insert(newTask({ title: 'Lower' }), NOW, requestFor('key-A', 'b'));
      expect([upper.replayed, lower.replayed]).toEqual([false, false]);
      expect(lower.task.id).not.toBe(upper.task.id);
      expect(await store.insert(newTask({ title: 'Upper' }), LATER, requestFor('Key-a', 'a'))).toEqual({
        task: upper.task,
        replayed: true,
        fingerprint: FINGERPRINT.a,
      });
      expect(await store.insert(newTask({ title: 'Lower' }), LATER, requestFor('key-A', 'b'))).toEqual({
        task: lower.task,
        replayed: true,
        fingerprint: FINGERPRINT.b,
      });
      expect((await store.list(ALL, 'created', null, 10)).map((task) => task.title)).toEqual(['Lower', 'Upper']);
    });

    test('racing inserts under one key store one row; every other one gets that task and its fingerprint', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, n) => {
          const which = n % 2 ? 'a' : 'b';
          return store.insert(newTask({ title: `Racer ${which}` }), NOW, requestFor('race-key', which));
        }),
      );
      const rows = await store.list(ALL, 'created', null, 20);
      expect(rows).toHaveLength(1);
      const [row] = rows as [Task];
      const winner = outcomes.filter((outcome) => !outcome.replayed);
      expect(winner).toEqual([{ task: row, replayed: false }]);
      const winnerFingerprint = row.title === 'Racer a' ? FINGERPRINT.a : FINGERPRINT.b;
      for (const outcome of outcomes.filter((each) => each.replayed))
        expect(outcome).toEqual({ task: row, replayed: true, fingerprint: winnerFingerprint });
      expect((await store.readStats()).counts).toEqual({ open: 1, done: 0 });
    });

    test('a key stored before fingerprints were (migration 8) replays with a null fingerprint', async () => {
      const first = await store.insert(newTask({ title: 'Old' }), NOW, requestFor('old-key', 'a'));
      await database.client.execute('UPDATE tasks SET request_fingerprint = NULL WHERE id = ?', [first.task.id]);
      expect(await store.insert(newTask({ title: 'New' }), LATER, requestFor('old-key', 'b'))).toEqual({
        task: first.task,
        replayed: true,
        fingerprint: null,
      });
    });

    test('the maintained counts follow every create, status change and delete, even concurrent ones', async () => {
      const actual = async () => {
        const rows = await database.client.query<{ status: string; n: number }>(
          'SELECT status, COUNT(*) AS n FROM tasks GROUP BY status',
        );
        return { open: 0, done: 0, ...Object.fromEntries(rows.map((row) => [row.status, Number(row.n)])) };
      };
      const tasks = await Promise.all(
        Array.from({ length: 30 }, (_, n) => insert(newTask({ title: `Counted ${n}` }), NOW)),
      );
      await Promise.all(tasks.slice(0, 20).map((task) => store.update(task.id, { status: 'done' }, null, LATER)));
      await Promise.all(tasks.slice(0, 10).map((task) => store.update(task.id, { status: 'open' }, null, LATER)));
      await Promise.all(tasks.slice(5, 15).map((task) => store.update(task.id, { status: 'done' }, 1, LATER))); // stale: no change
      await Promise.all(
        tasks.slice(0, 10).map((task) => store.update(task.id, { status: 'open', title: 'Same status' }, null, LATER)),
      );
      await Promise.all(tasks.slice(25).map((task) => store.remove(task.id, null, NOW)));
      await Promise.all(tasks.slice(12, 14).map((task) => store.remove(task.id, null, NOW)));
      await store.remove(tasks[0]?.id ?? 0, 99, NOW); // stale: kept
      expect(await store.countByStatus({})).toEqual(await actual());
      expect(await store.countByStatus({})).toEqual({ open: 15, done: 8 });
    });

    test('findById answers null for an id that does not exist', async () => {
      expect(await store.findById(987654321)).toBeNull();
    });

    test('text is stored and returned byte for byte', async () => {
      const titles = [
        '👨‍👩‍👧 family emoji 🎉',
        '中文标题と日本語のタイトル',
        'مهمة باللغة العربية',
        "'; DROP TABLE tasks; --",
        '<script>alert(1)</script>',
        '😀'.repeat(200),
      ];
      for (const title of titles) {
        const task = await insert(newTask({ title, notes: `${title}\n\ttab "quotes" \\ back` }), NOW);
        const read = await store.findById(task.id);
        expect(read?.title).toBe(title);
        expect(read?.notes).toBe(`${title}\n\ttab "quotes" \\ back`);
      }
      expect((await store.list(ALL, 'created', null, 100)).length).toBe(titles.length);
    });

    test('update changes the named fields, bumps the version and updated_at', async () => {
      const task = await insert(newTask(), NOW);
      const outcome = await store.update(
        task.id,
        { title: 'Renamed', priority: 'low', due_date: '2027-01-02' },
        null,
        LATER,
      );
      expect(outcome).toEqual({
        kind: 'updated',
        task: {
          ...task,
          title: 'Renamed',
          priority: 'low',
          due_date: '2027-01-02',
          updated_at: '2026-11-21T11:30:00.500Z',
          version: 2,
        },
      });
    });

    test('completing sets completed_at once; reopening clears it', async () => {
      const task = await insert(newTask(), NOW);
      const done = await store.update(task.id, { status: 'done' }, null, LATER);
      expect(done.kind === 'updated' && done.task.completed_at).toBe('2026-11-21T11:30:00.500Z');
      const doneAgain = await store.update(task.id, { status: 'done' }, null, new Date('2026-11-22T00:00:00Z'));
      expect(doneAgain.kind === 'updated' && doneAgain.task.completed_at).toBe('2026-11-21T11:30:00.500Z');
      const reopened = await store.update(task.id, { status: 'open' }, null, LATER);
      expect(reopened.kind === 'updated' && reopened.task).toMatchObject({
        status: 'open',
        completed_at: null,
        version: 4,
      });
    });

    test('a stale expected version changes nothing and returns the current task', async () => {
      const task = await insert(newTask(), NOW);
      await store.update(task.id, { title: 'First edit' }, 1, LATER);
      const outcome = await store.update(task.id, { title: 'Second edit' }, 1, LATER);
      expect(outcome.kind).toBe('conflict');
      expect(outcome.kind === 'conflict' && outcome.current).toMatchObject({ title: 'First edit', version: 2 });
      expect(await store.findById(task.id)).toMatchObject({ title: 'First edit', version: 2 });
    });

    test('two writers holding the same version: exactly one wins', async () => {
      const task = await insert(newTask(), NOW);
      const outcomes = await Promise.all([
        store.update(task.id, { title: 'Writer A' }, 1, LATER),
        store.update(task.id, { title: 'Writer B' }, 1, LATER),
      ]);
      expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['conflict', 'updated']);
      const winner = outcomes.find((outcome) => outcome.kind === 'updated');
      expect(await store.findById(task.id)).toMatchObject({
        title: winner?.kind === 'updated' ? winner.task.title : 'none',
        version: 2,
      });
    });

    test('update and remove of a missing task say so', async () => {
      expect(await store.update(424242, { title: 'x' }, null, NOW)).toEqual({ kind: 'missing' });
      expect(await store.remove(424242, null, NOW)).toEqual({ kind: 'missing' });
    });

    test('remove deletes once; a stale version keeps the task', async () => {
      const task = await insert(newTask(), NOW);
      expect(await store.remove(task.id, 7, NOW)).toMatchObject({ kind: 'conflict', current: { id: task.id } });
      expect(await store.findById(task.id)).not.toBeNull();
      expect(await store.remove(task.id, 1, NOW)).toEqual({ kind: 'deleted' });
      expect(await store.findById(task.id)).toBeNull();
      expect(await store.remove(task.id, null, NOW)).toEqual({ kind: 'missing' });
    });

    test('a deleted task comes back once, with its id, one version on, in its list, counts and search', async () => {
      const task = await insert(newTask({ title: 'Pay the invoice', notes: 'Ask Sam', priority: 'high' }), NOW);
      const done = await store.update(task.id, { status: 'done' }, null, NOW);
      const versionBefore = (await store.readStats()).version;
      expect(await store.remove(task.id, null, NOW)).toEqual({ kind: 'deleted' });
      expect(await store.countByStatus({ search: 'invoice' })).toEqual({ open: 0, done: 0 });
      const restored = await store.restore(task.id, LATER, NOW);
      expect(restored).toEqual({
        kind: 'restored',
        task: {
          ...(done.kind === 'updated' ? done.task : task),
          version: 3,
          updated_at: LATER.toISOString(),
        },
      });
      expect((await store.list(ALL, 'created', null, 10)).map((row) => row.id)).toEqual([task.id]);
      expect(await store.countByStatus({ search: 'sam' })).toEqual({ open: 0, done: 1 });
      expect(await store.countByStatus({})).toEqual({ open: 0, done: 1 });
      expect((await store.readStats()).version).toBeGreaterThan(versionBefore);
      // A second undo (a retry) finds it back already; the trash holds it no more.
      expect(await store.restore(task.id, LATER, NOW)).toMatchObject({ kind: 'live', task: { version: 3 } });
      expect(await store.restore(424242, LATER, NOW)).toEqual({ kind: 'missing' });
    });

    test('a task deleted before the kept time cannot be restored, and the purge deletes it for good', async () => {
      const old = await insert(newTask({ title: 'Old' }), NOW);
      const recent = await insert(newTask({ title: 'Recent' }), NOW);
      await store.remove(old.id, null, NOW);
      await store.remove(recent.id, null, LATER);
      expect(await store.restore(old.id, LATER, LATER)).toEqual({ kind: 'missing' });
      expect(await createTaskStore(database.client).purgeDeleted(LATER)).toBe(1);
      expect(await store.restore(old.id, LATER, NOW)).toEqual({ kind: 'missing' });
      expect(await store.restore(recent.id, LATER, NOW)).toMatchObject({ kind: 'restored', task: { title: 'Recent' } });
    });

    test('due windows: lists in every sort and the overdue, today and week counts, with search and priority', async () => {
      const due = async (title: string, due_date: string | null, priority: 'low' | 'high' = 'low') =>
        insert(newTask({ title, due_date, priority }), NOW);
      await due('Long overdue invoice', '2026-10-01', 'high');
      await due('Overdue yesterday', '2026-12-01');
      await due('Due today invoice', '2026-12-02', 'high');
      await due('Due in six days', '2026-12-08');
      await due('Due in seven days', '2026-12-09');
      await due('Undated', null);
      const doneOverdue = await due('Done but was due', '2026-11-01');
      await store.update(doneOverdue.id, { status: 'done' }, null, NOW);

      const overdue = { status: 'open' as const, due: { to: '2026-12-01' } };
      const titles = async (filter: ListFilter, sort: TaskSort) =>
        (await store.list(filter, sort, null, 10)).map((task) => task.title);
      expect(await titles(overdue, 'due')).toEqual(['Long overdue invoice', 'Overdue yesterday']);
      expect(await titles(overdue, 'created')).toEqual(['Overdue yesterday', 'Long overdue invoice']);
      expect(await titles({ ...overdue, due: { from: '2026-12-02', to: '2026-12-08' } }, 'priority')).toEqual([
        'Due today invoice',
        'Due in six days',
      ]);
      expect(await walkAllPages(store, { status: 'open', due: { from: '2026-12-01' } }, 'due', 1)).toHaveLength(4);

      expect(await store.countDue('2026-12-02', '2026-12-08', {})).toEqual({ overdue: 2, today: 1, week: 2 });
      expect(await store.countDue('2026-12-02', '2026-12-08', { search: 'invoice' })).toEqual({
        overdue: 1,
        today: 1,
        week: 1,
      });
      expect(await store.countDue('2026-12-02', '2026-12-08', { priority: 'low' })).toEqual({
        overdue: 1,
        today: 0,
        week: 1,
      });
      expect(await store.countByStatus({ due: { to: '2026-12-01' } })).toEqual({ open: 2, done: 1 });
    });

    describe('bulk changes: all or nothing', () => {
      const target = (task: Task, version: number | null = task.version) => ({ id: task.id, version });
      const statuses = async () =>
        Object.fromEntries((await store.list(ALL, 'created', null, 100)).map((task) => [task.title, task.status]));

      test('complete and reopen many at once, with their counts, versions and completed_at', async () => {
        const [a, b, c] = [
          await insert(newTask({ title: 'A' }), NOW),
          await insert(newTask({ title: 'B' }), NOW),
          await insert(newTask({ title: 'C' }), NOW),
        ] as [Task, Task, Task];
        await store.update(c.id, { status: 'done' }, null, NOW);
        const done = await store.setStatusOf([target(a), target(b), target(c, null)], 'done', LATER);
        expect(done).toEqual({ kind: 'done', ids: [a.id, b.id, c.id], at: LATER });
        expect(await statuses()).toEqual({ A: 'done', B: 'done', C: 'done' });
        expect(await store.countByStatus({})).toEqual({ open: 0, done: 3 });
        // C was done already: its version and completed_at stay as they were.
        expect(await store.findById(c.id)).toMatchObject({ version: 2, completed_at: NOW.toISOString() });
        expect(await store.findById(a.id)).toMatchObject({ version: 2, completed_at: LATER.toISOString() });
        await store.setStatusOf([target(a, 2)], 'open', LATER);
        expect(await store.findById(a.id)).toMatchObject({ status: 'open', version: 3, completed_at: null });
        expect(await store.countByStatus({})).toEqual({ open: 1, done: 2 });
      });

      test('one stale version or one missing id changes none of them', async () => {
        const a = await insert(newTask({ title: 'A' }), NOW);
        const b = await insert(newTask({ title: 'B' }), NOW);
        expect(await store.setStatusOf([target(a), target(b, 7)], 'done', LATER)).toEqual({
          kind: 'conflict',
          ids: [b.id],
        });
        expect(await store.removeMany([target(a), { id: 424242, version: null }], LATER)).toEqual({
          kind: 'missing',
          ids: [424242],
        });
        expect(await statuses()).toEqual({ A: 'open', B: 'open' });
        expect(await store.countByStatus({})).toEqual({ open: 2, done: 0 });
      });

      test('delete many, then undo them all by the instant they were deleted', async () => {
        const tasks = [];
        for (const title of ['A', 'B', 'C']) tasks.push(await insert(newTask({ title }), NOW));
        const [a, b, c] = tasks as [Task, Task, Task];
        await store.remove(c.id, null, NOW); // deleted earlier, on its own
        const removed = await store.removeMany([target(a), target(b)], LATER);
        expect(removed).toEqual({ kind: 'done', ids: [a.id, b.id], at: LATER });
        expect(await statuses()).toEqual({});
        expect(await store.restoreMany(LATER, LATER, NOW)).toEqual({ kind: 'done', ids: [a.id, b.id], at: LATER });
        expect(await statuses()).toEqual({ A: 'open', B: 'open' });
        expect(await store.countByStatus({})).toEqual({ open: 2, done: 0 });
        // By id: c comes back, a is back already, an unknown id makes it all refused.
        expect(await store.restoreMany([c.id, 424242], LATER, NOW)).toEqual({ kind: 'missing', ids: [424242] });
        expect(await store.restoreMany([c.id, a.id], LATER, NOW)).toEqual({
          kind: 'done',
          ids: [c.id, a.id],
          at: LATER,
        });
        expect(await statuses()).toEqual({ A: 'open', B: 'open', C: 'open' });
      });

      test('clear completed deletes every done task, however many, and nothing else', async () => {
        for (let i = 0; i < 1_203; i++) await insert(newTask({ title: `Done ${i}` }), NOW);
        const open = await insert(newTask({ title: 'Still open' }), NOW);
        const all = await store.list(ALL, 'created', null, 2_000);
        const done = all.filter((task) => task.id !== open.id);
        for (let first = 0; first < done.length; first += 400)
          await store.setStatusOf(
            done.slice(first, first + 400).map((task) => target(task)),
            'done',
            NOW,
          );
        const cleared = await store.removeMany('done', LATER);
        expect(cleared.kind === 'done' && cleared.ids.length).toBe(1_203);
        expect(await store.countByStatus({})).toEqual({ open: 1, done: 0 });
        expect((await store.restoreMany(LATER, LATER, NOW)).kind).toBe('done');
        expect(await store.countByStatus({})).toEqual({ open: 1, done: 1_203 });
      }, 60_000);
    });

    describe('insertMany (imports)', () => {
      const imported = (title: string, key: string, overrides: Partial<ImportedTask> = {}): ImportedTask => ({
        ...newTask({ title }),
        status: 'open',
        completed_at: null,
        request: requestFor(key, 'a'),
        ...overrides,
      });

      test('stores every task in the order given, as open or done, and counts them', async () => {
        const outcome = await store.insertMany(
          [
            imported('Oldest', 'k1'),
            imported('Done', 'k2', { status: 'done', completed_at: LATER, priority: 'high', due_date: '2026-12-01' }),
            imported('Newest', 'k3', { notes: 'n' }),
          ],
          NOW,
        );
        expect(outcome).toEqual({ added: 3, present: 0 });
        const tasks = await store.list(ALL, 'created', null, 10);
        expect(
          tasks.map(({ title, status, priority, due_date, completed_at, created_at, version }) => ({
            title,
            status,
            priority,
            due_date,
            completed_at,
            created_at,
            version,
          })),
        ).toEqual([
          {
            title: 'Newest',
            status: 'open',
            priority: 'normal',
            due_date: null,
            completed_at: null,
            created_at: NOW.toISOString(),
            version: 1,
          },
          {
            title: 'Done',
            status: 'done',
            priority: 'high',
            due_date: '2026-12-01',
            completed_at: LATER.toISOString(),
            created_at: NOW.toISOString(),
            version: 1,
          },
          {
            title: 'Oldest',
            status: 'open',
            priority: 'normal',
            due_date: null,
            completed_at: null,
            created_at: NOW.toISOString(),
            version: 1,
          },
        ]);
        expect((await store.readStats()).counts).toEqual({ open: 2, done: 1 });
        expect(
          (await store.list({ status: 'all', search: 'newest' }, 'created', null, 10)).map((task) => task.title),
        ).toEqual(['Newest']);
      });

      test('leaves out the tasks whose request key is taken, by an import or by a create', async () => {
        await store.insert(newTask({ title: 'Made by hand' }), NOW, requestFor('k1', 'a'));
        await store.insertMany([imported('Imported before', 'k2')], NOW);
        expect(await store.takenRequestKeys(['k1', 'k2', 'k3'])).toEqual(new Set(['k1', 'k2']));
        const outcome = await store.insertMany(
          [imported('A', 'k1'), imported('B', 'k2'), imported('New', 'k3')],
          LATER,
        );
        expect(outcome).toEqual({ added: 1, present: 2 });
        expect((await store.list(ALL, 'created', null, 10)).map((task) => task.title)).toEqual([
          'New',
          'Imported before',
          'Made by hand',
        ]);
      });

      test('all or nothing: when one row cannot be stored, none is, and the counts stay', async () => {
        await store.insert(newTask({ title: 'Already here' }), NOW);
        const version = (await store.readStats()).version;
        // The same key twice in one call: the unique index refuses the second row, in a later
        // statement than the first 500 rows, which are undone with it.
        const fine = Array.from({ length: 600 }, (_, index) => imported(`Fine ${index}`, `fine-${index}`));
        const clash = [imported('First', 'same'), ...fine, imported('Second', 'same')];
        await expect(store.insertMany(clash, NOW)).rejects.toThrow();
        expect((await store.list(ALL, 'created', null, 10)).map((task) => task.title)).toEqual(['Already here']);
        expect(await store.readStats()).toEqual({ counts: { open: 1, done: 0 }, version });
      });

      test(`more rows than one statement holds (1,234) are all stored`, async () => {
        const many = Array.from({ length: 1_234 }, (_, index) => imported(`Task ${index}`, `many-${index}`));
        expect(await store.insertMany(many, NOW)).toEqual({ added: 1_234, present: 0 });
        expect((await store.readStats()).counts.open).toBe(1_234);
        expect(await store.takenRequestKeys(many.map((task) => task.request.key))).toHaveProperty('size', 1_234);
      });
    });

    describe('listing', () => {
      let tasks: Task[];

      beforeEach(async () => {
        const specs: Partial<NewTask>[] = [
          { title: 'Buy milk', priority: 'low', due_date: '2026-12-05' },
          { title: 'File taxes', notes: 'Deadline is strict', priority: 'high', due_date: '2026-12-01' },
          { title: 'Call Alice', priority: 'normal' },
          { title: '100% done?', notes: 'literal percent', priority: 'high' },
          { title: 'Plan a_b test', priority: 'normal', due_date: '2026-12-01' },
          { title: 'Read MILK labels', priority: 'low' },
        ];
        tasks = [];
        for (const spec of specs) tasks.push(await insert(newTask(spec), NOW));
        const callAlice = tasks.find((task) => task.title === 'Call Alice');
        await store.update(callAlice?.id ?? 0, { status: 'done' }, null, LATER);
      });

      const titles = (rows: Task[]) => rows.map((task) => task.title);

      test('created: newest first', async () => {
        expect(titles(await store.list(ALL, 'created', null, 10))).toEqual(titles([...tasks].reverse()));
      });

      test('priority: highest first, newest first within a priority', async () => {
        expect(titles(await store.list(ALL, 'priority', null, 10))).toEqual([
          '100% done?',
          'File taxes',
          'Plan a_b test',
          'Call Alice',
          'Read MILK labels',
          'Buy milk',
        ]);
      });

      test('due: earliest first, ties by age, undated last', async () => {
        expect(titles(await store.list(ALL, 'due', null, 10))).toEqual([
          'File taxes',
          'Plan a_b test',
          'Buy milk',
          'Call Alice',
          '100% done?',
          'Read MILK labels',
        ]);
      });

      test('counts open and done tasks, within a search', async () => {
        expect(await store.countByStatus({})).toEqual({ open: 5, done: 1 });
        expect(await store.countByStatus({ search: 'milk' })).toEqual({ open: 2, done: 0 });
        expect(await store.countByStatus({ search: 'alice' })).toEqual({ open: 0, done: 1 });
        expect(await store.countByStatus({ search: 'nothing like this' })).toEqual({ open: 0, done: 0 });
      });

      test('filters by status and priority', async () => {
        expect(titles(await store.list({ status: 'done' }, 'created', null, 10))).toEqual(['Call Alice']);
        expect(titles(await store.list({ status: 'open', priority: 'low' }, 'created', null, 10))).toEqual([
          'Read MILK labels',
          'Buy milk',
        ]);
      });

      test('search finds every word as the start of a word in title or notes, ignoring case', async () => {
        const search = async (query: string) =>
          titles(await store.list({ status: 'all', search: query }, 'created', null, 10));
        expect(await search('milk')).toEqual(['Read MILK labels', 'Buy milk']);
        expect(await search('MIL')).toEqual(['Read MILK labels', 'Buy milk']);
        expect(await search('STRICT')).toEqual(['File taxes']);
        expect(await search('deadline file')).toEqual(['File taxes']); // one word from the notes, one from the title
        expect(await search('deadline milk')).toEqual([]); // every word must match
        expect(await search('labels milk')).toEqual(['Read MILK labels']);
        expect(await search('ilk')).toEqual([]); // the middle of a word is not the start of one
        expect(await search('plan test')).toEqual(['Plan a_b test']);
        expect(await search("'; DROP TABLE tasks; --")).toEqual([]);
        // Nothing left to look for (punctuation, short words, stopwords): the search filters nothing.
        expect(await search('% !')).toHaveLength(6);
        expect(await search('to be a')).toHaveLength(6);
        expect(await store.countByStatus({ search: 'milk' })).toEqual({ open: 2, done: 0 });
      });

      for (const sort of ['created', 'priority', 'due'] as const) {
        test(`paging by ${sort} returns every task exactly once, in the one-page order`, async () => {
          const onePage = await store.list(ALL, sort, null, 100);
          for (const size of [1, 2, 4]) {
            expect(titles(await walkAllPages(store, ALL, sort, size))).toEqual(titles(onePage));
          }
        });
      }
    });

    test('tasks added while paging never cause duplicates or gaps', async () => {
      const original = [];
      for (let i = 0; i < 25; i++) original.push(await insert(newTask({ title: `Original ${i}` }), NOW));
      const seen: Task[] = [];
      let after: ListPosition | null = null;
      for (;;) {
        const rows = await store.list(ALL, 'created', after, 4);
        seen.push(...rows);
        await insert(newTask({ title: 'Added meanwhile' }), NOW);
        const last = rows.at(-1);
        if (rows.length < 4 || !last) break;
        after = { sort: 'created', id: last.id };
      }
      const ids = seen.map((task) => task.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(original.map((task) => task.id).reverse());
    });
  });
}

for (const engine of ENGINES) {
  describe(`task store on ${engine.name}: each owner's tasks are theirs alone`, () => {
    let database: TestDatabase;
    let store: TaskStore;
    let mine: OwnedStore;
    let theirs: OwnedStore;

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      store = createTaskStore(database.client);
      mine = ownedBy(store, OWNER);
      theirs = ownedBy(store, OTHER_OWNER);
    });
    afterAll(() => database.cleanup());
    beforeEach(() => database.empty());

    test("another owner's task is missing to every read and write, and stays as it was", async () => {
      const { task } = await mine.insert(newTask({ title: 'Pay the rent invoice' }), NOW);
      expect(await theirs.findById(task.id)).toBeNull();
      expect(await theirs.list(ALL, 'created', null, 10)).toEqual([]);
      expect(await theirs.list({ status: 'all', search: 'invoice' }, 'due', null, 10)).toEqual([]);
      expect(await theirs.countByStatus({ search: 'invoice' })).toEqual({ open: 0, done: 0 });
      expect((await theirs.readStats()).counts).toEqual({ open: 0, done: 0 });
      expect(await theirs.update(task.id, { title: 'Taken' }, null, LATER)).toEqual({ kind: 'missing' });
      expect(await theirs.update(task.id, { status: 'done' }, task.version, LATER)).toEqual({ kind: 'missing' });
      expect(await theirs.remove(task.id, null, NOW)).toEqual({ kind: 'missing' });
      expect(await mine.findById(task.id)).toEqual(task);
      expect((await mine.readStats()).counts).toEqual({ open: 1, done: 0 });
      await mine.remove(task.id, null, NOW);
      expect(await theirs.restore(task.id, LATER, NOW)).toEqual({ kind: 'missing' });
      expect(await mine.restore(task.id, LATER, NOW)).toMatchObject({ kind: 'restored' });
    });

    test('a search ignores accents, follows every edit of title and notes, and never finds what another owner wrote', async () => {
      const found = async (owned: OwnedStore, query: string) =>
        (await owned.list({ status: 'all', search: query }, 'created', null, 10)).map((task) => task.title);
      const { task } = await mine.insert(newTask({ title: 'Book the Café', notes: 'Ask about Zürich' }), NOW);
      await theirs.insert(newTask({ title: 'Book the cafe too', notes: 'Zurich' }), NOW);
      expect(await found(mine, 'cafe zurich')).toEqual(['Book the Café']);
      expect(await found(mine, 'CAFÉ')).toEqual(['Book the Café']);
      await mine.update(task.id, { title: 'Book the restaurant' }, null, LATER);
      expect(await found(mine, 'cafe')).toEqual([]);
      expect(await found(mine, 'restaurant zurich')).toEqual(['Book the restaurant']);
      await mine.update(task.id, { notes: 'Geneva instead' }, null, LATER);
      expect(await found(mine, 'zurich')).toEqual([]);
      expect(await found(mine, 'geneva')).toEqual(['Book the restaurant']);
      expect(await found(theirs, 'restaurant')).toEqual([]);
      expect(await found(theirs, 'zurich')).toEqual(['Book the cafe too']);
    });

    test("one owner's writes move only their own list version", async () => {
      const before = { mine: (await mine.readStats()).version, theirs: (await theirs.readStats()).version };
      await mine.insert(newTask(), NOW);
      expect((await mine.readStats()).version).toBeGreaterThan(before.mine);
      expect((await theirs.readStats()).version).toBe(before.theirs);
    });

    test('the same Idempotency-Key from two owners makes two tasks, each replayed only to its owner', async () => {
      const first = await mine.insert(newTask({ title: 'Mine' }), NOW, requestFor('shared-key', 'a'));
      const second = await theirs.insert(newTask({ title: 'Theirs' }), NOW, requestFor('shared-key', 'a'));
      expect(second.replayed).toBe(false);
      expect(second.task.id).not.toBe(first.task.id);
      const again = await theirs.insert(newTask({ title: 'Theirs' }), NOW, requestFor('shared-key', 'a'));
      expect(again).toMatchObject({ replayed: true, task: { id: second.task.id, title: 'Theirs' } });
    });

    test('the first account claims the tasks made before accounts, with their counts', async () => {
      const unowned = ownedBy(store, 0);
      const { task } = await unowned.insert(newTask({ title: 'From before accounts' }), NOW);
      await database.client.transaction((tx) => claimUnownedTasks(tx, OTHER_OWNER));
      expect(await theirs.findById(task.id)).toMatchObject({ title: 'From before accounts' });
      expect((await theirs.readStats()).counts).toEqual({ open: 1, done: 0 });
      expect(await unowned.findById(task.id)).toBeNull();
      expect(await theirs.list({ status: 'all', search: 'before accounts' }, 'created', null, 10)).toMatchObject([
        { id: task.id },
      ]);
    });

    /** What the term index should hold: a row per distinct term of every live task, from its text. */
    async function expectedTermRows() {
      const rows = await database.client.query<Record<string, unknown>>(
        'SELECT id, owner_id, title, notes, status, priority, due_date FROM tasks',
      );
      return rows
        .flatMap((row) => {
          const terms = `${searchTerms(Number(row.owner_id), String(row.title))} ${searchTerms(Number(row.owner_id), String(row.notes))}`;
          return [...new Set(terms.split(' ').filter(Boolean))].map(
            (term) => `${term} ${row.status} ${row.id} ${row.priority} ${row.due_date ?? '-'}`,
          );
        })
        .sort();
    }

    async function termRows() {
      const rows = await database.client.query<Record<string, unknown>>(
        'SELECT term, status, task_id, priority, due_date FROM task_terms',
      );
      return rows
        .map((row) => `${row.term} ${row.status} ${row.task_id} ${row.priority} ${row.due_date ?? '-'}`)
        .sort();
    }

    test('the term index holds exactly the terms of the live tasks, after every kind of write', async () => {
      const { task: straße } = await mine.insert(newTask({ title: 'Straße fegen', notes: 'Straße und Gasse' }), NOW);
      const { task: strasse } = await mine.insert(newTask({ title: 'Strasse', notes: '' }), NOW);
      const { task: other } = await theirs.insert(newTask({ title: 'Invoice 中文字 report', notes: 'x' }), NOW);
      await mine.update(straße.id, { title: 'Weg fegen', priority: 'high', due_date: '2026-12-01' }, null, LATER);
      await mine.update(strasse.id, { status: 'done' }, null, LATER);
      await mine.update(strasse.id, { due_date: '2026-12-05' }, null, LATER);
      await theirs.setStatusOf([{ id: other.id, version: null }], 'done', LATER);
      await theirs.update(other.id, { priority: 'low' }, null, LATER);
      const { task: gone } = await mine.insert(newTask({ title: 'Deleted for good' }), NOW);
      await mine.remove(gone.id, null, NOW);
      const { task: back } = await mine.insert(newTask({ title: 'Deleted and restored' }), NOW);
      await mine.remove(back.id, null, NOW);
      await mine.restore(back.id, LATER, NOW);
      await mine.insertMany(
        [
          {
            ...newTask({ title: 'Imported invoice' }),
            status: 'done',
            completed_at: NOW,
            request: requestFor('import-1', 'a'),
          },
        ],
        NOW,
      );
      expect(await termRows()).toEqual(await expectedTermRows());
      // Byte for byte: "ß" is not "ss", though the tasks' collation says they are equal.
      expect(await termRows()).toContain(`u${OWNER}xstrasse done ${strasse.id} 2 2026-12-05`);
      expect(await mine.countByStatus({ search: 'straße' })).toEqual({ open: 1, done: 0 });
      expect(await theirs.countByStatus({ search: '中文字' })).toEqual({ open: 0, done: 1 });
      expect(
        await theirs.list({ status: 'done', search: 'report', priority: 'low' }, 'created', null, 5),
      ).toMatchObject([{ id: other.id }]);
    });

    test('a word with several terms finds each task once, in every count and in pages that do not repeat', async () => {
      const titles = ['Invoice Anna', 'Invoices for Bob', 'Invoiced: invoice and invoices', 'Inventory', 'Unrelated'];
      const made: Task[] = [];
      for (const title of titles) made.push((await mine.insert(newTask({ title, due_date: '2026-12-03' }), NOW)).task);
      await mine.update(made[1]?.id ?? 0, { status: 'done' }, null, LATER);
      expect(await mine.countByStatus({ search: 'invoice' })).toEqual({ open: 2, done: 1 });
      expect(await mine.countByStatus({ search: 'inv' })).toEqual({ open: 3, done: 1 });
      expect(await mine.countDue('2026-12-02', '2026-12-08', { search: 'invoic' })).toEqual({
        overdue: 0,
        today: 0,
        week: 2,
      });
      // A word that starts another adds nothing: every task with "invoices" has "inv".
      expect(await mine.countByStatus({ search: 'inv invoices' })).toEqual({ open: 1, done: 1 });
      const pages: string[][] = [];
      let after: ListPosition | null = null;
      for (;;) {
        const page = await mine.list({ status: 'all', search: 'inv' }, 'created', after, 2);
        if (!page.length) break;
        pages.push(page.map((task) => task.title));
        const last = page.at(-1);
        after = last ? { sort: 'created', id: last.id } : null;
      }
      expect(pages).toEqual([
        ['Inventory', 'Invoiced: invoice and invoices'],
        ['Invoices for Bob', 'Invoice Anna'],
      ]);
      expect(
        (await mine.list({ status: 'open', search: 'invoice' }, 'priority', null, 10)).map((task) => task.title),
      ).toEqual(['Invoiced: invoice and invoices', 'Invoice Anna']);
      // One term ("anna"), in the orders that read the tasks by their list index, and a next page.
      await mine.update(made[0]?.id ?? 0, { priority: 'high' }, null, LATER);
      for (const sort of ['priority', 'due'] as const)
        expect(
          (await mine.list({ status: 'all', search: 'anna invoice' }, sort, null, 10)).map((task) => task.title),
        ).toEqual(['Invoice Anna']);
      const [first] = await mine.list({ status: 'all', search: 'inv' }, 'priority', null, 1);
      expect(first?.title).toBe('Invoice Anna');
      if (!first) throw new Error('no first page');
      expect(
        (await mine.list({ status: 'all', search: 'inv' }, 'priority', positionAfter('priority', first), 10)).map(
          (task) => task.title,
        ),
      ).toEqual(['Inventory', 'Invoiced: invoice and invoices', 'Invoices for Bob']);
    });
  });
}
