import type { DatabaseConfig } from '../config';
import { migrate } from './migrations';
import { openMysql } from './mysql';
import type { SqlClient } from './sql-client';
import { openSqlite } from './sqlite';

/** Opens the configured engine and brings its schema up to date. */
export async function openDatabase(config: DatabaseConfig): Promise<SqlClient> {
  const client = config.engine === 'sqlite' ? openSqlite(config.path) : openMysql(config);
  try {
    await migrate(client);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  return client;
}
