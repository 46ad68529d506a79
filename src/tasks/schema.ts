import type { Migration } from '../db/migrations';
import type { Engine, SqlClient } from '../db/sql-client';
import { COUNT_SHARDS, NOTES_MAX, STATUSES, TITLE_MAX } from './model';
import { searchTerms } from './search';
import { countRowsOf } from './store';

/**
 * The tasks' tables (DDL), as versioned migrations for the runner in src/db/migrations.ts.
 * Append new entries; never edit one that has shipped. The DDL takes its limits from the model, so
 * each rule is written once: a shipped migration therefore changes text if a limit changes, which
 * tests/unit/task-schema.test.ts catches (a new limit needs a new migration that alters the column).
 */

const STATUS_LIST = STATUSES.map((status) => `'${status}'`).join(', ');
const STATUS_WIDTH = Math.max(...STATUSES.map((status) => status.length));

// Priority is stored as a rank (1 low, 2 normal, 3 high) so "sort by priority" is an index scan.
// The list indexes end in id: every list query orders by (key, id) and pages by keyset on it.
const LIST_INDEXES = [
  'CREATE INDEX tasks_status_id ON tasks (status, id)',
  'CREATE INDEX tasks_status_priority_id ON tasks (status, priority, id)',
  'CREATE INDEX tasks_status_due_id ON tasks (status, due_date, id)',
  'CREATE INDEX tasks_priority_id ON tasks (priority, id)',
  'CREATE INDEX tasks_due_id ON tasks (due_date, id)',
];

const LIST_INDEX_NAMES = LIST_INDEXES.map((statement) => statement.split(' ')[2]);

// Since accounts (migration 9): the same lists, each within one owner's tasks, plus the list of all
// of them (owner_id, id).
const OWNER_INDEXES = [
  ['tasks_owner_id', 'owner_id, id'],
  ['tasks_owner_status_id', 'owner_id, status, id'],
  ['tasks_owner_status_priority_id', 'owner_id, status, priority, id'],
  ['tasks_owner_status_due_id', 'owner_id, status, due_date, id'],
  ['tasks_owner_priority_id', 'owner_id, priority, id'],
  ['tasks_owner_due_id', 'owner_id, due_date, id'],
] as const;

// --- the term index (migration 13) ----------------------------------------------------------------

/**
 * A term as task_terms keys it: compared byte for byte (utf8mb4_bin), as the app folded it, so "ß"
 * and "ss" stay two terms and a word's range holds exactly the terms it starts. 84 characters: the
 * longest term (src/tasks/search.ts, TERM_WORD_MAX) fits.
 */
const MYSQL_TERM = 'VARCHAR(84) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';

/**
 * The terms of a task row (`NEW`, `OLD`, or `tasks` for the backfill) as a table of one column,
 * `term`: its title's and notes' terms are letters, digits and single spaces, so they make a JSON
 * array with no escaping. A term in both fields comes twice; INSERT IGNORE keeps one.
 */
const termsOf = {
  mysql: (row: string) =>
    `JSON_TABLE(CONCAT('["', REPLACE(TRIM(CONCAT(${row}.title_terms, ' ', ${row}.notes_terms)), ' ', '","'), '"]'),
       '$[*]' COLUMNS (term ${MYSQL_TERM} PATH '$')) AS words`,
  // json_each names its column `value`; a subquery renaming it could not see the row (the backfill's).
  sqlite: (row: string) =>
    `json_each('["' || replace(trim(${row}.title_terms || ' ' || ${row}.notes_terms), ' ', '","') || '"]') AS words`,
};

/** How each engine spells an insert that skips rows already there, and the words' column. */
const TERM_DIALECT = {
  mysql: { insertIgnore: 'INSERT IGNORE', term: 'words.term' },
  sqlite: { insertIgnore: 'INSERT OR IGNORE', term: 'words.value' },
} satisfies Record<Engine, unknown>;

/** Files a row's terms; `from` is where its terms come from, and may bring the row itself (the backfill). */
function fileTerms(engine: Engine, row: string, from = termsOf[engine](row)): string {
  const { insertIgnore, term } = TERM_DIALECT[engine];
  return `${insertIgnore} INTO task_terms (term, status, task_id, priority, due_date)
     SELECT ${term}, ${row}.status, ${row}.id, ${row}.priority, ${row}.due_date FROM ${from} WHERE ${term} <> ''`;
}

// A task's rows are found by its terms (each a key: term, status, id), not by its id, which would
// need a second index as large as the table.
const dropTerms = {
  mysql: `DELETE task_terms FROM ${termsOf.mysql('OLD')}
    JOIN task_terms ON task_terms.term = words.term AND task_terms.status = OLD.status AND task_terms.task_id = OLD.id`,
  sqlite: `DELETE FROM task_terms WHERE status = old.status AND task_id = old.id
    AND term IN (SELECT words.value FROM ${termsOf.sqlite('old')})`,
};

const refileTerms = {
  mysql: `UPDATE ${termsOf.mysql('NEW')}
    JOIN task_terms ON task_terms.term = words.term AND task_terms.status = NEW.status AND task_terms.task_id = NEW.id
    SET task_terms.priority = NEW.priority, task_terms.due_date = NEW.due_date`,
  sqlite: `UPDATE task_terms SET priority = new.priority, due_date = new.due_date
    WHERE status = new.status AND task_id = new.id AND term IN (SELECT words.value FROM ${termsOf.sqlite('new')})`,
};

const TERM_FILE_BATCH = 10_000;

/**
 * Files the terms of every task there, TERM_FILE_BATCH ids a statement: about 50 s per 10^6 tasks on
 * MariaDB (2 cores). Safe to run again: a row filed already is left as it is.
 */
async function fileEveryTasksTerms(client: SqlClient): Promise<void> {
  const [last] = await client.query<{ id: number | string | null }>('SELECT MAX(id) AS id FROM tasks');
  const lastId = Number(last?.id ?? 0);
  const filing = `${fileTerms(client.engine, 'tasks', `tasks, ${termsOf[client.engine]('tasks')}`)}
    AND tasks.id > ? AND tasks.id <= ?`;
  for (let after = 0; after < lastId; after += TERM_FILE_BATCH)
    await client.execute(filing, [after, after + TERM_FILE_BATCH]);
}

export const TASK_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create tasks',
    statements: {
      mysql: [
        `CREATE TABLE tasks (
          id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
          title VARCHAR(${TITLE_MAX}) NOT NULL,
          notes TEXT NOT NULL,
          status VARCHAR(${STATUS_WIDTH}) NOT NULL DEFAULT 'open',
          priority TINYINT UNSIGNED NOT NULL DEFAULT 2,
          due_date DATE NULL,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          completed_at DATETIME(3) NULL,
          version INT UNSIGNED NOT NULL DEFAULT 1,
          CONSTRAINT tasks_status_valid CHECK (status IN (${STATUS_LIST})),
          CONSTRAINT tasks_priority_valid CHECK (priority BETWEEN 1 AND 3)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        ...LIST_INDEXES,
      ],
      sqlite: [
        `CREATE TABLE tasks (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND ${TITLE_MAX}),
          notes TEXT NOT NULL DEFAULT '' CHECK (length(notes) <= ${NOTES_MAX}),
          status TEXT NOT NULL DEFAULT 'open' CHECK (status IN (${STATUS_LIST})),
          priority INTEGER NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 3),
          due_date TEXT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          completed_at TEXT NULL,
          version INTEGER NOT NULL DEFAULT 1
        )`,
        ...LIST_INDEXES,
      ],
    },
  },
  {
    version: 2,
    name: 'idempotency keys for creates',
    // A retried create (a proxy failing over, a client retrying) carries the same key and gets
    // the task made the first time instead of a second one.
    statements: {
      mysql: [
        'ALTER TABLE tasks ADD COLUMN request_key VARCHAR(128) NULL',
        'CREATE UNIQUE INDEX tasks_request_key ON tasks (request_key)',
      ],
      sqlite: [
        'ALTER TABLE tasks ADD COLUMN request_key TEXT NULL',
        'CREATE UNIQUE INDEX tasks_request_key ON tasks (request_key)',
      ],
    },
  },
  {
    version: 3,
    name: 'maintained task counts',
    // The status filter shows counts on every page; COUNT(*) grows with the table, these do not.
    // Each status's count is spread over COUNT_SHARDS rows that writers pick at random, so
    // concurrent creates do not all queue for one row lock; a read sums the shards.
    //
    // As shipped, task_counts took the database's default collation, and the seed's UPDATE compares
    // tasks.status (utf8mb4_unicode_ci) with task_counts.status: on any database not created as the
    // README said (a plain CREATE DATABASE: utf8mb4_general_ci on MariaDB, utf8mb4_0900_ai_ci on
    // MySQL 8.4) it failed with "Illegal mix of collations", after the CREATE TABLE and the INSERT
    // had stayed (MySQL's DDL does not roll back), so the next start failed on "already exists".
    // Two changes, neither of which changes anything where this migration succeeded before:
    // - the table names its collation. On a database created the documented way it inherited
    //   exactly this one; on a latin1 database (where the old text succeeded) it has been recorded
    //   and never runs again, and migration 6 converts that table.
    // - a leftover of a failed first attempt is dropped first. Where this migration has not been
    //   recorded, task_counts can only be such a leftover: the app never started on that database.
    statements: {
      mysql: [
        'DROP TABLE IF EXISTS task_counts',
        `CREATE TABLE task_counts (
          status VARCHAR(${STATUS_WIDTH}) NOT NULL,
          shard TINYINT UNSIGNED NOT NULL DEFAULT 0,
          total BIGINT NOT NULL DEFAULT 0,
          PRIMARY KEY (status, shard)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        ...seedCounts(),
      ],
      sqlite: [
        `CREATE TABLE task_counts (
          status TEXT NOT NULL,
          shard INTEGER NOT NULL DEFAULT 0,
          total INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (status, shard)
        )`,
        ...seedCounts(),
      ],
    },
  },
  {
    version: 4,
    name: 'full-text search',
    statements: {
      mysql: ['ALTER TABLE tasks ADD FULLTEXT INDEX tasks_search (title, notes)'],
      // An external-content FTS5 index over tasks, kept in step by triggers.
      sqlite: [
        `CREATE VIRTUAL TABLE tasks_fts USING fts5(
          title, notes, content='tasks', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
        )`,
        `CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
          INSERT INTO tasks_fts (rowid, title, notes) VALUES (new.id, new.title, new.notes);
        END`,
        `CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
          INSERT INTO tasks_fts (tasks_fts, rowid, title, notes) VALUES ('delete', old.id, old.title, old.notes);
        END`,
        `CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, notes ON tasks BEGIN
          INSERT INTO tasks_fts (tasks_fts, rowid, title, notes) VALUES ('delete', old.id, old.title, old.notes);
          INSERT INTO tasks_fts (rowid, title, notes) VALUES (new.id, new.title, new.notes);
        END`,
        `INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild')`,
      ],
    },
  },
  {
    version: 5,
    name: 'a version for the task list',
    // Every change also bumps "writes" on a count shard, in its own transaction: the sum is a
    // version of the whole list that every instance reads in one cheap query, so rendered pages
    // can be cached per version and are never served stale.
    statements: {
      mysql: ['ALTER TABLE task_counts ADD COLUMN writes BIGINT NOT NULL DEFAULT 0'],
      sqlite: ['ALTER TABLE task_counts ADD COLUMN writes INTEGER NOT NULL DEFAULT 0'],
    },
  },
  {
    version: 6,
    name: 'every table in utf8mb4_unicode_ci',
    // Every table states its character set and collation, so no comparison between two tables can
    // meet two collations, whatever the database's default. Only task_counts ever lacked it (see
    // migration 3): on a database created the documented way this changes nothing; on a latin1
    // database the old migration 3 succeeded on, it converts the table. 32 rows: instant.
    // SQLite compares text by its bytes everywhere: nothing to do.
    statements: {
      mysql: ['ALTER TABLE task_counts CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'],
      sqlite: [],
    },
  },
  {
    version: 7,
    name: 'idempotency keys compared byte for byte',
    // VARCHAR in utf8mb4_unicode_ci made "Key-a" and "key-A" one key on MySQL and two on SQLite.
    // VARBINARY compares bytes (no case folding, no trailing-space padding) as SQLite's TEXT does.
    // Existing keys keep their bytes and stay unique (bytes are stricter than the collation).
    // MySQL rebuilds tasks for this (ALGORITHM=COPY: writes wait while it runs; see docs/deployment.md).
    statements: {
      mysql: ['ALTER TABLE tasks MODIFY request_key VARBINARY(128) NULL'],
      sqlite: [],
    },
  },
  {
    version: 8,
    name: 'what each idempotency key was used for',
    // A create stores, beside its key, a fingerprint of what it asked for (SHA-256 hex of the task as
    // the service normalised it; src/tasks/service.ts), so a key reused for a different task is
    // refused instead of answered with the first one. The app compares fingerprints, SQL never does:
    // CHAR(64) takes the table's utf8mb4_unicode_ci like every other text column (hex digits only).
    // Rows from before stay NULL, which the service treats as a match.
    // MySQL and MariaDB cannot add a column instantly to a table with a FULLTEXT index: this rebuilds
    // tasks as migration 7 did (writes wait while it runs; see docs/deployment.md).
    statements: {
      mysql: ['ALTER TABLE tasks ADD COLUMN request_fingerprint CHAR(64) NULL'],
      sqlite: ['ALTER TABLE tasks ADD COLUMN request_fingerprint TEXT NULL'],
    },
  },
  {
    version: 9,
    name: 'every task has an owner',
    // Accounts: every task, every count and every idempotency key belongs to one account, and every
    // list index starts with the owner, so a list stays an index range scan of one account's tasks.
    // Rows from before accounts get owner 0, which no account has: the first account created claims
    // them (claimUnownedTasks in store.ts). MySQL rebuilds tasks for this, as for migrations 7 and 8.
    statements: {
      mysql: [
        `ALTER TABLE tasks ADD COLUMN owner_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
          ${[...LIST_INDEX_NAMES, 'tasks_request_key'].map((name) => `DROP INDEX ${name}`).join(', ')},
          ${OWNER_INDEXES.map(([name, columns]) => `ADD INDEX ${name} (${columns})`).join(', ')},
          ADD UNIQUE INDEX tasks_owner_request_key (owner_id, request_key)`,
        `ALTER TABLE task_counts ADD COLUMN owner_id BIGINT UNSIGNED NOT NULL DEFAULT 0 FIRST,
          DROP PRIMARY KEY, ADD PRIMARY KEY (owner_id, status, shard)`,
      ],
      sqlite: [
        'ALTER TABLE tasks ADD COLUMN owner_id INTEGER NOT NULL DEFAULT 0',
        ...[...LIST_INDEX_NAMES, 'tasks_request_key'].map((name) => `DROP INDEX ${name}`),
        ...OWNER_INDEXES.map(([name, columns]) => `CREATE INDEX ${name} ON tasks (${columns})`),
        'CREATE UNIQUE INDEX tasks_owner_request_key ON tasks (owner_id, request_key)',
        // SQLite cannot change a primary key: the counts move to a new table.
        `CREATE TABLE task_counts_by_owner (
          owner_id INTEGER NOT NULL DEFAULT 0,
          status TEXT NOT NULL,
          shard INTEGER NOT NULL DEFAULT 0,
          total INTEGER NOT NULL DEFAULT 0,
          writes INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (owner_id, status, shard)
        )`,
        `INSERT INTO task_counts_by_owner (owner_id, status, shard, total, writes)
          SELECT 0, status, shard, total, writes FROM task_counts`,
        'DROP TABLE task_counts',
        'ALTER TABLE task_counts_by_owner RENAME TO task_counts',
      ],
    },
  },
  {
    version: 10,
    name: 'search terms that start with their owner',
    // What the full-text indexes will hold (src/tasks/search.ts): each word of a field behind its
    // owner's id. The app computes them, so both engines split and fold words alike; the backfill
    // fills the tasks already there (11 s per 100,000 tasks on MariaDB, 2 cores; see
    // docs/deployment.md). DEFAULT (''): an instance still on the previous version during a rolling
    // upgrade can insert without them (its tasks are found by search once edited). MySQL rebuilds
    // tasks for the columns, as for migration 8.
    statements: {
      mysql: [
        `ALTER TABLE tasks ADD COLUMN title_terms TEXT NOT NULL DEFAULT (''),
          ADD COLUMN notes_terms TEXT NOT NULL DEFAULT ('')`,
      ],
      sqlite: [
        "ALTER TABLE tasks ADD COLUMN title_terms TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE tasks ADD COLUMN notes_terms TEXT NOT NULL DEFAULT ''",
      ],
    },
    backfill: fillSearchTerms,
  },
  {
    version: 11,
    name: 'full-text search of one account’s terms',
    // The full-text indexes move from the raw text to the owner's terms: a search walks only the
    // matches of the account searching, not every account's (tests/integration/owner-indexes.test.ts).
    statements: {
      mysql: ['ALTER TABLE tasks DROP INDEX tasks_search, ADD FULLTEXT INDEX tasks_terms (title_terms, notes_terms)'],
      sqlite: [
        'DROP TRIGGER tasks_fts_insert',
        'DROP TRIGGER tasks_fts_delete',
        'DROP TRIGGER tasks_fts_update',
        'DROP TABLE tasks_fts',
        `CREATE VIRTUAL TABLE tasks_fts USING fts5(
          title_terms, notes_terms, content='tasks', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
        )`,
        `CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
          INSERT INTO tasks_fts (rowid, title_terms, notes_terms) VALUES (new.id, new.title_terms, new.notes_terms);
        END`,
        `CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
          INSERT INTO tasks_fts (tasks_fts, rowid, title_terms, notes_terms)
            VALUES ('delete', old.id, old.title_terms, old.notes_terms);
        END`,
        `CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title_terms, notes_terms ON tasks BEGIN
          INSERT INTO tasks_fts (tasks_fts, rowid, title_terms, notes_terms)
            VALUES ('delete', old.id, old.title_terms, old.notes_terms);
          INSERT INTO tasks_fts (rowid, title_terms, notes_terms) VALUES (new.id, new.title_terms, new.notes_terms);
        END`,
        `INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild')`,
      ],
    },
  },
  {
    version: 12,
    name: 'deleted tasks kept for undo',
    // A deleted task moves here, whole, for DELETED_KEPT_DAYS (model.ts), so it can be restored with
    // its id. A table of its own, not a deleted_at column: every list, count, search index and
    // export of tasks stays as it was, with nothing to filter out. Its idempotency key is not kept,
    // as a hard delete did not keep it. (owner_id, deleted_at) finds one account's expired rows,
    // deleted_at everyone's.
    statements: {
      mysql: [
        `CREATE TABLE deleted_tasks (
          id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
          owner_id BIGINT UNSIGNED NOT NULL,
          title VARCHAR(${TITLE_MAX}) NOT NULL,
          notes TEXT NOT NULL,
          title_terms TEXT NOT NULL,
          notes_terms TEXT NOT NULL,
          status VARCHAR(${STATUS_WIDTH}) NOT NULL,
          priority TINYINT UNSIGNED NOT NULL,
          due_date DATE NULL,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          completed_at DATETIME(3) NULL,
          version INT UNSIGNED NOT NULL,
          deleted_at DATETIME(3) NOT NULL,
          INDEX deleted_tasks_owner_deleted_at (owner_id, deleted_at),
          INDEX deleted_tasks_deleted_at (deleted_at)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE deleted_tasks (
          id INTEGER NOT NULL PRIMARY KEY,
          owner_id INTEGER NOT NULL,
          title TEXT NOT NULL,
          notes TEXT NOT NULL,
          title_terms TEXT NOT NULL,
          notes_terms TEXT NOT NULL,
          status TEXT NOT NULL,
          priority INTEGER NOT NULL,
          due_date TEXT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          completed_at TEXT NULL,
          version INTEGER NOT NULL,
          deleted_at TEXT NOT NULL
        )`,
        'CREATE INDEX deleted_tasks_owner_deleted_at ON deleted_tasks (owner_id, deleted_at)',
        'CREATE INDEX deleted_tasks_deleted_at ON deleted_tasks (deleted_at)',
      ],
    },
  },
  {
    version: 13,
    name: 'search by a term index',
    // A search read InnoDB's full-text index, which materialises every match before it sorts or
    // counts them: 141 ms for a page and 137 ms for its counts at 37,000 matches of 10^6 tasks.
    // task_terms holds a row per distinct term of a task, keyed so that a word's matches are one
    // range, in the order of the list, with the columns a count reads (src/tasks/term-search.ts):
    // 1–9 ms for the same search. Triggers keep it in step with tasks, whoever writes them (the app,
    // an import, a seed, a hand-run UPDATE); the backfill files the tasks already there. The
    // full-text indexes go: nothing reads them any more.
    statements: {
      mysql: [
        `CREATE TABLE task_terms (
          term ${MYSQL_TERM} NOT NULL,
          status VARCHAR(${STATUS_WIDTH}) NOT NULL,
          task_id BIGINT UNSIGNED NOT NULL,
          priority TINYINT UNSIGNED NOT NULL,
          due_date DATE NULL,
          PRIMARY KEY (term, status, task_id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TRIGGER task_terms_insert AFTER INSERT ON tasks FOR EACH ROW ${fileTerms('mysql', 'NEW')}`,
        `CREATE TRIGGER task_terms_update AFTER UPDATE ON tasks FOR EACH ROW
         BEGIN
           IF NOT (NEW.title_terms <=> OLD.title_terms COLLATE utf8mb4_bin
                   AND NEW.notes_terms <=> OLD.notes_terms COLLATE utf8mb4_bin AND NEW.status <=> OLD.status) THEN
             ${dropTerms.mysql};
             ${fileTerms('mysql', 'NEW')};
           ELSEIF NOT (NEW.priority <=> OLD.priority AND NEW.due_date <=> OLD.due_date) THEN
             ${refileTerms.mysql};
           END IF;
         END`,
        `CREATE TRIGGER task_terms_delete AFTER DELETE ON tasks FOR EACH ROW ${dropTerms.mysql}`,
        'ALTER TABLE tasks DROP INDEX tasks_terms',
      ],
      sqlite: [
        `CREATE TABLE task_terms (
          term TEXT NOT NULL,
          status TEXT NOT NULL,
          task_id INTEGER NOT NULL,
          priority INTEGER NOT NULL,
          due_date TEXT NULL,
          PRIMARY KEY (term, status, task_id)
        ) WITHOUT ROWID`,
        `CREATE TRIGGER task_terms_insert AFTER INSERT ON tasks BEGIN ${fileTerms('sqlite', 'new')}; END`,
        `CREATE TRIGGER task_terms_rewrite AFTER UPDATE ON tasks
         WHEN new.title_terms IS NOT old.title_terms OR new.notes_terms IS NOT old.notes_terms
           OR new.status IS NOT old.status
         BEGIN ${dropTerms.sqlite}; ${fileTerms('sqlite', 'new')}; END`,
        `CREATE TRIGGER task_terms_refile AFTER UPDATE ON tasks
         WHEN new.title_terms IS old.title_terms AND new.notes_terms IS old.notes_terms AND new.status IS old.status
           AND (new.priority IS NOT old.priority OR new.due_date IS NOT old.due_date)
         BEGIN ${refileTerms.sqlite}; END`,
        `CREATE TRIGGER task_terms_delete AFTER DELETE ON tasks BEGIN ${dropTerms.sqlite}; END`,
        'DROP TRIGGER tasks_fts_insert',
        'DROP TRIGGER tasks_fts_delete',
        'DROP TRIGGER tasks_fts_update',
        'DROP TABLE tasks_fts',
      ],
    },
    backfill: fileEveryTasksTerms,
  },
];

const FILL_BATCH = 1_000;

/**
 * Computes every task's search terms, a batch of tasks a transaction, in id order. Safe to run
 * again: it writes what the task's text gives, whatever the columns held.
 */
async function fillSearchTerms(client: SqlClient): Promise<void> {
  let after = 0;
  for (;;) {
    const rows = await client.query<{ id: number | string; owner_id: number | string; title: string; notes: string }>(
      `SELECT id, owner_id, title, notes FROM tasks WHERE id > ? ORDER BY id LIMIT ${FILL_BATCH}`,
      [after],
    );
    if (!rows.length) return;
    await client.transaction(async (tx) => {
      for (const { id, owner_id, title, notes } of rows) {
        const owner = Number(owner_id);
        await tx.execute('UPDATE tasks SET title_terms = ?, notes_terms = ? WHERE id = ?', [
          searchTerms(owner, title),
          searchTerms(owner, notes),
          id,
        ]);
      }
    });
    after = Number(rows.at(-1)?.id);
  }
}

/**
 * Rebuilds task_counts from the tasks themselves: after bulk changes made outside the app (a seed,
 * a manual DELETE), which the maintained counts cannot see. Every owner gets all its counter rows.
 */
export async function rebuildTaskCounts(client: SqlClient): Promise<void> {
  await client.transaction(async (tx) => {
    // Each owner's list version must only ever grow: a cache keyed by it would otherwise meet old keys.
    const versions = await tx.query<{ owner_id: number | string; writes: number | string | null }>(
      'SELECT owner_id, SUM(writes) AS writes FROM task_counts GROUP BY owner_id',
    );
    const totals = await tx.query<{ owner_id: number | string; status: string; total: number | string }>(
      'SELECT owner_id, status, COUNT(*) AS total FROM tasks GROUP BY owner_id, status',
    );
    await tx.execute('DELETE FROM task_counts');
    const owners = new Set([...versions, ...totals].map((row) => Number(row.owner_id)));
    for (const owner of owners) {
      const { sql, params } = countRowsOf(owner);
      await tx.execute(sql, params);
    }
    for (const { owner_id, status, total } of totals) {
      await tx.execute('UPDATE task_counts SET total = ? WHERE owner_id = ? AND status = ? AND shard = 0', [
        Number(total),
        Number(owner_id),
        status,
      ]);
    }
    for (const { owner_id, writes } of versions) {
      await tx.execute('UPDATE task_counts SET writes = ? WHERE owner_id = ? AND status = ? AND shard = 0', [
        Number(writes ?? 0) + 1,
        Number(owner_id),
        STATUSES[0],
      ]);
    }
  });
}

/** Migration 3's first counts, before counts had owners. */
function seedCounts(): string[] {
  const shards = STATUSES.flatMap((status) =>
    Array.from({ length: COUNT_SHARDS }, (_, shard) => `('${status}', ${shard}, 0)`),
  );
  return [
    `INSERT INTO task_counts (status, shard, total) VALUES ${shards.join(', ')}`,
    'UPDATE task_counts SET total = (SELECT COUNT(*) FROM tasks WHERE tasks.status = task_counts.status) WHERE shard = 0',
  ];
}
