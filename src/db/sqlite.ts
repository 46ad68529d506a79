import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqlClient, SqlValue, WriteResult } from './sql-client';

const MEMORY = ':memory:';

/** Opens (creating if needed) the SQLite file, tuned for a small web app: WAL, a busy timeout. */
export function openSqlite(path: string): SqlClient {
  if (path !== MEMORY) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, strict: true });
  // busy_timeout first: switching to WAL takes a lock too, and instances may start together.
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');

  const client: SqlClient = {
    engine: 'sqlite',
    async query<Row>(sql: string, params: readonly SqlValue[] = []) {
      return db.query(sql).all(...params) as Row[];
    },
    async execute(sql: string, params: readonly SqlValue[] = []): Promise<WriteResult> {
      const result = db.query(sql).run(...params);
      return { affectedRows: result.changes, insertId: Number(result.lastInsertRowid) };
    },
    // One process owns the file's writers through this lock; other processes wait on busy_timeout.
    async exclusive(_lockName, work) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(client);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    poolStats: () => null,
    async close() {
      db.close();
    },
  };
  return client;
}
