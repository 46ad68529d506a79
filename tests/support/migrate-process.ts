/** One "instance start" for the concurrent-migration test: migrate DATABASE_URL, print what it applied. */

import { APP_MIGRATIONS } from '../../src/app';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrations';
import { openMysql } from '../../src/db/mysql';
import { openSqlite } from '../../src/db/sqlite';

const { database } = loadConfig(process.env);
const client = database.engine === 'sqlite' ? openSqlite(database.path) : openMysql(database);
const applied = await migrate(client, APP_MIGRATIONS);
await client.close();
process.stdout.write(JSON.stringify(applied));
