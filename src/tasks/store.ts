import { batchedReads } from '../db/batched-reads';
import { batchedWrites } from '../db/batched-writes';
import { fromSqlTimestamp, isDuplicateKey, type SqlClient, type SqlValue, toSqlTimestamp } from '../db/sql-client';
import { inList, inLists, powerOfTwoRuns } from '../db/statement-shapes';
import { turnsByKey } from '../lib/turns';
import {
  COUNT_SHARDS,
  PRIORITIES,
  STATUSES,
  type StatusCounts,
  type Task,
  type TaskPriority,
  type TaskSort,
  type TaskStatus,
} from './model';
import { ownerTerm, searchTerms, searchWords } from './search';
import {
  type FoundTerms,
  independentWords,
  lookupOf,
  matchesSql,
  pageIdsSql,
  type TermBounds,
  type TermFilter,
  type TermLookup,
  termBoundsSql,
} from './term-search';

/**
 * All SQL for tasks. Portable across SQLite, MySQL 8.4 and MariaDB 10.11: positional parameters,
 * no RETURNING, no engine-specific functions. Every list query walks an index in its ORDER BY and
 * pages by keyset, so a page costs the same at row 10 or row 10 million. Searches read the term
 * index (src/tasks/term-search.ts), which triggers keep in step with the tasks (migration 13).
 */

export interface NewTask {
  title: string;
  notes: string;
  priority: TaskPriority;
  due_date: string | null;
}

export interface TaskChanges {
  title?: string;
  notes?: string;
  status?: TaskStatus;
  priority?: TaskPriority;
  due_date?: string | null;
}

/** A create's Idempotency-Key, and a fingerprint of what it asked for (the service computes it). */
export interface CreateRequest {
  key: string;
  fingerprint: string;
}

/**
 * What an insert did. A key used before inserts nothing: it returns the task that key made, as it
 * is now, and the fingerprint stored with it (null for a task created before migration 8). Whether
 * that is the same request is the service's rule, not the store's.
 */
export type InsertOutcome =
  | { replayed: false; task: Task }
  | { replayed: true; task: Task; fingerprint: string | null };

/**
 * A task an import brings in: as the file had it (open or done, since when), under a request key
 * that a second import of the same task finds taken.
 */
export interface ImportedTask extends NewTask {
  status: TaskStatus;
  completed_at: Date | null;
  request: CreateRequest;
}

export interface ListFilter {
  status: TaskStatus | 'all';
  priority?: TaskPriority;
  search?: string;
  /** Only tasks due in this window of dates (YYYY-MM-DD, both ends included; either may be open). */
  due?: { from?: string; to?: string };
}

/** How many open tasks are overdue, due today and due within the week from today (see due-views.ts). */
export interface DueCounts {
  overdue: number;
  today: number;
  week: number;
}

/** Where the previous page ended, per sort order. */
export type ListPosition =
  | { sort: 'created'; id: number }
  | { sort: 'priority'; priority: TaskPriority; id: number }
  | { sort: 'due'; due_date: string | null; id: number };

export type UpdateOutcome = { kind: 'updated'; task: Task } | { kind: 'missing' } | { kind: 'conflict'; current: Task };

export type DeleteOutcome = { kind: 'deleted' } | { kind: 'missing' } | { kind: 'conflict'; current: Task };

export type RestoreOutcome = { kind: 'restored'; task: Task } | { kind: 'live'; task: Task } | { kind: 'missing' };

/** The maintained counts, and a version of the whole list that grows with every change. */
export interface ListStats {
  counts: StatusCounts;
  version: number;
}

/**
 * Every call names the account whose tasks it reads or changes (the owner), so no query can forget
 * it: another account's task is exactly as missing as a task that never existed.
 */
export interface TaskStore {
  readStats(owner: number): Promise<ListStats>;
  countByStatus(owner: number, filter: Omit<ListFilter, 'status'>): Promise<StatusCounts>;
  countDue(
    owner: number,
    today: string,
    weekEnd: string,
    filter: Pick<ListFilter, 'search' | 'priority'>,
  ): Promise<DueCounts>;
  /** With a request key, a second insert under the same key returns the first task (see InsertOutcome). */
  insert(owner: number, task: NewTask, now: Date, request?: CreateRequest): Promise<InsertOutcome>;
  findById(owner: number, id: number): Promise<Task | null>;
  list(owner: number, filter: ListFilter, sort: TaskSort, after: ListPosition | null, limit: number): Promise<Task[]>;
  update(
    owner: number,
    id: number,
    changes: TaskChanges,
    expectedVersion: number | null,
    now: Date,
  ): Promise<UpdateOutcome>;
  /** Moves the task to deleted_tasks, from where restore brings it back. */
  remove(owner: number, id: number, expectedVersion: number | null, now: Date): Promise<DeleteOutcome>;
  /** Brings back a task deleted at `deletedSince` or later; one already back is `live`. */
  restore(owner: number, id: number, now: Date, deletedSince: Date): Promise<RestoreOutcome>;
  /** Deletes for good every task deleted before the given time; returns how many. */
  purgeDeleted(deletedBefore: Date): Promise<number>;
  /** Sets the status of every task named, or none of them (see BulkOutcome). */
  setStatusOf(owner: number, targets: BulkTarget[], status: TaskStatus, now: Date): Promise<BulkOutcome>;
  /** Deletes every task named, or every done task, or none; each deleted at `now`. */
  removeMany(owner: number, targets: BulkTarget[] | 'done', now: Date): Promise<BulkOutcome>;
  /** Restores the tasks named, or every task deleted at one instant, deleted at `deletedSince` or later. */
  restoreMany(owner: number, which: number[] | Date, now: Date, deletedSince: Date): Promise<BulkOutcome>;
  /** Which of these request keys the owner's tasks carry already. */
  takenRequestKeys(owner: number, keys: readonly string[]): Promise<Set<string>>;
  /**
   * Inserts the tasks in one transaction, in the order given, leaving out those whose request key
   * the owner's tasks carry already: every new one is stored, or none is. An owner's imports take
   * turns.
   */
  insertMany(owner: number, tasks: readonly ImportedTask[], now: Date): Promise<{ added: number; present: number }>;
}

/** A task a bulk change names, and the version it was seen at (null: whatever it is now). */
export interface BulkTarget {
  id: number;
  version: number | null;
}

/**
 * What a bulk change did: all of it (the ids it covers, and its instant, which names a bulk delete
 * for its undo), or nothing, because some task named is missing or at another version.
 */
export type BulkOutcome =
  | { kind: 'done'; ids: number[]; at: Date }
  | { kind: 'missing'; ids: number[] }
  | { kind: 'conflict'; ids: number[] };

interface TaskRow {
  id: number | string;
  title: string;
  notes: string;
  status: TaskStatus;
  priority: number;
  due_date: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  version: number | string;
}

const COLUMNS = 'id, title, notes, status, priority, due_date, created_at, updated_at, completed_at, version';
/** What deleted_tasks keeps of a task: all but its idempotency key. */
const KEPT_COLUMNS = `owner_id, title_terms, notes_terms, ${COLUMNS}`;

const rankOf = (priority: TaskPriority): number => PRIORITIES.indexOf(priority) + 1;
const priorityOf = (rank: number): TaskPriority => PRIORITIES[rank - 1] ?? 'normal';

function toTask(row: TaskRow): Task {
  return {
    id: Number(row.id),
    title: row.title,
    notes: row.notes,
    status: row.status,
    priority: priorityOf(Number(row.priority)),
    due_date: row.due_date,
    created_at: fromSqlTimestamp(row.created_at),
    updated_at: fromSqlTimestamp(row.updated_at),
    completed_at: row.completed_at === null ? null : fromSqlTimestamp(row.completed_at),
    version: Number(row.version),
  };
}

/**
 * A search as a condition on tasks, for the lists read in another order than newest first (by
 * priority or due date): the tasks the term index matches (src/tasks/term-search.ts).
 */
export function searchCondition(
  owner: number,
  words: string[],
  found?: FoundTerms,
): { sql: string; params: SqlValue[] } {
  const matches = matchesSql(found ?? { kind: 'several', owner, words: independentWords(words) }, {});
  return { sql: `id IN (SELECT task_id FROM (${matches.sql}) AS matches)`, params: matches.params };
}

/** A list filter in the term index's columns. */
function termFilterOf(filter: Omit<ListFilter, 'status'> & { status?: ListFilter['status'] }): TermFilter {
  return {
    status: filter.status === 'all' ? undefined : filter.status,
    priority: filter.priority && rankOf(filter.priority),
    dueFrom: filter.due?.from,
    dueTo: filter.due?.to,
  };
}

/**
 * The owner index (migration 9) that delivers a list in its order: the one the list must walk.
 * None for a search (the full-text index finds the rows) or a due window in another order than
 * due dates (the window's range of the due index, then a sort of its few rows, beats a walk).
 */
function listIndex(filter: ListFilter, sort: TaskSort): string | null {
  if (searchWords(filter.search).length || (filter.due && sort !== 'due')) return null;
  const byStatus = filter.status !== 'all';
  if (sort === 'due') return byStatus ? 'tasks_owner_status_due_id' : 'tasks_owner_due_id';
  if (sort === 'priority' || filter.priority)
    return byStatus ? 'tasks_owner_status_priority_id' : 'tasks_owner_priority_id';
  return byStatus ? 'tasks_owner_status_id' : 'tasks_owner_id';
}

class SqlWhere {
  readonly clauses: string[] = [];
  readonly params: SqlValue[] = [];

  add(clause: string, ...params: SqlValue[]): this {
    this.clauses.push(clause);
    this.params.push(...params);
    return this;
  }

  toSql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** The owner's tasks that pass a filter; `found`, what its search found in the term index, when looked up. */
function filterWhere(owner: number, filter: ListFilter, found?: FoundTerms): SqlWhere {
  const where = new SqlWhere().add('owner_id = ?', owner);
  if (filter.status !== 'all') where.add('status = ?', filter.status);
  if (filter.priority) where.add('priority = ?', rankOf(filter.priority));
  if (filter.due?.from) where.add('due_date >= ?', filter.due.from);
  if (filter.due?.to) where.add('due_date <= ?', filter.due.to);
  const words = searchWords(filter.search);
  if (words.length) {
    const condition = searchCondition(owner, words, found);
    where.add(condition.sql, ...condition.params);
  }
  return where;
}

interface CountRow {
  owner_id: number | string;
  status: TaskStatus;
  total: number | string;
  writes: number | string;
}

const emptyStats = (): ListStats => ({ counts: { open: 0, done: 0 }, version: 0 });

/** A create waiting for its batch (src/db/batched-writes.ts). */
interface PendingCreate {
  owner: number;
  task: NewTask;
  now: Date;
  request: CreateRequest | undefined;
}

const INSERT_TASK = `INSERT INTO tasks (owner_id, title, notes, title_terms, notes_terms, status, priority, due_date,
  created_at, updated_at, completed_at, version, request_key, request_fingerprint) VALUES`;
const INSERT_TASK_ROW = "(?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, NULL, 1, ?, ?)";

const insertParams = (owner: number, task: NewTask, stamp: string, request: CreateRequest | undefined) => [
  owner,
  task.title,
  task.notes,
  searchTerms(owner, task.title),
  searchTerms(owner, task.notes),
  rankOf(task.priority),
  task.due_date,
  stamp,
  stamp,
  request?.key ?? null,
  request?.fingerprint ?? null,
];

/** A task just inserted: everything its row holds is known here, so it is not read back. */
function createdTask(id: number, task: NewTask, stamp: string): Task {
  const iso = fromSqlTimestamp(stamp);
  return {
    id,
    title: task.title,
    notes: task.notes,
    status: 'open',
    priority: task.priority,
    due_date: task.due_date,
    created_at: iso,
    updated_at: iso,
    completed_at: null,
    version: 1,
  };
}

const randomShard = () => Math.floor(Math.random() * COUNT_SHARDS);

/** The status a task has now, its row locked until the transaction ends; null when there is none. */
async function statusForUpdate(tx: SqlClient, owner: number, id: number): Promise<TaskStatus | null> {
  const rows = await tx.query<{ status: TaskStatus }>(
    `SELECT status FROM tasks WHERE id = ? AND owner_id = ?${tx.lockingRead}`,
    [id, owner],
  );
  return rows[0]?.status ?? null;
}

/**
 * Records a change in the maintained counts: a task moving between statuses (null: created or
 * deleted; the same status: edited), and one more write for the list's version. Counter rows are
 * always updated in the same order ('done' before 'open'), and after the task's own row is
 * locked, so two transactions can never hold them crosswise and deadlock.
 */
async function recordChange(
  tx: SqlClient,
  owner: number,
  from: TaskStatus | null,
  to: TaskStatus | null,
): Promise<void> {
  const deltas: StatusDeltas = {};
  if (from) deltas[from] = -1;
  if (to) deltas[to] = (deltas[to] ?? 0) + 1;
  await recordDeltas(tx, owner, deltas);
}

/** How many tasks each status gains (or loses); a status named with 0 still counts one more write. */
type StatusDeltas = Partial<Record<TaskStatus, number>>;

/** Records many changes at once in the maintained counts, in the same order as recordChange. */
async function recordDeltas(tx: SqlClient, owner: number, deltas: StatusDeltas): Promise<void> {
  const shard = randomShard();
  for (const status of STATUSES.filter((candidate) => candidate in deltas).sort())
    await addToCount(tx, [deltas[status] ?? 0, owner, status, shard]);
}

/** Each status's share of some tasks, negated when they leave it. */
function deltasOf(rows: { status: TaskStatus }[], sign: 1 | -1): StatusDeltas {
  const deltas: StatusDeltas = {};
  for (const { status } of rows) deltas[status] = (deltas[status] ?? 0) + sign;
  return deltas;
}

/**
 * Adds to a counter row, which ownerCounts made. Should it be missing all the same (task_counts was
 * rebuilt meanwhile), it is made here; a race to make it is lost on the primary key (only that
 * statement is undone), and the loser adds to the row the winner made.
 */
async function addToCount(tx: SqlClient, row: [delta: number, owner: number, status: TaskStatus, shard: number]) {
  const update =
    'UPDATE task_counts SET total = total + ?, writes = writes + 1 WHERE owner_id = ? AND status = ? AND shard = ?';
  if ((await tx.execute(update, row)).affectedRows > 0) return;
  try {
    await tx.execute('INSERT INTO task_counts (total, owner_id, status, shard, writes) VALUES (?, ?, ?, ?, 1)', row);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await tx.execute(update, row);
  }
}

/**
 * The version of the list of the account whose id `ownerSql` names, as a column of another query:
 * the accounts gate reads it with the session or token (src/app.tsx), so a kept page or list costs
 * one query, not two. Read after the request arrived, like readStats, so as fresh. Only the version:
 * the counts are read when a page is rendered, which a kept page is not (and each status's sum
 * would add its own range read to every request's query).
 */
export const listVersionAlongside = {
  columns: (ownerSql: string) =>
    `(SELECT COALESCE(SUM(writes), 0) FROM task_counts WHERE owner_id = ${ownerSql}) AS list_version`,
  read: (row: Record<string, unknown>): number => Number(row.list_version ?? 0),
};

/**
 * Gives the first account the tasks made before accounts existed (owner 0), with their counts; run
 * in the transaction that creates that account.
 */
export async function claimUnownedTasks(tx: SqlClient, owner: number): Promise<void> {
  // Each search term starts with its owner's id: owner 0's prefix becomes the new owner's.
  const rePrefixed = (column: string) =>
    tx.engine === 'mysql'
      ? `TRIM(REPLACE(CONCAT(' ', ${column}), ' ${ownerTerm(0, '')}', ?))`
      : `TRIM(REPLACE(' ' || ${column}, ' ${ownerTerm(0, '')}', ?))`;
  const prefix = ` ${ownerTerm(owner, '')}`;
  await tx.execute(
    `UPDATE tasks SET owner_id = ?, title_terms = ${rePrefixed('title_terms')}, notes_terms = ${rePrefixed('notes_terms')}
     WHERE owner_id = 0`,
    [owner, prefix, prefix],
  );
  // A new account has written nothing, so any counter rows it has hold zeros: owner 0's replace them.
  await tx.execute('DELETE FROM task_counts WHERE owner_id = ?', [owner]);
  await tx.execute('UPDATE task_counts SET owner_id = ? WHERE owner_id = 0', [owner]);
}

/** Every counter row of an owner, at zero: one multi-row INSERT (see ownerCounts). */
export function countRowsOf(owner: number): { sql: string; params: SqlValue[] } {
  const rows = STATUSES.flatMap((status) => Array.from({ length: COUNT_SHARDS }, (_, shard) => [owner, status, shard]));
  return {
    sql: `INSERT INTO task_counts (owner_id, status, shard, total, writes) VALUES ${rows.map(() => '(?, ?, ?, 0, 0)').join(', ')}`,
    params: rows.flat(),
  };
}

/**
 * Makes sure an owner's counter rows exist before a write transaction updates one. Made inside it
 * on first use, two transactions could each lock the gap where the row belongs and then wait for
 * the other's insert (a deadlock on InnoDB); made here, in a statement of their own, they cannot.
 * Each process asks once per owner; an instance that loses the race finds them made (a duplicate).
 */
function ownerCounts(client: SqlClient) {
  const made = new Set<number>();
  return async (owner: number): Promise<void> => {
    if (made.has(owner)) return;
    const { sql, params } = countRowsOf(owner);
    try {
      await client.execute(sql, params);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    made.add(owner);
  };
}

export function createTaskStore(client: SqlClient): TaskStore {
  const ensureCounts = ownerCounts(client);
  // The two reads every page and API call makes, batched across concurrent requests (see batchedReads).
  const statsReads = batchedReads(readStatsOf);
  const readStats = async (owner: number) => (await statsReads(owner)) ?? emptyStats();

  async function readStatsOf(owners: number[]): Promise<Map<number, ListStats>> {
    const owned = inList(owners);
    const rows = await client.query<CountRow>(
      `SELECT owner_id, status, SUM(total) AS total, SUM(writes) AS writes FROM task_counts
       WHERE owner_id ${owned.sql} GROUP BY owner_id, status`,
      owned.params,
    );
    const stats = new Map<number, ListStats>();
    for (const row of rows) {
      const owner = Number(row.owner_id);
      const entry = stats.get(owner) ?? emptyStats();
      entry.counts[row.status] = Number(row.total);
      entry.version += Number(row.writes);
      stats.set(owner, entry);
    }
    return stats;
  }

  const readMaintainedCounts = async (owner: number) => (await readStats(owner)).counts;

  /**
   * A page of tasks in a list's order. A search's page (`searched`) picks its ids first, from the list
   * index alone, then reads those rows: asked for whole rows at once, MariaDB read every task a common
   * word matches and sorted them (132 ms for 37,000 of 10^6, by priority); asked for ids, it walks
   * the list index and looks each up in the matches (14 ms), or starts from a rare word's few matches.
   */
  async function select(
    where: SqlWhere,
    orderBy: string,
    limit: number,
    index: string | null,
    searched = false,
  ): Promise<Task[]> {
    // MariaDB, given "owner_id = ? AND id < ?" as a prepared statement, reads the owner's rows by
    // `ref` on owner_id alone and skips every newer row one by one: a page deep in a list of 200,000
    // took 190–320 ms. Named, the index is read as a range on all its columns (under 1 ms).
    const hint = index && client.engine === 'mysql' ? ` FORCE INDEX (${index})` : '';
    const page = `FROM tasks${hint} ${where.toSql()} ORDER BY ${orderBy} LIMIT ?`;
    // LIMIT travels as a string: MySQL 8's prepared statements reject a JS number sent as DOUBLE.
    const sql = searched
      ? `SELECT ${COLUMNS} FROM tasks WHERE id IN (SELECT id FROM (SELECT id ${page}) AS page) ORDER BY ${orderBy}`
      : `SELECT ${COLUMNS} ${page}`;
    const rows = await client.query<TaskRow>(sql, [...where.params, String(limit)]);
    return rows.map(toTask);
  }

  // Batched by id alone (one query for every account's reads); the owner is checked on the row.
  const byIdReads = batchedReads(async (ids: number[]) => {
    const named = inList(ids);
    const rows = await client.query<TaskRow & { owner_id: number | string }>(
      `SELECT ${COLUMNS}, owner_id FROM tasks WHERE id ${named.sql}`,
      named.params,
    );
    return new Map(rows.map((row) => [Number(row.id), { owner: Number(row.owner_id), task: toTask(row) }]));
  });
  const findById = async (owner: number, id: number): Promise<Task | null> => {
    const found = await byIdReads(id);
    return found?.owner === owner ? found.task : null;
  };

  // Undated tasks come after dated ones. Two index range scans instead of ORDER BY (due_date IS NULL),
  // which no index can serve: first the dated tasks, then, if the page has room, the undated ones.
  async function listByDue(
    owner: number,
    filter: ListFilter,
    after: ListPosition | null,
    limit: number,
    found: FoundTerms | undefined,
  ): Promise<Task[]> {
    const position = after?.sort === 'due' ? after : null;
    const page: Task[] = [];
    if (position?.due_date !== null) {
      // On the index select() names, "due_date IS NOT NULL" is where the range starts: after the
      // undated rows (NULLs sort first), not at them.
      const dated = filterWhere(owner, filter, found).add('due_date IS NOT NULL');
      if (position)
        dated.add('(due_date > ? OR (due_date = ? AND id > ?))', position.due_date, position.due_date, position.id);
      page.push(...(await select(dated, 'due_date ASC, id ASC', limit, listIndex(filter, 'due'), !!found)));
    }
    // A due window holds dated tasks only.
    if (page.length < limit && !filter.due) {
      const undated = filterWhere(owner, filter, found).add('due_date IS NULL');
      if (position?.due_date === null) undated.add('id > ?', position.id);
      page.push(...(await select(undated, 'id ASC', limit - page.length, listIndex(filter, 'due'), !!found)));
    }
    return page;
  }

  /** What a search's words find in the term index; a sole word is looked up, to know whether it has one term. */
  async function lookUpTerms(owner: number, search: string | undefined): Promise<TermLookup> {
    const words = independentWords(searchWords(search));
    const [soleWord] = words;
    if (words.length !== 1 || soleWord === undefined) return lookupOf(owner, words, null);
    const { sql, params } = termBoundsSql(owner, soleWord);
    const [bounds] = await client.query<TermBounds>(sql, params);
    return lookupOf(owner, words, bounds ?? null);
  }

  /**
   * Reads the owner's tasks that pass a filter, and `also`: from the tasks, or for a search from the
   * term index's matches, which carry every column a count needs. Null when a search has no match.
   */
  async function rowsOf<T>(
    owner: number,
    filter: Omit<ListFilter, 'status'>,
    also: Partial<Pick<ListFilter, 'status' | 'due'>>,
    read: (source: { sql: string; params: SqlValue[] }) => Promise<T[]>,
  ): Promise<T[] | null> {
    const due = { ...filter.due, ...also.due };
    if (!searchWords(filter.search).length) {
      const where = filterWhere(owner, { ...filter, status: also.status ?? 'all', due });
      return read({ sql: `tasks ${where.toSql()}`, params: where.params });
    }
    const lookup = await lookUpTerms(owner, filter.search);
    if (lookup.kind === 'none') return null;
    const matches = matchesSql(lookup, termFilterOf({ ...filter, ...also, due }));
    return read({ sql: `(${matches.sql}) AS matches`, params: matches.params });
  }

  /** A search's list page, newest first: the term index gives the ids, the tasks the rest. */
  async function searchPage(
    owner: number,
    filter: ListFilter,
    found: FoundTerms,
    beforeId: number | undefined,
    limit: number,
  ) {
    const page = pageIdsSql(found, { ...termFilterOf(filter), beforeId }, limit);
    const rows = await client.query<TaskRow>(
      `SELECT ${COLUMNS} FROM tasks WHERE owner_id = ? AND id IN (SELECT task_id FROM (${page.sql}) AS page)
       ORDER BY id DESC`,
      [owner, ...page.params],
    );
    return rows.map(toTask);
  }

  /** A create in a transaction of its own; a request key used before replays its task. */
  async function insertOne({ owner, task, now, request }: PendingCreate): Promise<InsertOutcome> {
    await ensureCounts(owner);
    const stamp = toSqlTimestamp(now);
    try {
      const insertId = await client.transaction(async (tx) => {
        const { insertId } = await tx.execute(
          `${INSERT_TASK} ${INSERT_TASK_ROW}`,
          insertParams(owner, task, stamp, request),
        );
        await recordChange(tx, owner, null, 'open');
        return insertId;
      });
      return { task: createdTask(insertId, task, stamp), replayed: false };
    } catch (error) {
      // The unique index on request_key decides a race: MySQL holds a second insert of a key until
      // the first one's transaction ends (SQLite runs one write at a time), so a duplicate is only
      // reported once the first task is committed, and this read sees it.
      if (!request || !isDuplicateKey(error)) throw error;
      const rows = await client.query<TaskRow & { request_fingerprint: string | null }>(
        `SELECT ${COLUMNS}, request_fingerprint FROM tasks WHERE owner_id = ? AND request_key = ?`,
        [owner, request.key],
      );
      const [row] = rows;
      if (!row) throw error;
      return { task: toTask(row), replayed: true, fingerprint: row.request_fingerprint };
    }
  }

  /**
   * Creates made at about the same time, in one transaction: one INSERT of every row, and each
   * owner's count once. A multi-row INSERT takes consecutive ids (InnoDB reserves them at once for
   * a statement whose row count it knows, in every autoinc lock mode; SQLite has one writer), so
   * each row's id follows from the first: MySQL reports the first id, SQLite the last.
   */
  async function insertMany(batch: PendingCreate[]): Promise<InsertOutcome[]> {
    for (const owner of new Set(batch.map((create) => create.owner))) await ensureCounts(owner);
    const stamps = batch.map((create) => toSqlTimestamp(create.now));
    const firstId = await client.transaction(async (tx) => {
      const { insertId } = await tx.execute(
        `${INSERT_TASK} ${batch.map(() => INSERT_TASK_ROW).join(', ')}`,
        batch.flatMap((create, at) => insertParams(create.owner, create.task, stamps[at] as string, create.request)),
      );
      // Counter rows in one order (owners ascending) in every batch, so two cannot hold them crosswise.
      const owners = [...new Set(batch.map((create) => create.owner))].sort((a, b) => a - b);
      for (const owner of owners) {
        const added = batch.filter((create) => create.owner === owner).length;
        await recordDeltas(tx, owner, { open: added });
      }
      return client.engine === 'sqlite' ? insertId - batch.length + 1 : insertId;
    });
    const step = await idStep();
    return batch.map((create, at) => ({
      task: createdTask(firstId + at * step, create.task, stamps[at] as string),
      replayed: false,
    }));
  }

  // How far apart a statement's ids are: 1 but on a server set up for multi-primary replication.
  let idIncrement: Promise<number> | undefined;
  const idStep = () =>
    (idIncrement ??=
      client.engine === 'mysql'
        ? client
            .query<{ step: number | string }>('SELECT @@auto_increment_increment AS step')
            .then(([row]) => Number(row?.step ?? 1))
        : Promise.resolve(1));

  const creates = batchedWrites({ writeMany: insertMany, writeOne: insertOne });

  /**
   * A transaction in the owner's turn: a bulk change, a delete or a restore. This process's own
   * wait for the turn holds no connection (src/lib/turns.ts); the account's row, locked first in
   * the transaction, is the turn across instances (takeTurn).
   */
  const turns = turnsByKey<number>();
  const inOwnersTurn = <T>(owner: number, work: (tx: SqlClient) => Promise<T>): Promise<T> =>
    turns(owner, () =>
      client.transaction(async (tx) => {
        await takeTurn(tx, owner);
        return work(tx);
      }),
    );

  return {
    readStats,

    async countByStatus(owner, filter) {
      const searched = searchWords(filter.search).length > 0;
      if (!searched && !filter.priority && !filter.due) return readMaintainedCounts(owner);
      const rows = await rowsOf(owner, filter, {}, (source) =>
        client.query<{ status: TaskStatus; total: number | string }>(
          `SELECT status, COUNT(*) AS total FROM ${source.sql} GROUP BY status`,
          source.params,
        ),
      );
      const counts: StatusCounts = { open: 0, done: 0 };
      for (const row of rows ?? []) counts[row.status] = Number(row.total);
      return counts;
    },

    /**
     * One range of the (owner, status, due_date) index, from the oldest open due date up to the
     * week's end, counted three ways: overdue (before today), today, and from today to the week's end.
     */
    async countDue(owner, today, weekEnd, filter) {
      const rows = await rowsOf(owner, filter, { status: 'open', due: { to: weekEnd } }, (source) =>
        client.query<Record<keyof DueCounts, number | string | null>>(
          `SELECT SUM(CASE WHEN due_date < ? THEN 1 ELSE 0 END) AS overdue,
                  SUM(CASE WHEN due_date = ? THEN 1 ELSE 0 END) AS today,
                  SUM(CASE WHEN due_date >= ? THEN 1 ELSE 0 END) AS week
           FROM ${source.sql}`,
          [today, today, today, ...source.params],
        ),
      );
      const [row] = rows ?? [];
      return { overdue: Number(row?.overdue ?? 0), today: Number(row?.today ?? 0), week: Number(row?.week ?? 0) };
    },

    insert: (owner, task, now, request) => creates({ owner, task, now, request }),

    findById,

    async list(owner, filter, sort, after, limit) {
      const found = searchWords(filter.search).length ? await lookUpTerms(owner, filter.search) : undefined;
      if (found?.kind === 'none') return [];
      if (sort === 'due') return listByDue(owner, filter, after, limit, found);
      // Under a priority filter every row has the same priority, so the priority order is the id order.
      const byPriority = sort === 'priority' && !filter.priority;
      if (!byPriority && found) return searchPage(owner, filter, found, after?.id, limit);
      const where = filterWhere(owner, filter, found);
      if (byPriority) {
        if (after?.sort === 'priority') {
          const rank = rankOf(after.priority);
          where.add('(priority < ? OR (priority = ? AND id < ?))', rank, rank, after.id);
        }
        return select(where, 'priority DESC, id DESC', limit, listIndex(filter, 'priority'), !!found);
      }
      if (after) where.add('id < ?', after.id);
      return select(where, 'id DESC', limit, listIndex(filter, 'created'));
    },

    async update(owner, id, changes, expectedVersion, now) {
      await ensureCounts(owner);
      const stamp = toSqlTimestamp(now);
      const assignments: string[] = [];
      const params: SqlValue[] = [];
      const assign = (column: string, value: SqlValue) => {
        assignments.push(`${column} = ?`);
        params.push(value);
      };
      // completed_at is set before status: MySQL evaluates SET left to right, and this reads no
      // column that the same statement changes, so both engines agree.
      if (changes.status !== undefined) {
        assignments.push("completed_at = CASE WHEN ? = 'done' THEN COALESCE(completed_at, ?) ELSE NULL END");
        params.push(changes.status, stamp);
        assign('status', changes.status);
      }
      if (changes.title !== undefined) {
        assign('title', changes.title);
        assign('title_terms', searchTerms(owner, changes.title));
      }
      if (changes.notes !== undefined) {
        assign('notes', changes.notes);
        assign('notes_terms', searchTerms(owner, changes.notes));
      }
      if (changes.priority !== undefined) assign('priority', rankOf(changes.priority));
      if (changes.due_date !== undefined) assign('due_date', changes.due_date);
      assign('updated_at', stamp);
      assignments.push('version = version + 1');

      const where = new SqlWhere().add('id = ?', id).add('owner_id = ?', owner);
      if (expectedVersion !== null) where.add('version = ?', expectedVersion);
      const sql = `UPDATE tasks SET ${assignments.join(', ')} ${where.toSql()}`;
      const outcome = await client.transaction(async (tx) => {
        const before = await statusForUpdate(tx, owner, id);
        if (!before) return 'missing';
        // The row is there and locked: only a version other than the one expected changes nothing.
        if ((await tx.execute(sql, [...params, ...where.params])).affectedRows === 0) return 'conflict';
        await recordChange(tx, owner, before, changes.status ?? before);
        return 'updated';
      });
      const current = outcome === 'missing' ? null : await findById(owner, id);
      if (!current) return { kind: 'missing' };
      return outcome === 'conflict' ? { kind: 'conflict', current } : { kind: 'updated', task: current };
    },

    async remove(owner, id, expectedVersion, now) {
      await ensureCounts(owner);
      const where = new SqlWhere().add('id = ?', id).add('owner_id = ?', owner);
      if (expectedVersion !== null) where.add('version = ?', expectedVersion);
      const outcome = await inOwnersTurn(owner, async (tx) => {
        const before = await statusForUpdate(tx, owner, id);
        if (!before) return 'missing';
        // The row is locked: what is copied is what is deleted, unless its version is not the one expected.
        const { affectedRows } = await tx.execute(
          `INSERT INTO deleted_tasks (${KEPT_COLUMNS}, deleted_at)
           SELECT ${KEPT_COLUMNS}, ? FROM tasks ${where.toSql()}`,
          [toSqlTimestamp(now), ...where.params],
        );
        if (affectedRows === 0) return 'conflict';
        await tx.execute('DELETE FROM tasks WHERE id = ? AND owner_id = ?', [id, owner]);
        await recordChange(tx, owner, before, null);
        return 'deleted';
      });
      if (outcome === 'deleted') return { kind: 'deleted' };
      const current = outcome === 'conflict' ? await findById(owner, id) : null;
      return current ? { kind: 'conflict', current } : { kind: 'missing' };
    },

    async restore(owner, id, now, deletedSince) {
      await ensureCounts(owner);
      const stamp = toSqlTimestamp(now);
      const restored = await inOwnersTurn(owner, async (tx) => {
        const [kept] = await tx.query<{ status: TaskStatus }>(
          `SELECT status FROM deleted_tasks WHERE id = ? AND owner_id = ? AND deleted_at >= ?${tx.lockingRead}`,
          [id, owner, toSqlTimestamp(deletedSince)],
        );
        if (!kept) return false;
        // Back with its id, one version on: a page or client holding the deleted version sees it changed.
        const restoredColumns = KEPT_COLUMNS.replace('updated_at', '?').replace('version', 'version + 1');
        await tx.execute(
          `INSERT INTO tasks (${KEPT_COLUMNS}) SELECT ${restoredColumns} FROM deleted_tasks WHERE id = ?`,
          [stamp, id],
        );
        await tx.execute('DELETE FROM deleted_tasks WHERE id = ?', [id]);
        await recordChange(tx, owner, null, kept.status);
        return true;
      });
      const task = await findById(owner, id);
      if (!task) return { kind: 'missing' };
      return restored ? { kind: 'restored', task } : { kind: 'live', task };
    },

    async purgeDeleted(deletedBefore) {
      const { affectedRows } = await client.execute('DELETE FROM deleted_tasks WHERE deleted_at < ?', [
        toSqlTimestamp(deletedBefore),
      ]);
      return affectedRows;
    },

    async setStatusOf(owner, targets, status, now) {
      await ensureCounts(owner);
      const stamp = toSqlTimestamp(now);
      return inOwnersTurn(owner, async (tx) => {
        const locked = await lockTargets(tx, owner, targets);
        if (locked.kind !== 'done') return locked;
        const moving = locked.rows.filter((row) => row.status !== status);
        const movingIds = moving.map((row) => Number(row.id));
        for (const ids of inLists(movingIds, BULK_CHUNK)) {
          await tx.execute(
            `UPDATE ${byId(tx, 'tasks')} SET completed_at = ${status === 'done' ? 'COALESCE(completed_at, ?)' : '?'},
               status = ?, updated_at = ?, version = version + 1
             WHERE owner_id = ? AND id ${ids.sql}`,
            [status === 'done' ? stamp : null, status, stamp, owner, ...ids.params],
          );
        }
        if (moving.length) {
          await recordDeltas(tx, owner, { ...deltasOf(moving, -1), [status]: moving.length });
        }
        return { kind: 'done', ids: targets.map((target) => target.id), at: now };
      });
    },

    async removeMany(owner, targets, now) {
      await ensureCounts(owner);
      const stamp = toSqlTimestamp(now);
      return inOwnersTurn(owner, async (tx): Promise<BulkOutcome> => {
        let rows: LockedRow[];
        if (targets === 'done') {
          // What is done when the clear starts; one completed meanwhile is left for the next clear.
          const done = await tx.query<{ id: number | string }>(
            `SELECT id FROM tasks WHERE owner_id = ? AND status = 'done'`,
            [owner],
          );
          const locked = await lockByIds(
            tx,
            owner,
            done.map((row) => Number(row.id)),
          );
          rows = locked.filter((row) => row.status === 'done');
        } else {
          const locked = await lockTargets(tx, owner, targets);
          if (locked.kind !== 'done') return locked;
          rows = locked.rows;
        }
        const ids = rows.map((row) => Number(row.id));
        for (const chunk of inLists(ids, BULK_CHUNK)) {
          await tx.execute(
            `INSERT INTO deleted_tasks (${KEPT_COLUMNS}, deleted_at)
             SELECT ${KEPT_COLUMNS}, ? FROM ${byId(tx, 'tasks')} WHERE owner_id = ? AND id ${chunk.sql}`,
            [stamp, owner, ...chunk.params],
          );
          await tx.execute(`${deleteById(tx, 'tasks')} WHERE owner_id = ? AND id ${chunk.sql}`, [
            owner,
            ...chunk.params,
          ]);
        }
        if (rows.length) await recordDeltas(tx, owner, deltasOf(rows, -1));
        return { kind: 'done', ids, at: now };
      });
    },

    async restoreMany(owner, which, now, deletedSince) {
      await ensureCounts(owner);
      const stamp = toSqlTimestamp(now);
      return inOwnersTurn(owner, async (tx): Promise<BulkOutcome> => {
        const where = new SqlWhere().add('owner_id = ?', owner).add('deleted_at >= ?', toSqlTimestamp(deletedSince));
        if (which instanceof Date) where.add('deleted_at = ?', toSqlTimestamp(which));
        else {
          const named = inList(which);
          where.add(`id ${named.sql}`, ...named.params);
        }
        // A locking read, so the read of live tasks below sees every change committed before it.
        const kept = await tx.query<{ id: number | string; status: TaskStatus }>(
          `SELECT id, status FROM deleted_tasks ${where.toSql()}${tx.lockingRead}`,
          where.params,
        );
        const ids = kept.map((row) => Number(row.id));
        if (Array.isArray(which)) {
          // A task named that is back already counts as restored; one neither kept nor live is missing.
          const back = new Set(ids);
          const others = which.filter((id) => !back.has(id));
          const live = others.length ? await liveIds(tx, owner, others) : new Set<number>();
          const missing = others.filter((id) => !live.has(id));
          if (missing.length) return { kind: 'missing', ids: missing };
        }
        const restoredColumns = KEPT_COLUMNS.replace('updated_at', '?').replace('version', 'version + 1');
        for (const chunk of inLists(ids, BULK_CHUNK)) {
          await tx.execute(
            `INSERT INTO tasks (${KEPT_COLUMNS})
             SELECT ${restoredColumns} FROM ${byId(tx, 'deleted_tasks')} WHERE owner_id = ? AND id ${chunk.sql}`,
            [stamp, owner, ...chunk.params],
          );
          await tx.execute(`${deleteById(tx, 'deleted_tasks')} WHERE owner_id = ? AND id ${chunk.sql}`, [
            owner,
            ...chunk.params,
          ]);
        }
        if (kept.length) await recordDeltas(tx, owner, deltasOf(kept, 1));
        return { kind: 'done', ids: Array.isArray(which) ? which : ids, at: now };
      });
    },

    takenRequestKeys: (owner, keys) => requestKeysTaken(client, owner, keys),

    async insertMany(owner, tasks, now) {
      await ensureCounts(owner);
      // One import of an owner's at a time, on every instance: the next one's transaction starts
      // after this one committed, so it finds these keys taken instead of racing to insert them
      // (on InnoDB, two such inserts blocked on each other's keys and deadlocked).
      return client.exclusive(`tasks-import-${owner}`, (locked) =>
        locked.transaction(async (tx) => {
          const keys = tasks.map((task) => task.request.key);
          const taken = await requestKeysTaken(tx, owner, keys);
          const fresh = tasks.filter((task) => !taken.has(task.request.key));
          for (let at = 0; at < fresh.length; at += ROWS_PER_INSERT) {
            for (const run of powerOfTwoRuns(fresh.slice(at, at + ROWS_PER_INSERT)))
              await insertRows(tx, owner, run, toSqlTimestamp(now));
          }
          const shard = randomShard();
          // In recordChange's order ('done' before 'open'), so no two transactions hold them crosswise.
          for (const status of [...STATUSES].sort()) {
            const added = fresh.filter((task) => task.status === status).length;
            if (added > 0) await addToCount(tx, [added, owner, status, shard]);
          }
          return { added: fresh.length, present: tasks.length - fresh.length };
        }),
      );
    },
  };
}

/**
 * Statements name at most this many ids, so a bulk change of any size stays within any engine's
 * limits (a power of two: inList pads to one).
 */
const BULK_CHUNK = 512;

interface LockedRow {
  id: number | string;
  status: TaskStatus;
  version: number | string;
}

/**
 * Takes the owner's turn for a bulk change, a delete or a restore, first thing in the transaction.
 * A delete locks a task and then writes its deleted row, a restore the other way round; and a row
 * deleted and written again leaves a delete-marked record that InnoDB locks with the gap beside it,
 * which can be a task another bulk change holds. So these deadlocked when one account sent many at
 * once (one in ten of a drill's 200 requests); one at a time, they cannot. Other accounts and single
 * edits do not wait. The account's row is the lock: nothing that locks it locks tasks.
 */
async function takeTurn(tx: SqlClient, owner: number): Promise<void> {
  await tx.query(`SELECT id FROM users WHERE id = ?${tx.lockingRead}`, [owner]);
}

/**
 * Locks the tasks a bulk change names and checks that every one is the owner's and at the version
 * given (lockOwned says in what order).
 */
async function lockTargets(
  tx: SqlClient,
  owner: number,
  targets: BulkTarget[],
): Promise<{ kind: 'done'; rows: LockedRow[] } | Exclude<BulkOutcome, { kind: 'done' }>> {
  const ids = targets.map((target) => target.id);
  const rows = await lockOwned(tx, owner, ids);
  const found = new Map(rows.map((row) => [Number(row.id), row]));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) return { kind: 'missing', ids: missing };
  const stale = targets.filter(
    (target) => target.version !== null && Number(found.get(target.id)?.version) !== target.version,
  );
  if (stale.length) return { kind: 'conflict', ids: stale.map((target) => target.id) };
  return { kind: 'done', rows };
}

/**
 * Locks those of `ids` that are the owner's tasks. The owner's are found first, without locks, so a
 * request naming another account's tasks never locks them (lockByIds says in what order).
 */
const lockOwned = async (tx: SqlClient, owner: number, ids: number[]): Promise<LockedRow[]> =>
  lockByIds(tx, owner, [...(await liveIds(tx, owner, ids))]);

/**
 * Locks the rows of `ids` that exist, through the primary key, in id order; `ids` are the owner's,
 * and the owner is named again all the same. Every write of a task
 * locks its row by id first (a single edit finds it by id); a bulk change that locked through the
 * owner's index instead held an index entry while waiting for the row, which an edit of the same
 * task held while waiting for the entry, and InnoDB ended one of them as a deadlock (a 503).
 */
async function lockByIds(tx: SqlClient, owner: number, ids: number[]): Promise<LockedRow[]> {
  const rows: LockedRow[] = [];
  const sorted = ids.toSorted((a, b) => a - b);
  for (const named of inLists(sorted, BULK_CHUNK)) {
    const sql = `SELECT id, status, version FROM ${byId(tx, 'tasks')} WHERE owner_id = ? AND id ${named.sql}
      ORDER BY id${tx.lockingRead}`;
    rows.push(...(await tx.query<LockedRow>(sql, [owner, ...named.params])));
  }
  return rows;
}

type TaskTable = 'tasks' | 'deleted_tasks';

/**
 * The table, for a statement that must reach its rows by id alone: given a few rows, MySQL may scan
 * the whole table or an owner index instead, locking rows in another order or other accounts' rows.
 */
const byId = (tx: SqlClient, table: TaskTable) => (tx.engine === 'mysql' ? `${table} FORCE INDEX (PRIMARY)` : table);

/** DELETE by id alone: MySQL takes an index hint in the multi-table form only. */
const deleteById = (tx: SqlClient, table: TaskTable) =>
  tx.engine === 'mysql' ? `DELETE ${table} FROM ${byId(tx, table)}` : `DELETE FROM ${table}`;

async function liveIds(tx: SqlClient, owner: number, ids: number[]): Promise<Set<number>> {
  const live = new Set<number>();
  for (const named of inLists(ids, BULK_CHUNK)) {
    const sql = `SELECT id FROM tasks WHERE owner_id = ? AND id ${named.sql}`;
    for (const row of await tx.query<{ id: number | string }>(sql, [owner, ...named.params])) live.add(Number(row.id));
  }
  return live;
}

/**
 * Rows per multi-row INSERT of an import, 13 parameters each. Its shapes (every power of two up to
 * this, src/db/statement-shapes.ts) stay prepared on each connection they ran on, so it is small.
 */
const ROWS_PER_INSERT = 128;
/** Keys per IN list when looking request keys up (a power of two: inList pads to one). */
const KEYS_PER_LOOKUP = 1_024;

async function requestKeysTaken(client: SqlClient, owner: number, keys: readonly string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  for (let at = 0; at < keys.length; at += KEYS_PER_LOOKUP) {
    const batch = inList(keys.slice(at, at + KEYS_PER_LOOKUP));
    const rows = await client.query<{ request_key: string | Buffer }>(
      `SELECT request_key FROM tasks WHERE owner_id = ? AND request_key ${batch.sql}`,
      [owner, ...batch.params],
    );
    // MySQL hands a VARBINARY back as bytes; SQLite as the text it stored.
    for (const row of rows) taken.add(String(row.request_key));
  }
  return taken;
}

async function insertRows(tx: SqlClient, owner: number, tasks: readonly ImportedTask[], stamp: string) {
  const params = tasks.flatMap((task) => [
    owner,
    task.title,
    task.notes,
    searchTerms(owner, task.title),
    searchTerms(owner, task.notes),
    task.status,
    rankOf(task.priority),
    task.due_date,
    stamp,
    stamp,
    task.completed_at === null ? null : toSqlTimestamp(task.completed_at),
    task.request.key,
    task.request.fingerprint,
  ]);
  await tx.execute(
    `INSERT INTO tasks (owner_id, title, notes, title_terms, notes_terms, status, priority, due_date, created_at,
                        updated_at, completed_at, version, request_key, request_fingerprint)
     VALUES ${tasks.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)').join(', ')}`,
    params,
  );
}
