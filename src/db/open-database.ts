import type { DatabaseConfig } from '../config';
import { type Migration, migrate } from './migrations';
import { openMysql } from './mysql';
import type { SqlClient } from './sql-client';
import { openSqlite } from './sqlite';

/** Opens the configured engine and brings its schema up to date with the features' migrations. */
export async function openDatabase(config: DatabaseConfig, migrations: readonly Migration[]): Promise<SqlClient> {
  const client = config.engine === 'sqlite' ? openSqlite(config.path) : openMysql(config);
  try {
    await migrate(client, migrations);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  return client;
}
