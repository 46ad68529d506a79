import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccountService } from '../../src/accounts/service';
import { createAccountStore } from '../../src/accounts/store';
import { APP_MIGRATIONS } from '../../src/app';
import { openDatabase } from '../../src/db/open-database';
import { WrongCredentialsError } from '../../src/lib/domain-errors';
import { ROOT } from '../support/import-graph';

/** `bun scripts/user.ts` as an operator runs it, on a SQLite file; what it prints must sign in. */

let dir: string;
let url: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tm-user-cli-'));
  url = `sqlite:${dir}/tasks.db`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function user(...args: string[]) {
  const run = Bun.spawnSync(['bun', 'scripts/user.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { code: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

const ONE_TIME = /^one-time password for (\S+): ([0-9A-Za-z]{20}); they must choose a new one at sign-in\n$/;

/** Signs in as the app would, on the same file, with a fresh connection. */
async function signIn(email: string, password: string) {
  const db = await openDatabase({ engine: 'sqlite', path: url.slice('sqlite:'.length) }, APP_MIGRATIONS);
  try {
    return await createAccountService(createAccountStore(db)).signIn(email, password);
  } finally {
    await db.close();
  }
}

test('add prints a one-time password that signs in and must be changed', async () => {
  const added = user('add', '  Ops@Example.com ');
  expect(added).toMatchObject({ code: 0, stderr: '' });
  const [, email, password] = ONE_TIME.exec(added.stdout) ?? [];
  expect(email).toBe('ops@example.com');
  const { account } = await signIn('ops@example.com', password as string);
  expect(account).toMatchObject({ email: 'ops@example.com', must_change_password: true });
});

test('reset-password replaces the password; disable stops sign-ins; enable lets them back', async () => {
  const first = ONE_TIME.exec(user('add', 'reset@example.com').stdout)?.[2] as string;
  const reset = user('reset-password', 'reset@example.com');
  expect(reset.code).toBe(0);
  const second = ONE_TIME.exec(reset.stdout)?.[2] as string;
  expect(second).not.toBe(first);
  expect(await signIn('reset@example.com', first).catch((error) => error)).toBeInstanceOf(WrongCredentialsError);
  expect((await signIn('reset@example.com', second)).account.email).toBe('reset@example.com');

  expect(user('disable', 'reset@example.com')).toMatchObject({ code: 0, stderr: '' });
  expect(await signIn('reset@example.com', second).catch((error) => error)).toBeInstanceOf(WrongCredentialsError);
  expect(user('enable', 'reset@example.com')).toEqual({ code: 0, stdout: 'enabled reset@example.com\n', stderr: '' });
  expect((await signIn('reset@example.com', second)).account.email).toBe('reset@example.com');
});

test('refusals are one line on stderr with exit 1; wrong usage exits 2', () => {
  expect(user('add', 'taken@example.com').code).toBe(0);
  expect(user('add', 'taken@example.com')).toEqual({
    code: 1,
    stdout: '',
    stderr: 'user: email is already registered; sign in instead\n',
  });
  expect(user('add', 'not-an-email')).toMatchObject({ code: 1, stdout: '' });
  expect(user('disable', 'nobody@example.com')).toEqual({
    code: 1,
    stdout: '',
    stderr: 'user: Account nobody@example.com was not found\n',
  });
  for (const args of [[], ['add'], ['frobnicate', 'a@example.com'], ['add', 'a@example.com', 'extra']]) {
    const run = user(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toStartWith('user: usage: bun run user -- add EMAIL');
  }
});

test('a bad DATABASE_URL is one line and exit 1', () => {
  const run = Bun.spawnSync(['bun', 'scripts/user.ts', 'add', 'x@example.com'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: 'postgres://nope' },
    stderr: 'pipe',
  });
  expect(run.exitCode).toBe(1);
  expect(run.stderr.toString()).toStartWith('user: configuration error: DATABASE_URL');
});
