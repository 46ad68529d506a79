import { afterAll, describe, expect, test } from 'bun:test';
import mysql from 'mysql2/promise';
import { createTestMysqlDatabase } from '../../harness/mariadb';
import { APP_MIGRATIONS, createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrations';
import { openMysql, tlsOptions } from '../../src/db/mysql';
import { openDatabase } from '../../src/db/open-database';
import { DatabaseUnavailableError, type SqlClient, type SqlValue } from '../../src/db/sql-client';
import { openSqlite } from '../../src/db/sqlite';
import { createLogger } from '../../src/lib/logger';
import type { Task, TaskSort } from '../../src/tasks/model';
import { claimUnownedTasks, createTaskStore, type ListPosition } from '../../src/tasks/store';
import { databaseConfig, ENGINES } from '../support/databases';

const ALL_VERSIONS = APP_MIGRATIONS.map((migration) => migration.version).sort((a, b) => a - b);
// Rows inserted straight into the table belong to no account (owner 0), as before accounts existed.
const UNOWNED = 0;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const openRaw = (url: string): SqlClient => {
  const config = databaseConfig(url);
  return config.engine === 'sqlite' ? openSqlite(config.path) : openMysql(config);
};

for (const engine of ENGINES) {
  describe(`migrations on ${engine.name}`, () => {
    test('apply once, record themselves, and do nothing the second time', async () => {
      const { url, drop } = await engine.createUrl();
      const client = openRaw(url);
      cleanups.push(async () => {
        await client.close();
        await drop();
      });
      expect(await migrate(client, APP_MIGRATIONS)).toEqual(ALL_VERSIONS);
      expect(await migrate(client, APP_MIGRATIONS)).toEqual([]);
      const ledger = await client.query<{ version: number; name: string }>(
        'SELECT version, name FROM schema_migrations ORDER BY version',
      );
      expect(ledger.map((row) => [Number(row.version), row.name])).toEqual(
        APP_MIGRATIONS.map((migration) => [migration.version, migration.name]).sort(
          ([a], [b]) => Number(a) - Number(b),
        ),
      );
    });

    test('two instances starting at the same moment apply each migration exactly once', async () => {
      const { url, drop } = await engine.createUrl();
      cleanups.push(drop);
      const start = () =>
        Bun.spawn(['bun', `${import.meta.dir}/../support/migrate-process.ts`], {
          env: { ...process.env, DATABASE_URL: url },
          stdout: 'pipe',
          stderr: 'inherit',
        });
      const instances = [start(), start(), start()];
      const outputs = await Promise.all(instances.map((instance) => new Response(instance.stdout).text()));
      expect(await Promise.all(instances.map((instance) => instance.exited))).toEqual([0, 0, 0]);
      expect(outputs.flatMap((output) => JSON.parse(output)).sort((a: number, b: number) => a - b)).toEqual(
        ALL_VERSIONS,
      );
      const client = openRaw(url);
      cleanups.push(() => client.close());
      expect(await migrate(client, APP_MIGRATIONS)).toEqual([]);
    });

    test('tasks from before search terms are found after the upgrade, and by the first account that claims them', async () => {
      const { url, drop } = await engine.createUrl();
      const client = openRaw(url);
      cleanups.push(async () => {
        await client.close();
        await drop();
      });
      const BEFORE_TERMS = 10;
      await migrate(
        client,
        APP_MIGRATIONS.filter((migration) => migration.version < BEFORE_TERMS),
      );
      // More tasks than one batch of the backfill, written as the previous version wrote them.
      const titles = Array.from({ length: 2_500 }, (_, i) => (i % 500 === 7 ? `Book the Café ${i}` : `Task ${i}`));
      for (const title of titles)
        await client.execute(
          `INSERT INTO tasks (title, notes, status, priority, created_at, updated_at, version)
           VALUES (?, 'Ask about Zürich', 'open', 2, '2026-06-01 10:00:00', '2026-06-01 10:00:00', 1)`,
          [title],
        );
      expect(await migrate(client, APP_MIGRATIONS)).toEqual(ALL_VERSIONS.filter((version) => version >= BEFORE_TERMS));
      const store = createTaskStore(client);
      const found = async (owner: number) =>
        (await store.list(owner, { status: 'all', search: 'cafe zurich' }, 'created', null, 10)).map(
          (task) => task.title,
        );
      const cafes = titles.filter((title) => title.startsWith('Book')).reverse();
      expect(await found(UNOWNED)).toEqual(cafes);
      await client.transaction((tx) => claimUnownedTasks(tx, 12));
      expect(await found(12)).toEqual(cafes);
      expect(await found(UNOWNED)).toEqual([]);
      expect(await found(1)).toEqual([]);
    }, 60_000);
  });
}

/** Records every statement a client runs, so the query plans of the real list queries can be read. */
function recording(client: SqlClient, log: { sql: string; params: readonly SqlValue[] }[]): SqlClient {
  return {
    ...client,
    query: (sql, params = []) => {
      log.push({ sql, params });
      return client.query(sql, params);
    },
  };
}

/** Where the next page starts after `task`, as the API's cursor says. */
function positionAfter(sort: TaskSort, task: Task): ListPosition {
  if (sort === 'priority') return { sort, priority: task.priority, id: task.id };
  if (sort === 'due') return { sort, due_date: task.due_date, id: task.id };
  return { sort, id: task.id };
}

const LIST_QUERIES = [
  { status: 'all', sort: 'created' },
  { status: 'open', sort: 'created' },
  { status: 'done', sort: 'priority' },
  { status: 'all', sort: 'priority' },
  { status: 'open', sort: 'due' },
  { status: 'all', sort: 'due' },
  { status: 'all', sort: 'created', priority: 'high' },
  { status: 'open', sort: 'priority', priority: 'low' },
] as const;

describe('list queries are served by an index, never a sort of the whole table', () => {
  test('on sqlite (EXPLAIN QUERY PLAN uses no temp b-tree for ORDER BY)', async () => {
    const client = await openDatabase({ engine: 'sqlite', path: ':memory:' }, APP_MIGRATIONS);
    cleanups.push(() => client.close());
    const log: { sql: string; params: readonly SqlValue[] }[] = [];
    const store = createTaskStore(recording(client, log));
    for (const query of LIST_QUERIES) {
      const filter = { status: query.status, ...('priority' in query ? { priority: query.priority } : {}) };
      await store.list(UNOWNED, filter, query.sort, null, 51);
    }
    expect(log.length).toBeGreaterThanOrEqual(LIST_QUERIES.length);
    const sorted = [];
    for (const { sql, params } of log) {
      const plan = await client.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
      const details = plan.map((step) => step.detail).join(' | ');
      // "SCAN tasks" alone walks the rowid (the id order) and stops at LIMIT; a sort would need a temp b-tree.
      if (details.includes('TEMP B-TREE')) sorted.push({ sql, details });
    }
    expect(sorted).toEqual([]);
  });

  test('on mysql with 20,000 tasks (EXPLAIN shows an index and no filesort)', async () => {
    const { url, drop } = await createTestMysqlDatabase();
    const client = await openDatabase(databaseConfig(url), APP_MIGRATIONS);
    cleanups.push(async () => {
      await client.close();
      await drop();
    });
    // Enough rows that the optimiser prefers an index over reading a small table whole (it does below ~10k).
    const values = Array.from({ length: 20_000 }, (_, i) => {
      const due = i % 3 ? `'2027-0${(i % 9) + 1}-1${i % 10}'` : 'NULL';
      return `('Task ${i}', '', '${i % 4 ? 'open' : 'done'}', ${(i % 3) + 1}, ${due}, NOW(3), NOW(3))`;
    });
    await client.execute(
      `INSERT INTO tasks (title, notes, status, priority, due_date, created_at, updated_at) VALUES ${values.join(', ')}`,
    );
    await client.query('ANALYZE TABLE tasks');
    const log: { sql: string; params: readonly SqlValue[] }[] = [];
    const store = createTaskStore(client);
    const recorded = createTaskStore(recording(client, log));
    for (const query of LIST_QUERIES) {
      const filter = { status: query.status, ...('priority' in query ? { priority: query.priority } : {}) };
      await recorded.list(UNOWNED, filter, query.sort, null, 51);
      // And a page deep in the list: its cursor must bound the index range, not filter a walk from the top.
      const deep = (await store.list(UNOWNED, filter, query.sort, null, 3_000)).at(-1);
      if (deep) await recorded.list(UNOWNED, filter, query.sort, positionAfter(query.sort, deep), 51);
    }
    const unserved = [];
    for (const { sql, params } of log) {
      const [plan] = await client.query<{ Extra: string | null; key: string | null; type: string }>(
        `EXPLAIN ${sql}`,
        params,
      );
      const skipsToCursor = /\bid [<>] \?/.test(sql) && plan?.type === 'ref';
      if (!plan?.key || plan.Extra?.includes('filesort') || skipsToCursor) unserved.push({ sql, params, plan });
    }
    expect(unserved).toEqual([]);
  });
});

describe('the mysql pool', () => {
  async function poolOf(size: number, queueLimit: number, acquireTimeoutMs: number) {
    const { url, drop } = await createTestMysqlDatabase();
    const base = databaseConfig(url);
    if (base.engine !== 'mysql') throw new Error('expected mysql');
    const client = openMysql({ ...base, poolSize: size, queueLimit, acquireTimeoutMs });
    await migrate(client, APP_MIGRATIONS);
    cleanups.push(async () => {
      await client.close();
      await drop();
    });
    return { client, url };
  }

  test('is shared: many concurrent requests never open more than the pool size', async () => {
    const { client } = await poolOf(3, 100, 5_000);
    const acquiredBefore = client.poolStats()?.acquired_total ?? 0;
    const ids = await Promise.all(
      Array.from({ length: 40 }, () => client.query<{ id: number }>('SELECT CONNECTION_ID() AS id')),
    );
    expect(new Set(ids.map((rows) => rows[0]?.id)).size).toBeLessThanOrEqual(3);
    const stats = client.poolStats();
    expect([stats?.limit, stats?.total, stats?.in_use, stats?.idle, stats?.waiting]).toEqual([3, 3, 0, 3, 0]);
    expect((stats?.acquired_total ?? 0) - acquiredBefore).toBe(40);
    expect(stats?.wait_ms.max).toBeGreaterThanOrEqual(stats?.wait_ms.avg ?? Number.NaN);
  });

  test('a write without parameters goes as text, as MySQL takes CREATE TRIGGER only that way; with them, prepared', async () => {
    const { client } = await poolOf(1, 10, 5_000);
    const prepared = async () =>
      Number(
        (await client.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'"))[0]?.Value ?? Number.NaN,
      );
    // One connection: the session's counters are the pool's. Reading them is prepared once, then cached.
    await prepared();
    const before = await prepared();
    await client.execute(
      'CREATE TRIGGER text_only BEFORE INSERT ON task_counts FOR EACH ROW SET NEW.total = NEW.total',
    );
    await client.execute('DROP TRIGGER text_only');
    expect(await prepared()).toBe(before);
    await client.execute('DELETE FROM task_counts WHERE owner_id = ?', [-1]);
    expect(await prepared()).toBe(before + 1);
  });

  test('a transaction InnoDB ends as a deadlock victim is tried again, and both writers get their way', async () => {
    const { client } = await poolOf(2, 10, 5_000);
    await client.execute('CREATE TABLE crosswise (id INT PRIMARY KEY, n INT NOT NULL)');
    await client.execute('INSERT INTO crosswise VALUES (1, 0), (2, 0)');
    // Each locks its first row, waits until the other has locked its own, then asks for the other's.
    let bothLocked!: () => void;
    const barrier = new Promise<void>((resolve) => (bothLocked = resolve));
    let locked = 0;
    let attempts = 0;
    const writer = (first: number, second: number) =>
      client.transaction(async (tx) => {
        attempts++;
        await tx.execute('UPDATE crosswise SET n = n + 1 WHERE id = ?', [first]);
        if (++locked === 2) bothLocked();
        await barrier;
        await tx.execute('UPDATE crosswise SET n = n + 1 WHERE id = ?', [second]);
      });
    await Promise.all([writer(1, 2), writer(2, 1)]);
    expect(await client.query('SELECT id, n FROM crosswise ORDER BY id')).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
    expect(attempts).toBe(3);
    expect(client.poolStats()?.transaction_retries_total).toBe(1);
  });

  test('a row changed since the transaction first read (MariaDB snapshot isolation) is read again in a new try', async () => {
    const { client, url } = await poolOf(1, 10, 5_000);
    await client.execute('CREATE TABLE snapshot (id INT PRIMARY KEY, n INT NOT NULL)');
    await client.execute('INSERT INTO snapshot VALUES (1, 0)');
    // MariaDB's default from 11.6.2; the pool's one connection takes it for its transactions.
    await client.execute('SET SESSION innodb_snapshot_isolation = ON');
    const other = await mysql.createConnection({ uri: url });
    cleanups.push(() => other.end());
    let attempts = 0;
    await client.transaction(async (tx) => {
      attempts++;
      await tx.query('SELECT n FROM snapshot WHERE id = 1');
      if (attempts === 1) await other.query('UPDATE snapshot SET n = n + 1 WHERE id = 1');
      await tx.query('SELECT n FROM snapshot WHERE id = 1 FOR UPDATE');
      await tx.execute('UPDATE snapshot SET n = n + 10 WHERE id = ?', [1]);
    });
    expect(await client.query('SELECT n FROM snapshot')).toEqual([{ n: 11 }]);
    expect(attempts).toBe(2);
    expect(client.poolStats()?.transaction_retries_total).toBe(1);
  });

  test('a transaction that deadlocks on every try is a 503 after three, with nothing of it kept', async () => {
    const { client } = await poolOf(1, 10, 5_000);
    let attempts = 0;
    const always = client.transaction(async (tx) => {
      attempts++;
      await tx.execute('INSERT INTO task_counts (total, owner_id, status, shard, writes) VALUES (1, ?, ?, 0, 1)', [
        900_000 + attempts,
        'open',
      ]);
      throw Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK' });
    });
    await expect(always).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(attempts).toBe(3);
    expect(await client.query('SELECT owner_id FROM task_counts WHERE owner_id > 900000')).toEqual([]);
    expect(client.poolStats()?.transaction_retries_total).toBe(2);
  });

  test('a request that waits longer than the acquire timeout fails as unavailable, and is counted', async () => {
    const { client } = await poolOf(1, 10, 150);
    let release!: () => void;
    const held = client.exclusive('test-hold', () => new Promise<void>((resolve) => (release = resolve)));
    await Bun.sleep(50);
    const started = performance.now();
    const waiting = client.query('SELECT 1');
    await Bun.sleep(20);
    const during = client.poolStats();
    expect([during?.total, during?.in_use, during?.waiting]).toEqual([1, 1, 1]);
    await expect(waiting).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(performance.now() - started).toBeLessThan(2_000);
    release();
    await held;
    expect(client.poolStats()?.timeouts_total).toBe(1);
    expect(await client.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  test('a full queue refuses at once instead of piling up', async () => {
    const { client } = await poolOf(1, 1, 5_000);
    let release!: () => void;
    const held = client.exclusive('test-hold', () => new Promise<void>((resolve) => (release = resolve)));
    await Bun.sleep(50);
    const queued = client.query('SELECT 1');
    await expect(client.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
    release();
    await held;
    await queued;
    expect(client.poolStats()?.timeouts_total).toBe(1);
  });

  test('counts connections in use, idle and waiting while slow statements hold them', async () => {
    const { client } = await poolOf(3, 100, 5_000);
    const gauges = () => {
      const stats = client.poolStats();
      return { total: stats?.total, in_use: stats?.in_use, idle: stats?.idle, waiting: stats?.waiting };
    };
    const slow = (count: number) =>
      Promise.all(
        Array.from({ length: count }, () =>
          client.query<{ id: number }>('SELECT CONNECTION_ID() AS id, SLEEP(0.5) AS slept'),
        ),
      );

    const two = slow(2);
    await Bun.sleep(200);
    const holdingTwo = gauges();
    expect([holdingTwo.in_use, holdingTwo.waiting]).toEqual([2, 0]);
    expect(holdingTwo.total).toBeGreaterThanOrEqual(2);
    expect(holdingTwo.idle).toBe((holdingTwo.total ?? 0) - 2);
    await two;

    const five = slow(5);
    await Bun.sleep(200);
    expect(gauges()).toEqual({ total: 3, in_use: 3, idle: 0, waiting: 2 });
    const ids = new Set((await five).map((rows) => rows[0]?.id));
    expect(ids.size).toBe(3);
    expect(gauges()).toEqual({ total: 3, in_use: 0, idle: 3, waiting: 0 });
  });

  test('forgets connections the server kills, idle or in use, and opens new ones', async () => {
    const { client, url } = await poolOf(3, 100, 5_000);
    const open = () => client.poolStats()?.total;
    const until = async (condition: () => boolean) => {
      for (let waited = 0; !condition() && waited < 3_000; waited += 20) await Bun.sleep(20);
    };
    const idleIds = await Promise.all(
      Array.from({ length: 3 }, () => client.query<{ id: number }>('SELECT CONNECTION_ID() AS id, SLEEP(0.2) AS s')),
    );
    expect(open()).toBe(3);
    const server = new URL(url);
    server.pathname = '';
    const admin = await mysql.createConnection({ uri: server.toString() });
    cleanups.push(() => admin.end());
    for (const rows of idleIds) await admin.query('KILL ?', [rows[0]?.id]);
    await until(() => open() === 0);
    expect(client.poolStats()).toMatchObject({ total: 0, in_use: 0, idle: 0, waiting: 0 });

    let busyId = 0;
    const busy = client.exclusive('test-kill', async (pinned) => {
      busyId = (await pinned.query<{ id: number }>('SELECT CONNECTION_ID() AS id'))[0]?.id ?? 0;
      await pinned.query('SELECT SLEEP(5)');
    });
    await until(() => busyId > 0);
    expect(client.poolStats()).toMatchObject({ total: 1, in_use: 1 });
    await admin.query('KILL ?', [busyId]);
    await expect(busy).rejects.toThrow();
    await until(() => open() === 0);
    expect(client.poolStats()).toMatchObject({ total: 0, in_use: 0, idle: 0, waiting: 0 });

    expect(await client.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(client.poolStats()).toMatchObject({ total: 1, in_use: 0, idle: 1 });
  });

  /** What a client gets from an app whose database at `databaseUrl` will not serve it. */
  async function expectUnavailableAnswer(databaseUrl: string) {
    const config = loadConfig({ DATABASE_URL: databaseUrl, DB_ACQUIRE_TIMEOUT_MS: '2000' });
    if (config.database.engine !== 'mysql') throw new Error('expected mysql');
    const client = openMysql(config.database);
    cleanups.push(() => client.close());
    const app = createApp({ db: client, logger: createLogger('error', () => {}) });
    // A script with a token: checking it needs the database, which cannot answer.
    const token = `tm_${'a'.repeat(43)}`;
    const request = new Request('http://localhost/api/tasks', { headers: { authorization: `Bearer ${token}` } });
    const response = await app.handle(request);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ error: 'database_unavailable' });
  }

  test('an unreachable server answers 503 with Retry-After, not 500', async () => {
    await expectUnavailableAnswer('mysql://root@127.0.0.1:1/nowhere');
  });

  test('a password the server no longer takes (a rotation not yet picked up) answers 503, not 500', async () => {
    const { url, drop } = await createTestMysqlDatabase();
    cleanups.push(drop);
    const database = new URL(url);
    const user = `tm_rotated_${process.pid}`;
    const admin = await mysql.createConnection({ uri: `${database.protocol}//${database.username}@${database.host}` });
    await admin.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, '%', 'rotated-password']);
    cleanups.push(async () => {
      await admin.query('DROP USER IF EXISTS ?@?', [user, '%']);
      await admin.end();
    });
    database.username = user;
    database.password = 'the-old-password';
    await expectUnavailableAnswer(database.toString());
  });

  test('TLS verifies the server: rds trusts Amazon RDS CAs, and never switches verification off', async () => {
    expect(tlsOptions('off')).toBeUndefined();
    expect(tlsOptions('rds')).toMatchObject({ rejectUnauthorized: true, ca: expect.any(Array) });
    expect(tlsOptions('system')).toEqual({ rejectUnauthorized: true });
    const { url, drop } = await createTestMysqlDatabase();
    cleanups.push(drop);
    // The local test server speaks no TLS: a TLS-configured client must refuse it, not fall back.
    const config = loadConfig({ DATABASE_URL: url, DB_TLS: 'rds' });
    await expect(openDatabase(config.database, APP_MIGRATIONS)).rejects.toThrow();
  });
});
