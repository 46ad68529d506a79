/**
 * The small SQL surface the stores need, implemented once per engine. Stores write portable SQL
 * (positional `?` parameters, no RETURNING) so one store serves SQLite, MySQL 8.4 and MariaDB.
 */

export type SqlValue = string | number | null;
export type Engine = 'sqlite' | 'mysql';

export interface WriteResult {
  affectedRows: number;
  insertId: number;
}

/**
 * A pool's figures, as /pool-stats and /metrics report them. The gauges come from the driver's
 * public pool and connection events, never its private fields (src/db/mysql.ts, countConnections).
 */
export interface PoolStats {
  /** Most connections the pool may open. */
  limit: number;
  /**
   * Connections open now, in use or idle: made and not yet ended or failed. One still connecting
   * is not counted until it is ready; one the server closed or killed drops out once the driver
   * sees its socket close.
   */
  total: number;
  /** Connections lent out to a statement, a transaction or a lock; `total - in_use` are idle. */
  in_use: number;
  idle: number;
  /**
   * Callers that asked for a connection and have not got one yet, nor given up (acquire timeout):
   * queued behind a busy pool, or waiting for a new connection to be opened for them. So a brief
   * non-zero value is normal while the pool grows; a lasting one means the pool is exhausted.
   * Callers refused by a full queue are answered at once and not counted here.
   */
  waiting: number;
  queue_limit: number;
  acquired_total: number;
  wait_ms: { avg: number; max: number };
  /** Requests that gave up waiting (acquire timeout) or found the queue full. */
  timeouts_total: number;
  /** Queries that failed because the database could not serve them. */
  errors_total: number;
  /**
   * Transactions tried again after a conflict rolled them back: a deadlock, or a row changed since
   * the transaction's first read (src/db/mysql.ts, RETRIED_CODES). A failed last try is an error.
   */
  transaction_retries_total: number;
}

export interface SqlClient {
  readonly engine: Engine;
  query<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  execute(sql: string, params?: readonly SqlValue[]): Promise<WriteResult>;
  /** Runs `work` while holding a named lock that every instance sharing the database respects. */
  exclusive<T>(lockName: string, work: (client: SqlClient) => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction on one connection: all of it commits, or none of it. */
  transaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T>;
  /** Appended to a SELECT inside a transaction to lock the rows it reads (SQLite locks the file). */
  readonly lockingRead: string;
  /** Pool figures for the MySQL engine; null where there is no pool. */
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}

/** The database could not serve the request right now (pool exhausted, server down): a 503, not a 500. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Timestamps are stored as UTC text 'YYYY-MM-DD HH:MM:SS.mmm', which both engines sort and compare. */
export function toSqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Back to ISO 8601 with milliseconds; MySQL drops a zero fraction (".000") when it reads one out.
 * String surgery, not Date: this runs three times per row of every list.
 */
export function fromSqlTimestamp(value: string): string {
  const iso = `${value.slice(0, 10)}T${value.slice(11)}`;
  return iso.length === 19 ? `${iso}.000Z` : `${iso}Z`;
}

/**
 * A unique index refused the row: MySQL and MariaDB say ER_DUP_ENTRY for any unique key, SQLite
 * names a UNIQUE index and a PRIMARY KEY apart.
 */
export function isDuplicateKey(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
