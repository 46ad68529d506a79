import { createHash } from 'node:crypto';
import { isCalendarDate, todayIn } from '../lib/calendar-date';
import { characterCount } from '../lib/characters';
import {
  type ErrorDetail,
  IdempotencyKeyReusedError,
  InvalidInputError,
  NotFoundError,
  VersionConflictError,
  VersionConflictsError,
} from '../lib/domain-errors';
import { dueWindow, weekEndOf } from './due-views';
import {
  type BulkAction,
  type BulkRequest,
  type BulkResult,
  DELETED_KEPT_DAYS,
  NOTES_MAX,
  PAGE_DEFAULT,
  PRIORITIES,
  type StatusCounts,
  type Task,
  type TaskCreate,
  type TaskListQuery,
  type TaskPatch,
  type TaskPriority,
  type TaskSort,
  TITLE_MAX,
} from './model';
import type { BulkTarget, DueCounts, ListPosition, NewTask, TaskChanges, TaskStore } from './store';

/**
 * The rules for tasks, shared by the JSON API and the HTML pages: one code path per action.
 * Input arrives shape-checked by the route schema; this module checks meaning (trimmed lengths,
 * real calendar dates, versions) and reports every bad field at once.
 */

export interface TaskPage {
  items: Task[];
  next_cursor: string | null;
}

export type TaskService = ReturnType<typeof createTaskService>;

const CHANGED_ELSEWHERE = 'This task was changed elsewhere';
const SOME_CHANGED_ELSEWHERE = 'Some of these tasks were changed elsewhere; nothing was changed';
const KEPT_MS = DELETED_KEPT_DAYS * 24 * 60 * 60 * 1000;
const PURGE_EVERY_MS = 10 * 60 * 1000;

export function createTaskService(store: TaskStore, clock: () => Date = () => new Date()) {
  let lastPurge = Number.NEGATIVE_INFINITY;
  /**
   * Deleted tasks past DELETED_KEPT_DAYS are deleted for good, from every account, at most every
   * PURGE_EVERY_MS on each instance: after a delete, the one event that adds to them. (A restore
   * refuses them meanwhile, so none outlives its days in effect.)
   */
  async function purgeExpired(now: Date): Promise<void> {
    if (now.getTime() - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = now.getTime();
    await store.purgeDeleted(new Date(now.getTime() - KEPT_MS));
  }

  function bulkOutcome(
    owner: number,
    action: BulkAction,
    targets: BulkTarget[],
    deletedAt: string | undefined,
    now: Date,
  ) {
    switch (action) {
      case 'complete':
        return store.setStatusOf(owner, targets, 'done', now);
      case 'reopen':
        return store.setStatusOf(owner, targets, 'open', now);
      case 'delete':
        return store.removeMany(owner, targets, now);
      case 'clear_completed':
        return store.removeMany(owner, 'done', now);
      case 'restore': {
        const which = deletedAt ? new Date(deletedAt) : targets.map((target) => target.id);
        return store.restoreMany(owner, which, now, new Date(now.getTime() - KEPT_MS));
      }
    }
  }

  async function requireTask(owner: number, id: number): Promise<Task> {
    const task = await store.findById(owner, id);
    if (!task) throw new NotFoundError(`Task ${id}`);
    return task;
  }

  return {
    /** A page of the owner's list; `today` (the owner's, YYYY-MM-DD) places a due view. */
    async listTasks(owner: number, query: TaskListQuery, today = todayIn('UTC')): Promise<TaskPage> {
      const sort = query.sort ?? 'created';
      const limit = query.limit ?? PAGE_DEFAULT;
      const after = query.cursor ? decodeCursor(query.cursor, sort) : null;
      if (query.due && query.status === 'done')
        throw new InvalidInputError([
          { field: 'status', message: 'must be open or all with due: due views list open tasks' },
        ]);
      const filter = {
        status: query.due ? 'open' : (query.status ?? 'all'),
        priority: query.priority,
        search: query.q?.trim() || undefined,
        due: query.due ? dueWindow(query.due, today) : undefined,
      } as const;
      const rows = await store.list(owner, filter, sort, after, limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, next_cursor: rows.length > limit && last ? encodeCursor(sort, last) : null };
    },

    getTask: requireTask,

    /**
     * The version of the owner's list, for caching what shows it: the one read with the account when
     * the request was let in (listVersionAlongside), else read now.
     */
    listVersion: async (owner: number, readAlongside?: unknown): Promise<number> =>
      typeof readAlongside === 'number' ? readAlongside : (await store.readStats(owner)).version,

    /** How many open tasks are overdue, due today and this week, seen from the owner's `today`. */
    countDue(owner: number, today: string, search?: string, priority?: TaskPriority): Promise<DueCounts> {
      return store.countDue(owner, today, weekEndOf(today), { search: search?.trim() || undefined, priority });
    },

    /** Open and done counts for a search and a priority, for the status filter's badges. */
    countTasks(owner: number, search?: string, priority?: TaskPriority): Promise<StatusCounts> {
      return store.countByStatus(owner, { search: search?.trim() || undefined, priority });
    },

    /**
     * Creates a task. A request key (Idempotency-Key) makes retries safe: the same key with the same
     * task returns the task its first use created, marked as a replay, as it is now (edited or
     * completed since: what the client would read; Stripe returns the first answer instead). The
     * same key with a different task creates nothing and throws IdempotencyKeyReusedError.
     */
    async createTask(
      owner: number,
      input: TaskCreate,
      requestKey?: string,
    ): Promise<{ task: Task; replayed: boolean }> {
      const { title, notes, due_date } = checkedOrRefused({ notes: '', due_date: null, ...input });
      const task: NewTask = {
        title: title ?? '',
        notes: notes ?? '',
        priority: input.priority ?? 'normal',
        due_date: due_date ?? null,
      };
      const request = requestKey ? { key: requestKey, fingerprint: fingerprintOf(task) } : undefined;
      const outcome = await store.insert(owner, task, clock(), request);
      // A task created before fingerprints were stored (migration 8) has none: a retry of it cannot
      // be told from a reuse, so it replays, as every reuse did before.
      if (outcome.replayed && outcome.fingerprint !== null && outcome.fingerprint !== request?.fingerprint)
        throw new IdempotencyKeyReusedError();
      return { task: outcome.task, replayed: outcome.replayed };
    },

    async updateTask(
      owner: number,
      id: number,
      patch: TaskPatch,
      expectedVersion: number | null = null,
    ): Promise<Task> {
      const changes = checkedOrRefused(patch);
      const outcome = await store.update(owner, id, changes, expectedVersion, clock());
      if (outcome.kind === 'missing') throw new NotFoundError(`Task ${id}`);
      if (outcome.kind === 'conflict') throw new VersionConflictError(outcome.current, CHANGED_ELSEWHERE);
      return outcome.task;
    },

    /** Deletes a task; restoreTask brings it back for DELETED_KEPT_DAYS. */
    async deleteTask(owner: number, id: number, expectedVersion: number | null = null): Promise<void> {
      const now = clock();
      const outcome = await store.remove(owner, id, expectedVersion, now);
      if (outcome.kind === 'missing') throw new NotFoundError(`Task ${id}`);
      if (outcome.kind === 'conflict') throw new VersionConflictError(outcome.current, CHANGED_ELSEWHERE);
      await purgeExpired(now);
    },

    /**
     * One change to many tasks, all of it or none: a task missing (404) or at another version than
     * the one given (412, with those tasks as they are now) refuses the whole change.
     */
    async bulkChange(owner: number, request: BulkRequest): Promise<BulkResult> {
      const { action, deleted_at: deletedAt } = request;
      const targets = checkedBulkTargets(request);
      const now = clock();
      const outcome = await bulkOutcome(owner, action, targets, deletedAt, now);
      if (outcome.kind === 'missing') throw new NotFoundError(`Task ${outcome.ids.join(', ')}`);
      if (outcome.kind === 'conflict') {
        const current = await Promise.all(outcome.ids.map((id) => store.findById(owner, id)));
        throw new VersionConflictsError(
          current.filter((task) => task !== null),
          SOME_CHANGED_ELSEWHERE,
        );
      }
      if (action === 'delete' || action === 'clear_completed') await purgeExpired(now);
      const answer: BulkResult = { action, count: outcome.ids.length, ids: outcome.ids };
      return action === 'delete' || action === 'clear_completed'
        ? { ...answer, deleted_at: now.toISOString() }
        : answer;
    },

    /**
     * Brings back a deleted task, with its id, one version on. Restoring one already back answers it
     * as it is (a retried undo is no error); one never deleted, purged, or not the owner's is missing.
     */
    async restoreTask(owner: number, id: number): Promise<Task> {
      const now = clock();
      const outcome = await store.restore(owner, id, now, new Date(now.getTime() - KEPT_MS));
      if (outcome.kind === 'missing') throw new NotFoundError(`Deleted task ${id}`);
      return outcome.task;
    },
  };
}

/** What a bulk change names, once each, as its action requires: tasks, a deleted_at (restore only), or neither. */
function checkedBulkTargets({ action, tasks, deleted_at: deletedAt }: BulkRequest): BulkTarget[] {
  const problems: ErrorDetail[] = [];
  const namesTasks = action !== 'clear_completed' && (action !== 'restore' || deletedAt === undefined);
  if (namesTasks && !tasks) problems.push({ field: 'tasks', message: `is required to ${action}` });
  if (!namesTasks && tasks)
    problems.push({ field: 'tasks', message: `must be left out with ${action === 'restore' ? 'deleted_at' : action}` });
  if (deletedAt !== undefined && action !== 'restore')
    problems.push({ field: 'deleted_at', message: 'is only for restore' });
  const ids = (tasks ?? []).map((task) => task.id);
  if (new Set(ids).size !== ids.length) problems.push({ field: 'tasks', message: 'must name each task once' });
  if (problems.length) throw new InvalidInputError(problems);
  return (tasks ?? []).map((task) => ({ id: task.id, version: task.version ?? null }));
}

/**
 * What identifies a create under its Idempotency-Key: the task as it will be stored, after trimming
 * and defaults, so a retry that differs only in what that removes (spaces around the title, an
 * omitted priority) is the same request. The record names every field of NewTask (the type makes
 * a new field fail to compile until it is added here) in a fixed order, so its JSON is canonical.
 */
export function fingerprintOf(task: NewTask): string {
  const fields: Record<keyof NewTask, NewTask[keyof NewTask]> = {
    title: task.title,
    notes: task.notes,
    priority: task.priority,
    due_date: task.due_date,
  };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/**
 * What the fields given mean: a title that shows something, trimmed lengths, no control
 * characters, real dates. Returns the cleaned values (lone surrogates made U+FFFD, as stored) and
 * every problem at once; the HTML forms use it to report all of them together.
 */
export function checkTaskFields(fields: TaskPatch): { changes: TaskChanges; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const changes: TaskChanges = { status: fields.status, priority: fields.priority };
  if (fields.title !== undefined) changes.title = checkTitle(fields.title, problems);
  if (fields.notes !== undefined) changes.notes = checkNotes(fields.notes, problems);
  if (fields.due_date !== undefined) changes.due_date = checkDueDate(fields.due_date, problems);
  return { changes, problems };
}

function checkedOrRefused(fields: TaskPatch): TaskChanges {
  const { changes, problems } = checkTaskFields(fields);
  if (problems.length) throw new InvalidInputError(problems);
  return changes;
}

// Control characters have no business in a task: NUL even cuts SQLite's length() short. Both may
// hold tabs; notes may hold line breaks, a title is one line.
const TITLE_CONTROL = /(?!\t)\p{Cc}/u;
const NOTES_CONTROL = /(?![\t\n\r])\p{Cc}/u;

// A title must show something. Spaces, invisible format and filler characters (U+200B, U+202E,
// U+3164, tag characters…, all Default_Ignorable), the braille blank and non-spacing marks with
// nothing to combine with do not (spacing and enclosing marks show): a title of only those looks empty in the list, so it is refused as empty.
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Mn}\u2800]/u;

// A lone surrogate (JSON may carry one, "\ud800") cannot be stored as UTF-8: both engines would
// write U+FFFD. Writing it ourselves first makes every answer show what was stored.
function checkTitle(raw: string, errors: ErrorDetail[]): string {
  const title = raw.toWellFormed().trim();
  if (!VISIBLE.test(title)) errors.push({ field: 'title', message: 'must not be empty' });
  else if (TITLE_CONTROL.test(title))
    errors.push({ field: 'title', message: 'must not contain control characters or line breaks' });
  else if (characterCount(title) > TITLE_MAX) {
    errors.push({ field: 'title', message: `must be at most ${TITLE_MAX} characters (got ${characterCount(title)})` });
  }
  return title;
}

function checkNotes(raw: string, errors: ErrorDetail[]): string {
  const notes = raw.toWellFormed();
  if (NOTES_CONTROL.test(notes)) errors.push({ field: 'notes', message: 'must not contain control characters' });
  else if (characterCount(notes) > NOTES_MAX) {
    errors.push({ field: 'notes', message: `must be at most ${NOTES_MAX} characters (got ${characterCount(notes)})` });
  }
  return notes;
}

function checkDueDate(value: string | null, errors: ErrorDetail[]): string | null {
  if (value === null || value === '') return null;
  if (!isCalendarDate(value)) errors.push({ field: 'due_date', message: 'must be a real date as YYYY-MM-DD' });
  return value;
}

// The cursor is opaque to clients but plain to us: base64url JSON of the last row's sort key.
// Everything in it is type-checked on the way back in, so a forged cursor can only move the page.
function encodeCursor(sort: TaskSort, task: Task): string {
  const key = sort === 'priority' ? [task.priority, task.id] : sort === 'due' ? [task.due_date, task.id] : [task.id];
  return Buffer.from(JSON.stringify({ s: sort, k: key })).toString('base64url');
}

function decodeCursor(cursor: string, sort: TaskSort): ListPosition {
  const position = parseCursor(cursor, sort);
  if (!position)
    throw new InvalidInputError([
      { field: 'cursor', message: 'is not a cursor from this list; start again without it' },
    ]);
  return position;
}

function parseCursor(cursor: string, sort: TaskSort): ListPosition | null {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const { s, k } = (decoded ?? {}) as { s?: unknown; k?: unknown };
  if (s !== sort || !Array.isArray(k)) return null;
  const id = k.at(-1);
  if (!Number.isSafeInteger(id) || (id as number) < 1) return null;
  if (sort === 'created' && k.length === 1) return { sort, id: id as number };
  if (sort === 'priority' && k.length === 2 && PRIORITIES.includes(k[0])) {
    return { sort, priority: k[0], id: id as number };
  }
  if (sort === 'due' && k.length === 2 && (k[0] === null || (typeof k[0] === 'string' && isCalendarDate(k[0])))) {
    return { sort, due_date: k[0], id: id as number };
  }
  return null;
}
