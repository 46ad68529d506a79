import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { startThrowawayMariadb } from '../harness/mariadb';
import { openMysql } from '../src/db/mysql';
import type { SqlClient } from '../src/db/sql-client';
import { rebuildTaskCounts } from '../src/tasks/schema';
import { createTaskStore } from '../src/tasks/store';
import { onCleanup } from './cleanup';
import { UsageError } from './options';
import { SEED_COLUMNS } from './seed';
import { median } from './stats';

/** The MySQL database the bench seeds and the app under test uses. */
export interface BenchDatabase {
  /** mysql://…/<database>, handed to the app as DATABASE_URL. */
  url: string;
  /** How it was obtained, for the report (never shows a password). */
  description: string;
}

const THROWAWAY_DATABASE = 'bench';

/** DATABASE_URL when set (mysql:// only), otherwise a throwaway MariaDB that cleanup removes. */
export async function openBenchDatabase(bufferPoolMb: number): Promise<BenchDatabase> {
  const configured = process.env.DATABASE_URL?.trim();
  if (configured) {
    if (!configured.startsWith('mysql://')) throw new UsageError('DATABASE_URL must be a mysql:// URL for the bench');
    const url = new URL(configured);
    const name = decodeURIComponent(url.pathname.slice(1));
    if (!name) throw new UsageError('DATABASE_URL names no database (mysql://user:pass@host:port/db)');
    await createDatabase(`${url.protocol}//${url.username}:${url.password}@${url.host}`, name).catch((error) =>
      process.stderr.write(`bench: could not create database ${name} (${error.message}); assuming it exists\n`),
    );
    url.password = url.password ? '***' : '';
    return { url: configured, description: `DATABASE_URL ${url}` };
  }
  process.env.PATH = `${process.env.PATH ?? ''}:/usr/sbin`; // where Debian puts mariadbd
  const server = await startThrowawayMariadb();
  onCleanup(server.stop, server.stop);
  await createDatabase(server.url, THROWAWAY_DATABASE);
  const granted = await growBufferPool(server.url, bufferPoolMb);
  return {
    url: `${server.url}/${THROWAWAY_DATABASE}`,
    description: `throwaway mariadbd (harness/mariadb.ts), innodb_buffer_pool_size ${granted} MB`,
  };
}

/**
 * A database of its own for one table size, beside the bench's (name_<size>), dropped at cleanup:
 * every size is seeded up front and measured side by side, so a machine that speeds up or slows
 * down during the bench shifts all sizes alike instead of looking like a cost of the data.
 */
export async function createSizeDatabase(baseUrl: string, size: number): Promise<string> {
  const url = new URL(baseUrl);
  const name = `${decodeURIComponent(url.pathname.slice(1))}_${size}`;
  url.pathname = '';
  const serverUrl = url.toString().replace(/\/$/, '');
  await createDatabase(serverUrl, name);
  onCleanup(async () => {
    const admin = await mysql.createConnection({ uri: serverUrl });
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``).finally(() => admin.end());
  });
  return `${serverUrl}/${name}`;
}

async function createDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = await mysql.createConnection({ uri: serverUrl });
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
}

/**
 * The test harness gives its server a 64 MB buffer pool, which a million tasks (~0.5 GB with
 * indexes) would turn into a disk benchmark; a production server caches its working set.
 * MariaDB resizes the pool online, in the background: wait until it reports the new size.
 */
async function growBufferPool(serverUrl: string, megabytes: number): Promise<number> {
  const admin = await mysql.createConnection({ uri: serverUrl });
  try {
    await admin.query('SET GLOBAL innodb_buffer_pool_size = ?', [megabytes * 1024 * 1024]);
    for (let attempt = 0; attempt < 100; attempt++) {
      const current = Number(await scalar(admin, 'SELECT @@GLOBAL.innodb_buffer_pool_size')) / 1024 / 1024;
      if (current >= megabytes) return current;
      await Bun.sleep(100);
    }
    return Number(await scalar(admin, 'SELECT @@GLOBAL.innodb_buffer_pool_size')) / 1024 / 1024;
  } finally {
    await admin.end();
  }
}

export async function connect(url: string): Promise<Connection> {
  const connection = await mysql.createConnection({
    uri: url,
    charset: 'UTF8MB4_UNICODE_CI',
    dateStrings: true,
    timezone: 'Z',
  });
  onCleanup(() => connection.destroy());
  return connection;
}

export async function scalar(connection: Connection, sql: string, params: unknown[] = []): Promise<unknown> {
  const [rows] = await connection.query<RowDataPacket[]>({ sql, rowsAsArray: true }, params);
  return (rows[0] as unknown[] | undefined)?.[0];
}

/** What the app's migrations built, checked before the bench writes rows behind its back. */
export interface SchemaReport {
  createTable: string;
  /** task_counts exists: the bench rebuilds it after every bulk change. */
  hasTaskCounts: boolean;
  warnings: string[];
}

// The accounts' tables hold nothing derived from tasks: the bench's account is made through the app.
const KNOWN_TABLES = new Set([
  'tasks',
  'schema_migrations',
  'task_counts',
  'users',
  'sessions',
  'api_tokens',
  'sign_in_failures',
  'account_bootstrap',
  // The search's term index: the app's triggers file every seeded row's terms (migration 13).
  'task_terms',
]);

/** The app's own triggers, which keep task_terms in step with tasks, seeded rows included. */
const KNOWN_TRIGGERS = new Set(['task_terms_insert', 'task_terms_update', 'task_terms_delete']);

export async function inspectSchema(connection: Connection): Promise<SchemaReport> {
  const [created] = await connection.query<RowDataPacket[]>('SHOW CREATE TABLE tasks');
  const createTable = String(created[0]?.['Create Table'] ?? '');
  const [columns] = await connection.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS fallback, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tasks'`,
  );
  const names = new Set(columns.map((column) => String(column.name)));
  const missing = SEED_COLUMNS.filter((column) => !names.has(column));
  if (missing.length) throw new Error(`tasks has no column ${missing.join(', ')}; update bench/seed.ts`);
  const unfilled = columns.filter(
    (column) =>
      !SEED_COLUMNS.includes(String(column.name)) &&
      column.nullable === 'NO' &&
      column.fallback === null &&
      !/auto_increment|generated|virtual|stored/i.test(String(column.extra)),
  );
  if (unfilled.length) {
    const list = unfilled.map((column) => column.name).join(', ');
    throw new Error(`tasks has required columns the bench does not fill: ${list}; update bench/seed.ts`);
  }

  const [tables] = await connection.query<RowDataPacket[]>({ sql: 'SHOW TABLES', rowsAsArray: true });
  const tableNames = tables.map((row) => String((row as unknown as unknown[])[0]));
  const [triggers] = await connection.query<RowDataPacket[]>(
    "SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = 'tasks'",
  );
  const warnings: string[] = [];
  const unknown = tableNames.filter((name) => !KNOWN_TABLES.has(name));
  if (unknown.length)
    warnings.push(
      `tables the bench does not keep in step with its bulk inserts: ${unknown.join(', ')} — if they are derived from tasks, rebuild them in bench/database.ts`,
    );
  const unknownTriggers = triggers.map((trigger) => String(trigger.name)).filter((name) => !KNOWN_TRIGGERS.has(name));
  if (unknownTriggers.length) warnings.push(`triggers on tasks fire for seeded rows: ${unknownTriggers.join(', ')}`);
  return { createTable, hasTaskCounts: tableNames.includes('task_counts'), warnings };
}

/**
 * After a bulk change: fresh optimizer statistics and maintained counters that match the rows.
 * The counters are rebuilt by the app's own rebuildTaskCounts, so the bench follows their layout
 * (today one row per owner and status, whose other shards the writers add as they reach them, and a
 * list version per owner that must only grow: a plain `INSERT … SELECT` would break both).
 */
export async function refreshDerivedData(
  connection: Connection,
  databaseUrl: string,
  schema: SchemaReport,
): Promise<void> {
  await connection.query('ANALYZE TABLE tasks, task_terms');
  if (schema.hasTaskCounts) await withAppClient(databaseUrl, rebuildTaskCounts);
}

/** The app's own SQL client on one connection, for work the bench must do exactly as the app does. */
async function withAppClient<T>(databaseUrl: string, work: (client: SqlClient) => Promise<T>): Promise<T> {
  const client = openMysql({
    engine: 'mysql',
    url: databaseUrl,
    poolSize: 1,
    queueLimit: 0,
    acquireTimeoutMs: 60_000,
    tls: 'off',
  });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** Share of tasks the app's own search for `word` finds (its store, so its current search rule). */
export async function searchShare(databaseUrl: string, owner: number, word: string, rows: number): Promise<number> {
  const counts = await withAppClient(databaseUrl, (client) =>
    createTaskStore(client).countByStatus(owner, { search: word }),
  );
  return rows ? (counts.open + counts.done) / rows : 0;
}

/**
 * The first search for `word`, as a page makes it before anything is kept: the list's first page
 * and its status counts, each timed through the app's own store (no response cache in the way),
 * `runs` times after one warm-up; the median of each.
 */
export async function firstSearchTimes(databaseUrl: string, owner: number, word: string, runs = 7) {
  return withAppClient(databaseUrl, async (client) => {
    const store = createTaskStore(client);
    const filter = { search: word, status: 'all' as const };
    const timed = async (work: () => Promise<unknown>) => {
      await work();
      const times: number[] = [];
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        await work();
        times.push(performance.now() - started);
      }
      return median(times);
    };
    return {
      listMs: await timed(() => store.list(owner, filter, 'created', null, 50)),
      countsMs: await timed(() => store.countByStatus(owner, filter)),
    };
  });
}

/**
 * Maintained counts minus the real ones, per status, e.g. "match" or "open +3, done -1";
 * null without task_counts. Run after the write runs, it shows whether the counters kept up.
 */
export async function countsDrift(connection: Connection, schema: SchemaReport): Promise<string | null> {
  if (!schema.hasTaskCounts) return null;
  const [maintained] = await connection.query<RowDataPacket[]>(
    'SELECT status, SUM(total) AS n FROM task_counts GROUP BY status',
  );
  const [actual] = await connection.query<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status');
  const totals = new Map<string, number>();
  for (const row of maintained) totals.set(String(row.status), Number(row.n));
  for (const row of actual) totals.set(String(row.status), (totals.get(String(row.status)) ?? 0) - Number(row.n));
  const drift = [...totals].filter(([, difference]) => difference !== 0);
  return drift.length ? drift.map(([status, d]) => `${status} ${d > 0 ? '+' : ''}${d}`).join(', ') : 'match';
}

export interface IdRange {
  rows: number;
  minId: number;
  maxId: number;
}

export async function idRange(connection: Connection): Promise<IdRange> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n, COALESCE(MIN(id), 0) AS lo, COALESCE(MAX(id), 0) AS hi FROM tasks',
  );
  const row = rows[0] ?? { n: 0, lo: 0, hi: 0 };
  return { rows: Number(row.n), minId: Number(row.lo), maxId: Number(row.hi) };
}
