import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import mysql from 'mysql2/promise';
import { createTestMysqlDatabase, type TestMysqlDatabase, testMysqlServerUrl } from '../../harness/mariadb';
import { APP_MIGRATIONS } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/open-database';
import type { SqlClient } from '../../src/db/sql-client';
import { loadTemplates } from '../support/cloudformation';

/**
 * The one-time step that gives the app a database user of its own (database.yaml's ECS task), run
 * for real: its script, as the template carries it, against MariaDB as the master, with the
 * environment the task definition gives it. Then the app migrates and serves as that user, and
 * the user can do nothing beyond its schema.
 */

const database = loadTemplates().find((t) => t.file === 'database.yaml')?.template;
type Container = {
  EntryPoint: string[];
  Command: string[];
  Environment: { Name: string }[];
  Secrets: { Name: string; ValueFrom: unknown }[];
};
const containers = database?.Resources.DatabaseUsersTask?.Properties?.ContainerDefinitions as Container[] | undefined;
if (!containers?.[0]) throw new Error('database.yaml has no DatabaseUsersTask container');
const container: Container = containers[0];

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const appUser = `tm_app_${suffix}`;
let target: TestMysqlDatabase;
let other: TestMysqlDatabase;
let server: URL;
let client: SqlClient | undefined;

/** The task's command, with the task's variables (and no others) set. */
function runTask(password: string) {
  const given = [...container.Environment.map((e) => e.Name), ...container.Secrets.map((s) => s.Name)].sort();
  expect(given).toEqual([
    'APP_PASSWORD',
    'APP_USER',
    'DB_HOST',
    'DB_NAME',
    'DB_PORT',
    'MASTER_PASSWORD',
    'MASTER_USER',
  ]);
  const result = Bun.spawnSync([...container.EntryPoint, ...container.Command], {
    env: {
      PATH: process.env.PATH,
      DB_HOST: server.hostname,
      DB_PORT: server.port || '3306',
      DB_NAME: new URL(target.url).pathname.slice(1),
      MASTER_USER: decodeURIComponent(server.username),
      MASTER_PASSWORD: decodeURIComponent(server.password),
      APP_USER: appUser,
      APP_PASSWORD: password,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { exitCode: result.exitCode, output: result.stdout.toString() + result.stderr.toString() };
}

const appUrl = (password: string) =>
  `mysql://${appUser}:${password}@${server.host}/${new URL(target.url).pathname.slice(1)}`;

async function asApp(password: string, sql: string) {
  const connection = await mysql.createConnection({ uri: appUrl(password) });
  try {
    return await connection.query(sql);
  } finally {
    await connection.end();
  }
}

beforeAll(async () => {
  server = new URL(await testMysqlServerUrl());
  target = await createTestMysqlDatabase();
  other = await createTestMysqlDatabase();
});

afterAll(async () => {
  await client?.close();
  const admin = await mysql.createConnection({ uri: server.toString() });
  await admin.query(`DROP USER IF EXISTS '${appUser}'@'%'`).finally(() => admin.end());
  await target.drop();
  await other.drop();
});

describe('the database-users task', () => {
  test('creates the user; the app migrates and serves as it', async () => {
    const run = runTask('FirstPassword1');
    expect(run).toEqual({ exitCode: 0, output: expect.stringContaining(`database user ${appUser} has its password`) });
    expect(run.output).not.toContain('FirstPassword1');
    const config = loadConfig({ DATABASE_URL: appUrl('FirstPassword1') });
    if (config.database.engine !== 'mysql') throw new Error('expected a MySQL URL');
    client = await openDatabase(config.database, APP_MIGRATIONS);
    const [row] = await client.query<{ n: number }>('SELECT COUNT(*) AS n FROM schema_migrations');
    expect(Number(row?.n)).toBe(APP_MIGRATIONS.length);
    // Serving: rows written, changed, read and removed.
    const at = '2026-01-01 00:00:00';
    await client.execute('INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?)', [
      'a@example.com',
      'x',
      at,
    ]);
    await client.execute('UPDATE users SET password_hash = ? WHERE email = ?', ['y', 'a@example.com']);
    expect(await client.query('SELECT password_hash FROM users')).toEqual([{ password_hash: 'y' }]);
    await client.execute('DELETE FROM users WHERE email = ?', ['a@example.com']);
  }, 60_000);

  test('the user can reach nothing beyond its schema', async () => {
    const refused = async (sql: string) => {
      const error = await asApp('FirstPassword1', sql).then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
      return { sql, refused: error !== undefined };
    };
    for (const sql of [
      "CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'",
      'SELECT * FROM mysql.user',
      `CREATE TABLE \`${new URL(other.url).pathname.slice(1)}\`.t (id INT)`,
      'CREATE DATABASE tm_test_forbidden',
      `GRANT SELECT ON \`${new URL(target.url).pathname.slice(1)}\`.* TO '${appUser}'@'%'`,
    ]) {
      expect(await refused(sql)).toEqual({ sql, refused: true });
    }
  });

  test('run again with a new password, it replaces the old one (a restore, a rotation)', async () => {
    expect(runTask('SecondPassword2').exitCode).toBe(0);
    await expect(asApp('FirstPassword1', 'SELECT 1')).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    expect(await asApp('SecondPassword2', 'SELECT 1 AS ok')).toBeDefined();
  });

  test('fails, saying why, when the master cannot sign in', () => {
    const saved = server.password;
    server.password = 'wrong-password';
    try {
      const run = runTask('ThirdPassword3');
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toMatch(/Access denied/i);
      expect(run.output).not.toContain('has its password');
    } finally {
      server.password = saved;
    }
  });
});
