import type { Migration } from '../db/migrations';
import { EMAIL_MAX, TOKEN_NAME_MAX } from './model';
import { DEFAULT_REGION, LOCALE_MAX, TIME_ZONE_MAX } from './region';

/**
 * The accounts' tables (DDL), as versioned migrations for the runner in src/db/migrations.ts.
 * Versions from 101 on: one ledger serves every feature, and tasks use the low numbers.
 * Append new entries; never edit one that has shipped.
 *
 * Secrets never reach a table: sessions and API tokens are stored as the SHA-256 of the secret
 * (64 hex digits, compared byte for byte), passwords as argon2id hashes, and the sign-in counters
 * under a hash of their subject, so no email or client address sits beside a failure count.
 * No foreign keys: accounts are disabled, never deleted, and the service removes sessions itself.
 */

// Hex digits compared as bytes: no case folding, no trailing-space padding, one byte a character.
const HASH_MYSQL = 'CHAR(64) CHARACTER SET ascii COLLATE ascii_bin';
const TABLE_MYSQL = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

export const ACCOUNT_MIGRATIONS: readonly Migration[] = [
  {
    version: 101,
    name: 'create users',
    // The email is stored normalised (trimmed, lower-case, NFC; src/accounts/service.ts) and
    // compared byte for byte, as SQLite compares text: utf8mb4_unicode_ci would make "josé@x.org" and
    // "jose@x.org" one address on MySQL and two on SQLite.
    statements: {
      mysql: [
        `CREATE TABLE users (
          id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
          email VARCHAR(${EMAIL_MAX}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
          password_hash VARCHAR(255) NOT NULL,
          must_change_password TINYINT NOT NULL DEFAULT 0,
          disabled_at DATETIME(3) NULL,
          created_at DATETIME(3) NOT NULL
        ) ${TABLE_MYSQL}`,
        'CREATE UNIQUE INDEX users_email ON users (email)',
      ],
      sqlite: [
        `CREATE TABLE users (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          email TEXT NOT NULL CHECK (length(email) BETWEEN 1 AND ${EMAIL_MAX}),
          password_hash TEXT NOT NULL,
          must_change_password INTEGER NOT NULL DEFAULT 0,
          disabled_at TEXT NULL,
          created_at TEXT NOT NULL
        )`,
        'CREATE UNIQUE INDEX users_email ON users (email)',
      ],
    },
  },
  {
    version: 102,
    name: 'create sessions',
    // last_seen_at is indexed for the purge of idle sessions, user_id for "sign out everywhere".
    statements: {
      mysql: [
        `CREATE TABLE sessions (
          id_hash ${HASH_MYSQL} NOT NULL PRIMARY KEY,
          user_id BIGINT UNSIGNED NOT NULL,
          created_at DATETIME(3) NOT NULL,
          last_seen_at DATETIME(3) NOT NULL
        ) ${TABLE_MYSQL}`,
        'CREATE INDEX sessions_user ON sessions (user_id)',
        'CREATE INDEX sessions_last_seen ON sessions (last_seen_at)',
      ],
      sqlite: [
        `CREATE TABLE sessions (
          id_hash TEXT NOT NULL PRIMARY KEY,
          user_id INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          last_seen_at TEXT NOT NULL
        )`,
        'CREATE INDEX sessions_user ON sessions (user_id)',
        'CREATE INDEX sessions_last_seen ON sessions (last_seen_at)',
      ],
    },
  },
  {
    version: 103,
    name: 'create api tokens',
    // (user_id, id) serves an account's list, newest first, and the count against the cap.
    statements: {
      mysql: [
        `CREATE TABLE api_tokens (
          id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
          user_id BIGINT UNSIGNED NOT NULL,
          name VARCHAR(${TOKEN_NAME_MAX}) NOT NULL,
          token_hash ${HASH_MYSQL} NOT NULL,
          created_at DATETIME(3) NOT NULL,
          last_used_at DATETIME(3) NULL
        ) ${TABLE_MYSQL}`,
        'CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash)',
        'CREATE INDEX api_tokens_user_id ON api_tokens (user_id, id)',
      ],
      sqlite: [
        `CREATE TABLE api_tokens (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          user_id INTEGER NOT NULL,
          name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND ${TOKEN_NAME_MAX}),
          token_hash TEXT NOT NULL,
          created_at TEXT NOT NULL,
          last_used_at TEXT NULL
        )`,
        'CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash)',
        'CREATE INDEX api_tokens_user_id ON api_tokens (user_id, id)',
      ],
    },
  },
  {
    version: 104,
    name: 'create sign-in failure counters',
    // Shared by every instance, so a guesser cannot spread attempts across them. One row per
    // subject ("account:<email>", "address:<ip>", "signup:<ip>", hashed); window_started_at is
    // indexed for the purge of windows that ended.
    statements: {
      mysql: [
        `CREATE TABLE sign_in_failures (
          subject_hash ${HASH_MYSQL} NOT NULL PRIMARY KEY,
          failures INT UNSIGNED NOT NULL,
          window_started_at DATETIME(3) NOT NULL
        ) ${TABLE_MYSQL}`,
        'CREATE INDEX sign_in_failures_window ON sign_in_failures (window_started_at)',
      ],
      sqlite: [
        `CREATE TABLE sign_in_failures (
          subject_hash TEXT NOT NULL PRIMARY KEY,
          failures INTEGER NOT NULL,
          window_started_at TEXT NOT NULL
        )`,
        'CREATE INDEX sign_in_failures_window ON sign_in_failures (window_started_at)',
      ],
    },
  },
  {
    version: 105,
    name: 'the first account, decided once',
    // One row that every account insert locks first (src/accounts/store.ts): inserts take turns on
    // it, so exactly one of them finds no first account, becomes it, and can be given the tasks made
    // before accounts existed. One connection and one row lock on both engines, unlike a named lock.
    statements: {
      mysql: [
        `CREATE TABLE account_bootstrap (
          id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
          first_account_id BIGINT UNSIGNED NULL,
          CONSTRAINT account_bootstrap_one_row CHECK (id = 1)
        ) ${TABLE_MYSQL}`,
        'INSERT INTO account_bootstrap (id, first_account_id) SELECT 1, MIN(id) FROM users',
      ],
      sqlite: [
        `CREATE TABLE account_bootstrap (
          id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
          first_account_id INTEGER NULL
        )`,
        'INSERT INTO account_bootstrap (id, first_account_id) SELECT 1, MIN(id) FROM users',
      ],
    },
  },
  {
    version: 106,
    name: 'where each account is',
    // The time zone that decides "today" and the locale dates are written in (src/accounts/region.ts),
    // as the browser reports them while region_from_browser is 1, or as pinned in the settings.
    statements: {
      mysql: [
        `ALTER TABLE users ADD COLUMN time_zone VARCHAR(${TIME_ZONE_MAX}) NOT NULL DEFAULT '${DEFAULT_REGION.time_zone}',
          ADD COLUMN locale VARCHAR(${LOCALE_MAX}) NOT NULL DEFAULT '${DEFAULT_REGION.locale}',
          ADD COLUMN region_from_browser TINYINT NOT NULL DEFAULT 1`,
      ],
      sqlite: [
        `ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '${DEFAULT_REGION.time_zone}'`,
        `ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT '${DEFAULT_REGION.locale}'`,
        'ALTER TABLE users ADD COLUMN region_from_browser INTEGER NOT NULL DEFAULT 1',
      ],
    },
  },
];
