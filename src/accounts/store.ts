import { batchedReads } from '../db/batched-reads';
import { fromSqlTimestamp, isDuplicateKey, type SqlClient, toSqlTimestamp } from '../db/sql-client';
import { inList } from '../db/statement-shapes';
import type { Account, ApiTokenInfo } from './model';
import type { Region } from './region';

/**
 * All SQL for accounts, sessions, API tokens and sign-in counters. Portable across SQLite, MySQL
 * 8.4 and MariaDB: positional parameters, no RETURNING, no engine-specific functions. The store
 * takes and returns hashes only; making secrets and hashing them is the service's work.
 */

/** An account as stored, with what signing in needs; never leaves the service. */
export interface StoredAccount extends Account {
  password_hash: string;
  disabled: boolean;
}

export interface NewAccount {
  email: string;
  password_hash: string;
  must_change_password: boolean;
}

/** Called in the transaction that creates the first account ever (see insertAccount). */
export type FirstAccountHook = (tx: SqlClient, accountId: number) => Promise<void>;

export interface InsertAccountOptions {
  /** Insert only the first account ever: closed sign-up still lets that one in. */
  onlyIfFirst?: boolean;
  onFirstAccount?: FirstAccountHook;
}

export type InsertAccountOutcome = { kind: 'created'; id: number } | { kind: 'email_taken' } | { kind: 'not_first' };

/** A live-looking session or token joined to its enabled account; the service judges expiry. */
export interface SessionRecord {
  account: Account;
  created_at: Date;
  last_seen_at: Date;
}

export interface TokenRecord {
  account: Account;
  token_id: number;
  last_used_at: Date | null;
}

export interface AttemptCount {
  count: number;
  window_started_at: Date;
}

export type AccountStore = ReturnType<typeof createAccountStore>;

/**
 * Columns another feature reads in the very query that finds the account of a session or token,
 * given the SQL expression of the account's id, and how to read them back from its row. The app
 * composes it (src/app.tsx): every request needs the account and then its task list's version, and
 * one round trip instead of two is most of what authentication would otherwise cost.
 */
export interface Alongside {
  columns(accountIdSql: string): string;
  read(row: Record<string, unknown>): unknown;
}

interface AccountRow {
  id: number | string;
  email: string;
  password_hash: string;
  must_change_password: number | string;
  disabled_at: string | null;
  time_zone: string;
  locale: string;
  region_from_browser: number | string;
}

interface TokenRow {
  id: number | string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

// The joined lookups name the account's columns the same way, so one function reads both.
interface JoinedAccount {
  account_id: number | string;
  email: string;
  must_change_password: number | string;
  time_zone: string;
  locale: string;
  region_from_browser: number | string;
}

const ACCOUNT_COLUMNS =
  'id, email, password_hash, must_change_password, disabled_at, time_zone, locale, region_from_browser';
const JOINED_ACCOUNT =
  'users.id AS account_id, users.email, users.must_change_password, users.time_zone, users.locale, users.region_from_browser';

const dateOf = (stamp: string) => new Date(fromSqlTimestamp(stamp));

function toStoredAccount(row: AccountRow): StoredAccount {
  return {
    id: Number(row.id),
    email: row.email,
    must_change_password: Number(row.must_change_password) === 1,
    password_hash: row.password_hash,
    disabled: row.disabled_at !== null,
    time_zone: row.time_zone,
    locale: row.locale,
    region_from_browser: Number(row.region_from_browser) === 1,
  };
}

const toJoinedAccount = (row: JoinedAccount): Account => ({
  id: Number(row.account_id),
  email: row.email,
  must_change_password: Number(row.must_change_password) === 1,
  time_zone: row.time_zone,
  locale: row.locale,
  region_from_browser: Number(row.region_from_browser) === 1,
});

function toTokenInfo(row: TokenRow): ApiTokenInfo {
  return {
    id: Number(row.id),
    name: row.name,
    created_at: fromSqlTimestamp(row.created_at),
    last_used_at: row.last_used_at === null ? null : fromSqlTimestamp(row.last_used_at),
  };
}

async function insertAccountOn(client: SqlClient, account: NewAccount, now: Date): Promise<number> {
  const { insertId } = await client.execute(
    'INSERT INTO users (email, password_hash, must_change_password, disabled_at, created_at) VALUES (?, ?, ?, NULL, ?)',
    [account.email, account.password_hash, account.must_change_password ? 1 : 0, toSqlTimestamp(now)],
  );
  return insertId;
}

export function createAccountStore(client: SqlClient, alongside?: Alongside) {
  const joinedColumns = alongside ? `${JOINED_ACCOUNT}, ${alongside.columns('users.id')}` : JOINED_ACCOUNT;
  const joinedAccount = (row: JoinedAccount): Account =>
    alongside
      ? { ...toJoinedAccount(row), alongside: alongside.read(row as unknown as Record<string, unknown>) }
      : toJoinedAccount(row);

  // A session or token lookup happens on every request; concurrent ones share one query.
  const sessionReads = batchedReads(async (hashes: string[]) => {
    const named = inList(hashes);
    const rows = await client.query<JoinedAccount & { id_hash: string; created_at: string; last_seen_at: string }>(
      `SELECT sessions.id_hash, sessions.created_at, sessions.last_seen_at, ${joinedColumns}
       FROM sessions JOIN users ON users.id = sessions.user_id
       WHERE sessions.id_hash ${named.sql} AND users.disabled_at IS NULL`,
      named.params,
    );
    return new Map<string, SessionRecord>(
      rows.map((row) => [
        row.id_hash,
        { account: joinedAccount(row), created_at: dateOf(row.created_at), last_seen_at: dateOf(row.last_seen_at) },
      ]),
    );
  });

  const tokenReads = batchedReads(async (hashes: string[]) => {
    const named = inList(hashes);
    const rows = await client.query<
      JoinedAccount & { token_hash: string; token_id: number | string; last_used_at: string | null }
    >(
      `SELECT api_tokens.token_hash, api_tokens.id AS token_id, api_tokens.last_used_at, ${joinedColumns}
       FROM api_tokens JOIN users ON users.id = api_tokens.user_id
       WHERE api_tokens.token_hash ${named.sql} AND users.disabled_at IS NULL`,
      named.params,
    );
    return new Map<string, TokenRecord>(
      rows.map((row) => [
        row.token_hash,
        {
          account: joinedAccount(row),
          token_id: Number(row.token_id),
          last_used_at: row.last_used_at === null ? null : dateOf(row.last_used_at),
        },
      ]),
    );
  });

  async function findAccount(column: 'id' | 'email', value: number | string): Promise<StoredAccount | null> {
    const rows = await client.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM users WHERE ${column} = ?`, [value]);
    return rows[0] ? toStoredAccount(rows[0]) : null;
  }

  return {
    async hasAccounts(): Promise<boolean> {
      return (await client.query('SELECT id FROM users LIMIT 1')).length > 0;
    },

    /**
     * Inserts an account. Every insert first locks the one account_bootstrap row (migration 105),
     * so concurrent inserts on any instance take turns there: exactly one finds no first account,
     * becomes it and runs onFirstAccount in the same transaction. A failing hook undoes the insert.
     */
    async insertAccount(
      account: NewAccount,
      now: Date,
      options: InsertAccountOptions = {},
    ): Promise<InsertAccountOutcome> {
      try {
        return await client.transaction(async (tx): Promise<InsertAccountOutcome> => {
          const [bootstrap] = await tx.query<{ first_account_id: number | string | null }>(
            `SELECT first_account_id FROM account_bootstrap WHERE id = 1${tx.lockingRead}`,
          );
          const first = (bootstrap?.first_account_id ?? null) === null;
          if (!first && options.onlyIfFirst) return { kind: 'not_first' };
          const id = await insertAccountOn(tx, account, now);
          if (first) {
            await tx.execute('UPDATE account_bootstrap SET first_account_id = ? WHERE id = 1', [id]);
            await options.onFirstAccount?.(tx, id);
          }
          return { kind: 'created', id };
        });
      } catch (error) {
        if (isDuplicateKey(error)) return { kind: 'email_taken' };
        throw error;
      }
    },

    findAccountByEmail: (email: string) => findAccount('email', email),
    findAccountById: (id: number) => findAccount('id', id),

    async setPassword(accountId: number, passwordHash: string, mustChange: boolean): Promise<void> {
      await client.execute('UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?', [
        passwordHash,
        mustChange ? 1 : 0,
        accountId,
      ]);
    },

    /** Pins the region (fromBrowser false), or sets it and lets the browser keep it up to date. */
    async setRegion(accountId: number, region: Region, fromBrowser: boolean): Promise<void> {
      await client.execute('UPDATE users SET time_zone = ?, locale = ?, region_from_browser = ? WHERE id = ?', [
        region.time_zone,
        region.locale,
        fromBrowser ? 1 : 0,
        accountId,
      ]);
    },

    /** What the browser reports, kept unless the account pinned its region. */
    async setBrowserRegion(accountId: number, region: Region): Promise<void> {
      await client.execute('UPDATE users SET time_zone = ?, locale = ? WHERE id = ? AND region_from_browser = 1', [
        region.time_zone,
        region.locale,
        accountId,
      ]);
    },

    async setDisabled(accountId: number, disabledAt: Date | null): Promise<void> {
      const stamp = disabledAt === null ? null : toSqlTimestamp(disabledAt);
      await client.execute('UPDATE users SET disabled_at = ? WHERE id = ?', [stamp, accountId]);
    },

    async insertSession(idHash: string, accountId: number, now: Date): Promise<void> {
      const stamp = toSqlTimestamp(now);
      await client.execute('INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)', [
        idHash,
        accountId,
        stamp,
        stamp,
      ]);
    },

    sessionByHash: async (idHash: string) => (await sessionReads(idHash)) ?? null,

    /** Moves last_seen_at to now unless another request already did since `seenBefore`. */
    async touchSession(idHash: string, now: Date, seenBefore: Date): Promise<void> {
      await client.execute('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?', [
        toSqlTimestamp(now),
        idHash,
        toSqlTimestamp(seenBefore),
      ]);
    },

    async deleteSession(idHash: string): Promise<void> {
      await client.execute('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
    },

    async deleteSessionsOf(accountId: number): Promise<void> {
      await client.execute('DELETE FROM sessions WHERE user_id = ?', [accountId]);
    },

    /** Sessions idle since before `idleBefore`; an index range on last_seen_at, usually empty. */
    async purgeIdleSessions(idleBefore: Date): Promise<void> {
      await client.execute('DELETE FROM sessions WHERE last_seen_at < ?', [toSqlTimestamp(idleBefore)]);
    },

    /**
     * Stores a token unless the account holds `cap` already. The account's row is locked first, so
     * two creates racing at the cap cannot both pass the count.
     */
    async insertToken(accountId: number, name: string, tokenHash: string, now: Date, cap: number) {
      const stamp = toSqlTimestamp(now);
      return client.transaction(async (tx): Promise<ApiTokenInfo | null> => {
        await tx.query(`SELECT id FROM users WHERE id = ?${tx.lockingRead}`, [accountId]);
        const [held] = await tx.query<{ n: number | string }>(
          'SELECT COUNT(*) AS n FROM api_tokens WHERE user_id = ?',
          [accountId],
        );
        if (Number(held?.n ?? 0) >= cap) return null;
        const { insertId } = await tx.execute(
          'INSERT INTO api_tokens (user_id, name, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, NULL)',
          [accountId, name, tokenHash, stamp],
        );
        return { id: insertId, name, created_at: fromSqlTimestamp(stamp), last_used_at: null };
      });
    },

    async deleteTokensOf(accountId: number): Promise<void> {
      await client.execute('DELETE FROM api_tokens WHERE user_id = ?', [accountId]);
    },

    async listTokens(accountId: number): Promise<ApiTokenInfo[]> {
      const rows = await client.query<TokenRow>(
        'SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC',
        [accountId],
      );
      return rows.map(toTokenInfo);
    },

    /** Whether a token of this account had this id (and is now gone). */
    async deleteToken(accountId: number, tokenId: number): Promise<boolean> {
      const { affectedRows } = await client.execute('DELETE FROM api_tokens WHERE id = ? AND user_id = ?', [
        tokenId,
        accountId,
      ]);
      return affectedRows > 0;
    },

    tokenByHash: async (tokenHash: string) => (await tokenReads(tokenHash)) ?? null,

    async touchToken(tokenId: number, now: Date, usedBefore: Date): Promise<void> {
      await client.execute(
        'UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
        [toSqlTimestamp(now), tokenId, toSqlTimestamp(usedBefore)],
      );
    },

    /**
     * Counts one attempt for the subject in its window of `windowMs`, which begins at the first
     * attempt and has ended once `windowMs` has passed: then this attempt starts a new one. One
     * UPDATE does it, so concurrent attempts on any instance all count; a first attempt INSERTs,
     * and one that loses that race to another counts by UPDATE. Returns the counter as it stands.
     */
    async recordAttempt(subjectHash: string, now: Date, windowMs: number): Promise<AttemptCount> {
      const stamp = toSqlTimestamp(now);
      const ended = toSqlTimestamp(new Date(now.getTime() - windowMs));
      // failures is assigned before window_started_at: MySQL evaluates SET left to right, so both
      // CASEs read the old window, as SQLite's do.
      const update = () =>
        client.execute(
          `UPDATE sign_in_failures
           SET failures = CASE WHEN window_started_at <= ? THEN 1 ELSE failures + 1 END,
               window_started_at = CASE WHEN window_started_at <= ? THEN ? ELSE window_started_at END
           WHERE subject_hash = ?`,
          [ended, ended, stamp, subjectHash],
        );
      if ((await update()).affectedRows === 0) {
        try {
          await client.execute(
            'INSERT INTO sign_in_failures (subject_hash, failures, window_started_at) VALUES (?, 1, ?)',
            [subjectHash, stamp],
          );
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          await update();
        }
      }
      const [row] = await client.query<{ failures: number | string; window_started_at: string }>(
        'SELECT failures, window_started_at FROM sign_in_failures WHERE subject_hash = ?',
        [subjectHash],
      );
      return row
        ? { count: Number(row.failures), window_started_at: dateOf(row.window_started_at) }
        : { count: 1, window_started_at: now };
    },

    /** Takes back one counted attempt (one that turned out right), never below zero. */
    async uncountAttempt(subjectHash: string): Promise<void> {
      await client.execute(
        'UPDATE sign_in_failures SET failures = failures - 1 WHERE subject_hash = ? AND failures > 0',
        [subjectHash],
      );
    },

    async clearAttempts(subjectHash: string): Promise<void> {
      await client.execute('DELETE FROM sign_in_failures WHERE subject_hash = ?', [subjectHash]);
    },

    /** Counters whose window began before `startedBefore`; an index range, usually empty. */
    async purgeAttempts(startedBefore: Date): Promise<void> {
      await client.execute('DELETE FROM sign_in_failures WHERE window_started_at < ?', [toSqlTimestamp(startedBefore)]);
    },
  };
}
