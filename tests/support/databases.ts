import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestMysqlDatabase } from '../../harness/mariadb';
import { APP_MIGRATIONS } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/open-database';
import type { Engine, SqlClient } from '../../src/db/sql-client';
import { rebuildTaskCounts } from '../../src/tasks/schema';

/**
 * The engines every store and API test runs against: a SQLite temp file and a real MariaDB.
 * Each open() hands out a fresh, migrated, empty database and a cleanup that removes it.
 */

export interface TestDatabase {
  url: string;
  client: SqlClient;
  /** Removes every task (and resets the maintained counts with them). */
  empty(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface TestEngine {
  name: Engine;
  /** A fresh empty database URL (no migrations run), and how to remove it. */
  createUrl(): Promise<{ url: string; drop(): Promise<void> }>;
}

export const ENGINES: TestEngine[] = [
  {
    name: 'sqlite',
    async createUrl() {
      const dir = mkdtempSync(join(tmpdir(), 'tm-sqlite-'));
      return { url: `sqlite:${dir}/tasks.db`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'mysql', createUrl: createTestMysqlDatabase },
];

export function databaseConfig(url: string) {
  return loadConfig({ DATABASE_URL: url }).database;
}

export async function openTestDatabase(engine: TestEngine): Promise<TestDatabase> {
  const { url, drop } = await engine.createUrl();
  const client = await openDatabase(databaseConfig(url), APP_MIGRATIONS);
  return {
    url,
    client,
    async empty() {
      await client.execute('DELETE FROM tasks');
      await client.execute('DELETE FROM deleted_tasks');
      await rebuildTaskCounts(client);
    },
    async cleanup() {
      await client.close();
      await drop();
    },
  };
}
