import { type Engine, type SqlClient, toSqlTimestamp } from './sql-client';

/**
 * The migration runner: versioned schema changes, applied in order at start and recorded in
 * schema_migrations. Each feature owns its migrations (src/tasks/schema.ts) and hands them in;
 * this layer knows no table but its own ledger.
 */
export interface Migration {
  version: number;
  name: string;
  statements: Record<Engine, string[]>;
  /**
   * Fills what SQL alone cannot compute, after the statements and before the version is recorded.
   * It must be safe to run again: a migration interrupted on MySQL, whose DDL commits at once,
   * would otherwise leave work half done that no later start repeats.
   */
  backfill?: (client: SqlClient) => Promise<void>;
}

// The ledger names its collation, as every table does, so the database's default never matters.
// Ledgers made before it did (utf8mb4 in the server's default utf8mb4 collation) are left as they
// are: their one text column, the migration's name, is only ever written, never compared.
const CREATE_LEDGER: Record<Engine, string> = {
  mysql: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    applied_at DATETIME(3) NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`,
};

const LOCK_NAME = 'task-manager:migrations';

/**
 * Applies every migration not yet recorded. Instances starting together serialise on a database
 * lock (GET_LOCK on MySQL, a write transaction on SQLite), so each migration runs exactly once.
 * Returns the versions this call applied.
 */
export async function migrate(client: SqlClient, migrations: readonly Migration[]): Promise<number[]> {
  return client.exclusive(LOCK_NAME, async (locked) => {
    await locked.execute(CREATE_LEDGER[locked.engine]);
    const rows = await locked.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements[locked.engine]) await locked.execute(statement);
      await migration.backfill?.(locked);
      await locked.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        toSqlTimestamp(new Date()),
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
