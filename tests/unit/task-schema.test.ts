import { expect, test } from 'bun:test';
import type { Engine } from '../../src/db/sql-client';
import { TASK_MIGRATIONS } from '../../src/tasks/schema';

/**
 * A migration that has shipped must keep its meaning: databases that ran it will never run it
 * again. The DDL takes its limits from src/tasks/model.ts, so changing TITLE_MAX (or a status, or
 * COUNT_SHARDS) would silently rewrite shipped migrations. If this test fails, restore the
 * migration and add a new one that alters the column instead.
 */

const fingerprint = (statements: string[]) =>
  new Bun.CryptoHasher('sha256').update(statements.join('\n;\n')).digest('hex').slice(0, 16);

const SHIPPED: Record<number, Record<Engine, string>> = {
  1: { mysql: 'cf06d5b34a3d8d0b', sqlite: '3791872b73c210f9' },
  2: { mysql: '5e6bbd4f76ef51b9', sqlite: '6a3adad3b78a09dd' },
  // Changed once on purpose, on MySQL only: the collation named and a failed attempt's leftover
  // dropped first (see the migration); neither changes a database this migration succeeded on.
  3: { mysql: '4af3b4c47e336bc0', sqlite: 'b84830d4b0d17797' },
  4: { mysql: '4a71352f19d55bd5', sqlite: '7674b4a37b65c5fa' },
  5: { mysql: 'e19d3620d77425d8', sqlite: 'cfd5935c1ed39090' },
  6: { mysql: '42537468805bb2db', sqlite: 'e3b0c44298fc1c14' },
  7: { mysql: '063030f5a2267e75', sqlite: 'e3b0c44298fc1c14' },
  8: { mysql: '3f34bb8415a7aa7d', sqlite: '2ecff77d3edd3ea2' },
};

const statementsOf = (version: number, engine: Engine) =>
  TASK_MIGRATIONS.find((migration) => migration.version === version)?.statements[engine] ?? [];

test('versions are 1, 2, 3, … in order, with statements for both engines', () => {
  expect(TASK_MIGRATIONS.map((migration) => migration.version)).toEqual(TASK_MIGRATIONS.map((_, index) => index + 1));
  for (const migration of TASK_MIGRATIONS)
    expect(Object.keys(migration.statements).sort()).toEqual(['mysql', 'sqlite']);
});

test('the shipped migrations generate exactly the SQL they shipped with', () => {
  for (const [version, engines] of Object.entries(SHIPPED))
    for (const [engine, expected] of Object.entries(engines))
      expect({ version, engine, fingerprint: fingerprint(statementsOf(Number(version), engine as Engine)) }).toEqual({
        version,
        engine,
        fingerprint: expected,
      });
});

test('every MySQL table is created with its own character set and collation', () => {
  const creates = TASK_MIGRATIONS.flatMap((migration) => migration.statements.mysql).filter((statement) =>
    statement.startsWith('CREATE TABLE'),
  );
  expect(creates.length).toBeGreaterThan(0);
  for (const statement of creates) expect(statement).toEndWith('DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci');
});

test('the limits written into the DDL are the model’s: 200-character titles, 5,000 of notes, 16 shards', () => {
  const [mysqlTasks] = statementsOf(1, 'mysql');
  const [sqliteTasks] = statementsOf(1, 'sqlite');
  expect(mysqlTasks).toContain('title VARCHAR(200) NOT NULL');
  expect(mysqlTasks).toContain("status VARCHAR(4) NOT NULL DEFAULT 'open'");
  expect(mysqlTasks).toContain("CHECK (status IN ('open', 'done'))");
  expect(sqliteTasks).toContain('CHECK (length(title) BETWEEN 1 AND 200)');
  expect(sqliteTasks).toContain('CHECK (length(notes) <= 5000)');
  expect(sqliteTasks).toContain("CHECK (status IN ('open', 'done'))");
  const seed = statementsOf(3, 'sqlite').find((statement) => statement.startsWith('INSERT INTO task_counts'));
  expect(seed?.match(/\('(open|done)', \d+, 0\)/g)).toHaveLength(32);
});
