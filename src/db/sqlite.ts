import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqlClient, SqlValue, WriteResult } from './sql-client';

const MEMORY = ':memory:';

const BUSY_TIMEOUT_MS = 5_000;

/**
 * Switching a new file to WAL needs it to itself for a moment. When instances start together, each
 * holds a read lock and asks for the file, and SQLite answers one SQLITE_BUSY at once rather than
 * have it wait (its busy handler is skipped where waiting could deadlock): one of three processes
 * started together exited 1 in a CI run. So the switch is tried again until the busy timeout.
 */
function switchToWal(db: Database): void {
  const deadline = performance.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || performance.now() > deadline) throw error;
      Bun.sleepSync(5 + Math.random() * 20);
    }
  }
}

/**
 * Opens (creating if needed) the SQLite file, tuned for a small web app: WAL, a busy timeout.
 *
 * There is one connection, so a transaction would otherwise take in whatever else runs while it
 * awaits: a statement of another request would join it, and vanish with it on a rollback. While a
 * transaction is open, every other statement and transaction waits its turn.
 */
export function openSqlite(path: string): SqlClient {
  if (path !== MEMORY) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, strict: true });
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  switchToWal(db);
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');

  const query = <Row>(sql: string, params: readonly SqlValue[] = []) => db.query(sql).all(...params) as Row[];
  const execute = (sql: string, params: readonly SqlValue[] = []): WriteResult => {
    const result = db.query(sql).run(...params);
    return { affectedRows: result.changes, insertId: Number(result.lastInsertRowid) };
  };

  // Transactions run one after another; a statement waits only while one is queued or open.
  let queue: Promise<unknown> = Promise.resolve();
  let pending = 0;
  function enqueue<T>(step: () => T | Promise<T>): Promise<T> {
    pending++;
    const turn = queue.then(step).finally(() => pending--);
    queue = turn.catch(() => {});
    return turn;
  }
  const inTurn = <T>(step: () => T): Promise<T> =>
    pending === 0 ? new Promise<T>((resolve) => resolve(step())) : enqueue(step);

  // The client a transaction's work receives: its statements run at once, inside the transaction.
  const inside: SqlClient = {
    engine: 'sqlite',
    query: async (sql, params) => query(sql, params),
    execute: async (sql, params) => execute(sql, params),
    exclusive: (_lockName, work) => work(inside),
    transaction: (work) => work(inside),
    lockingRead: '',
    poolStats: () => null,
    close: async () => {},
  };

  async function runTransaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T> {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(inside);
      db.exec('COMMIT');
      return result;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  const client: SqlClient = {
    engine: 'sqlite',
    query: (sql, params) => inTurn(() => query(sql, params)),
    execute: (sql, params) => inTurn(() => execute(sql, params)),
    // One process owns the file's writers through BEGIN IMMEDIATE; other processes wait on busy_timeout.
    exclusive: (_lockName, work) => client.transaction(work),
    transaction: (work) => enqueue(() => runTransaction(work)),
    lockingRead: '',
    poolStats: () => null,
    async close() {
      await queue;
      db.close();
    },
  };
  return client;
}
