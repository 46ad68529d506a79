import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { createTestMysqlDatabase, freePort, testMysqlServerUrl } from '../../harness/mariadb';
import { APP_MIGRATIONS, createApp } from '../../src/app';
import { type Migration, migrate } from '../../src/db/migrations';
import { openMysql } from '../../src/db/mysql';
import { openDatabase } from '../../src/db/open-database';
import type { SqlClient } from '../../src/db/sql-client';
import { createLogger } from '../../src/lib/logger';
import type { Task } from '../../src/tasks/model';
import { TASK_MIGRATIONS } from '../../src/tasks/schema';
import { databaseConfig } from '../support/databases';
import { type ApiClient, createApiClient } from '../support/http';

/**
 * A database made with a plain `CREATE DATABASE tasks` takes the server's defaults: MariaDB's
 * utf8mb4_general_ci (latin1 on older configurations), MySQL 8.4's utf8mb4_0900_ai_ci. The app
 * must start on each and behave exactly as on the documented utf8mb4_unicode_ci database.
 */

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Whether this server knows a collation (MariaDB 10.11 has uca1400 but no 0900_ai_ci; MySQL 8.4 the reverse). */
async function serverKnows(collation: string): Promise<boolean> {
  const admin = await mysql.createConnection({ uri: await testMysqlServerUrl() });
  try {
    await admin.query(`SELECT _utf8mb4'a' COLLATE ${collation}`);
    return true;
  } catch {
    return false;
  } finally {
    await admin.end();
  }
}

const STOCK_DEFAULTS = [
  { name: "the server's default (plain CREATE DATABASE)", defaults: '' },
  { name: 'utf8mb4_general_ci', defaults: 'CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci' },
  { name: 'latin1', defaults: 'CHARACTER SET latin1' },
  { name: 'utf8mb4_uca1400_ai_ci', defaults: 'CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci' },
  { name: 'utf8mb4_0900_ai_ci', defaults: 'CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci' },
];
const known = await Promise.all(
  STOCK_DEFAULTS.map(({ defaults }) => {
    const collation = /COLLATE (\w+)/.exec(defaults)?.[1];
    return collation ? serverKnows(collation) : true;
  }),
);

async function stockDatabase(defaults: string) {
  const database = await createTestMysqlDatabase(defaults);
  cleanups.push(database.drop);
  return database;
}

/** The app's client without its migrations: the runner is driven by hand, as an older version would have. */
function openRawMysql(url: string): SqlClient {
  const config = databaseConfig(url);
  if (config.engine !== 'mysql') throw new Error('expected mysql');
  const client = openMysql(config);
  cleanups.push(() => client.close());
  return client;
}

async function startApp(url: string) {
  const db = await openDatabase(databaseConfig(url), APP_MIGRATIONS);
  cleanups.push(() => db.close());
  const errorLog: string[] = [];
  const app = createApp({ db, logger: createLogger('error', (line) => errorLog.push(line)) });
  return { db, api: createApiClient(app), errorLog };
}

/** What the status filter shows: "Open 2, Done 1" read from the page's count badges. */
async function pageCounts(api: ApiClient, q = ''): Promise<Record<string, number>> {
  const reply = await api.send('GET', q ? `/?q=${encodeURIComponent(q)}` : '/');
  expect(reply.status).toBe(200);
  const counts: Record<string, number> = {};
  for (const [, label, count] of reply.text.matchAll(/(All|Open|Done) <span class="count">(\d+)<\/span>/g))
    counts[label as string] = Number(count);
  return counts;
}

const create = (api: ApiClient, json: Record<string, unknown>, key?: string) =>
  api.send<Task>('POST', '/api/tasks', { json, headers: key ? { 'idempotency-key': key } : {} });

/** How the tables came out: every one utf8mb4_unicode_ci, and the request key compared byte by byte. */
async function schemaOf(client: SqlClient) {
  const tables = await client.query<{ name: string; collation: string }>(
    `SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME`,
  );
  const columns = await client.query<{ name: string; collation: string | null; type: string }>(
    `SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS name, COLLATION_NAME AS collation, COLUMN_TYPE AS type
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLLATION_NAME IS NOT NULL
      ORDER BY TABLE_NAME, COLUMN_NAME`,
  );
  const requestKey = await client.query<{ type: string }>(
    `SELECT COLUMN_TYPE AS type FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tasks' AND COLUMN_NAME = 'request_key'`,
  );
  return {
    tables: Object.fromEntries(tables.map((row) => [row.name, row.collation])),
    columns: Object.fromEntries(columns.map((row) => [row.name, row.collation])),
    request_key: requestKey[0]?.type,
  };
}

const UNICODE = 'utf8mb4_unicode_ci';
const EXPECTED_SCHEMA = {
  tables: Object.fromEntries(
    [
      'account_bootstrap',
      'api_tokens',
      'schema_migrations',
      'sessions',
      'sign_in_failures',
      'task_counts',
      'task_terms',
      'tasks',
      'deleted_tasks',
      'users',
    ].map((table) => [table, UNICODE]),
  ),
  columns: {
    'api_tokens.name': UNICODE,
    // Hashes are hex digits, compared byte for byte; an email is kept normalised and compared the same way.
    'api_tokens.token_hash': 'ascii_bin',
    'deleted_tasks.notes': UNICODE,
    'deleted_tasks.notes_terms': UNICODE,
    'deleted_tasks.status': UNICODE,
    'deleted_tasks.title': UNICODE,
    'deleted_tasks.title_terms': UNICODE,
    'schema_migrations.name': UNICODE,
    'sessions.id_hash': 'ascii_bin',
    'sign_in_failures.subject_hash': 'ascii_bin',
    'task_counts.status': UNICODE,
    // Search terms as the app folded them, byte for byte: "ß" and "ss" are two terms.
    'task_terms.status': UNICODE,
    'task_terms.term': 'utf8mb4_bin',
    'tasks.notes': UNICODE,
    'tasks.notes_terms': UNICODE,
    'tasks.request_fingerprint': UNICODE,
    'tasks.status': UNICODE,
    'tasks.title': UNICODE,
    'tasks.title_terms': UNICODE,
    'users.email': 'utf8mb4_bin',
    'users.locale': UNICODE,
    'users.password_hash': UNICODE,
    'users.time_zone': UNICODE,
  },
  request_key: 'varbinary(128)',
};

// An emoji and a CJK Extension B character: both four bytes in UTF-8, what utf8mb3 and latin1 cannot hold.
const EMOJI_TITLE = 'Buy milk 😀 for 𠀀 party';
const EMOJI_NOTES = 'Ask 👩‍👩‍👧 first; 𠜎 shop';

describe('a database created with only a stock default', () => {
  STOCK_DEFAULTS.forEach(({ name, defaults }, index) => {
    test.skipIf(!known[index])(`${name}: the app migrates it and every action works`, async () => {
      const { url } = await stockDatabase(defaults);
      const { db, api, errorLog } = await startApp(url);

      const milk = await create(api, { title: EMOJI_TITLE, notes: EMOJI_NOTES, priority: 'high' }, 'Key-a');
      expect(milk.status).toBe(201);
      expect([milk.body.title, milk.body.notes]).toEqual([EMOJI_TITLE, EMOJI_NOTES]);
      expect((await api.getTask(milk.body.id)).title).toBe(EMOJI_TITLE);

      // Idempotency keys are exact bytes, as on SQLite: the same key replays, a key that differs in case does not.
      const replay = await create(api, { title: EMOJI_TITLE, notes: EMOJI_NOTES, priority: 'high' }, 'Key-a');
      expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.id]).toEqual([
        201,
        'true',
        milk.body.id,
      ]);
      const other = await create(api, { title: 'Walk the dog' }, 'key-A');
      expect([other.status, other.headers.get('idempotent-replayed')]).toEqual([201, null]);
      expect(other.body.id).not.toBe(milk.body.id);
      const third = await create(api, { title: 'Café crème' });
      expect(third.status).toBe(201);

      const list = await api.listPage();
      expect(list.body.items.map((task) => task.title)).toEqual(['Café crème', 'Walk the dog', EMOJI_TITLE]);
      const found = await api.listPage({ q: 'milk' });
      expect(found.body.items.map((task) => task.title)).toEqual([EMOJI_TITLE]);
      expect(await pageCounts(api)).toEqual({ All: 3, Open: 3, Done: 0 });

      const done = await api.send<Task>('PATCH', `/api/tasks/${milk.body.id}`, {
        json: { status: 'done', title: 'Bought milk 😀' },
      });
      expect([done.status, done.body.status, done.body.title]).toEqual([200, 'done', 'Bought milk 😀']);
      expect(await pageCounts(api)).toEqual({ All: 3, Open: 2, Done: 1 });
      expect(await pageCounts(api, 'milk')).toEqual({ All: 1, Open: 0, Done: 1 });
      expect((await api.listPage({ status: 'done' })).body.items.map((task) => task.title)).toEqual(['Bought milk 😀']);

      // Deleted and restored, through deleted_tasks: four-byte characters survive the trip.
      expect((await api.delete(`/api/tasks/${milk.body.id}`)).status).toBe(204);
      const restored = await api.post<Task>(`/api/tasks/${milk.body.id}/restore`);
      expect([restored.status, restored.body.title, restored.body.notes]).toEqual([200, 'Bought milk 😀', EMOJI_NOTES]);

      expect(await schemaOf(db)).toEqual(EXPECTED_SCHEMA);
      expect(errorLog).toEqual([]);
    });
  });
});

// Migration 3 as it shipped before it named its collation, and the ledger as it was then.
const SHIPPED_V3_CREATE = `CREATE TABLE task_counts (
          status VARCHAR(4) NOT NULL,
          shard TINYINT UNSIGNED NOT NULL DEFAULT 0,
          total BIGINT NOT NULL DEFAULT 0,
          PRIMARY KEY (status, shard)
        ) ENGINE=InnoDB`;
const SHIPPED_LEDGER = `CREATE TABLE schema_migrations (
    version INT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    applied_at DATETIME(3) NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
const seedStatements = () =>
  (TASK_MIGRATIONS[2]?.statements.mysql ?? []).filter((statement) => /^(INSERT|UPDATE) /.test(statement));
const shippedV3: Migration = {
  version: 3,
  name: 'maintained task counts',
  statements: { mysql: [SHIPPED_V3_CREATE, ...seedStatements()], sqlite: [] },
};

describe('databases that older versions of the app left behind', () => {
  test('on a stock default, the old migration 3 failed half-way; the next start completes it', async () => {
    const { url } = await stockDatabase('CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci');
    const raw = openRawMysql(url);
    await raw.execute(SHIPPED_LEDGER);
    expect(await migrate(raw, TASK_MIGRATIONS.slice(0, 2))).toEqual([1, 2]);
    // What every stock database met: MySQL's DDL does not roll back, so task_counts stayed behind.
    await expect(migrate(raw, [shippedV3])).rejects.toThrow(
      /Illegal mix of collations \(utf8mb4_unicode_ci,IMPLICIT\) and \(utf8mb4_general_ci,IMPLICIT\) for operation '='/,
    );
    await raw.execute("INSERT INTO tasks (title, notes, created_at, updated_at) VALUES ('Kept', '', NOW(3), NOW(3))");

    const { db, api } = await startApp(url);
    expect((await api.listPage()).body.items.map((task) => task.title)).toEqual(['Kept']);
    expect(await pageCounts(api)).toEqual({ All: 1, Open: 1, Done: 0 });
    const ledger = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(ledger.map((row) => Number(row.version))).toEqual(APP_MIGRATIONS.map((migration) => migration.version));
    expect((await schemaOf(db)).tables.task_counts).toBe(UNICODE);
  });

  test('a latin1 database the old version fully migrated gets unicode counts and exact keys, tasks kept', async () => {
    const { url } = await stockDatabase('CHARACTER SET latin1');
    const raw = openRawMysql(url);
    await raw.execute(SHIPPED_LEDGER);
    const shipped = [...TASK_MIGRATIONS.slice(0, 2), shippedV3, ...TASK_MIGRATIONS.slice(3, 5)];
    expect(await migrate(raw, shipped)).toEqual([1, 2, 3, 4, 5]);
    expect((await schemaOf(raw)).tables.task_counts).toBe('latin1_swedish_ci');
    await raw.execute(
      "INSERT INTO tasks (title, notes, created_at, updated_at, request_key) VALUES ('Old 😀', '', NOW(3), NOW(3), 'Key-a')",
    );

    const { db, api } = await startApp(url);
    expect((await schemaOf(db)).tables.task_counts).toBe(UNICODE);
    expect((await schemaOf(db)).request_key).toBe('varbinary(128)');
    const replay = await create(api, { title: 'Retried' }, 'Key-a');
    expect([replay.headers.get('idempotent-replayed'), replay.body.title]).toEqual(['true', 'Old 😀']);
    const other = await create(api, { title: 'New' }, 'key-A');
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect((await api.listPage()).body.items.map((task) => task.title)).toEqual(['New', 'Old 😀']);
  });
});

describe('the real process on a plain CREATE DATABASE', () => {
  test('starts, and /health answers 200', async () => {
    const { url } = await stockDatabase('');
    const port = await freePort();
    const server = Bun.spawn(['bun', join(import.meta.dir, '../../src/main.ts')], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, PORT: String(port), LOG_LEVEL: 'warn' },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    cleanups.push(async () => {
      server.kill('SIGKILL');
      await server.exited;
    });
    let response: Response | undefined;
    for (let attempt = 0; attempt < 200 && !response && server.exitCode === null; attempt++) {
      response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (!response) await Bun.sleep(50);
    }
    const stderr = server.exitCode === null ? '' : await new Response(server.stderr).text();
    expect({ status: response?.status, stderr }).toEqual({ status: 200, stderr: '' });
    expect(await response?.json()).toMatchObject({ status: 'ok', db: 'up' });
    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
