/**
 * `bun run user -- <command> EMAIL`: accounts for operators, against the database the app uses
 * (DATABASE_URL, as for the server).
 *
 *   add EMAIL             a new account with a one-time password, printed once
 *   reset-password EMAIL  a new one-time password; every session ends, every API token is revoked
 *   disable EMAIL         no more sign-ins; sessions end, API tokens are revoked
 *   enable EMAIL          undoes disable
 *
 * Exit codes: 0 done, 1 refused or failed (one line on stderr), 2 usage.
 */
import { type AccountService, createAccountService } from '../src/accounts/service';
import { createAccountStore } from '../src/accounts/store';
import { APP_MIGRATIONS } from '../src/app';
import { configOrFail } from '../src/config';
import { openDatabase } from '../src/db/open-database';
import { DomainError } from '../src/lib/domain-errors';
import { claimUnownedTasks } from '../src/tasks/store';

const USAGE = 'usage: bun run user -- add EMAIL | reset-password EMAIL | disable EMAIL | enable EMAIL';

type Command = (accounts: AccountService, email: string) => Promise<string>;

const COMMANDS: Record<string, Command> = {
  async add(accounts, email) {
    const { account, password } = await accounts.addAccount(email);
    return oneTimePassword(account.email, password);
  },
  async 'reset-password'(accounts, email) {
    return oneTimePassword(email.trim(), await accounts.resetPassword(email));
  },
  async disable(accounts, email) {
    await accounts.disableAccount(email);
    return `disabled ${email.trim()}: its sessions ended and its API tokens were revoked (enabling it later does not bring them back)`;
  },
  async enable(accounts, email) {
    await accounts.enableAccount(email);
    return `enabled ${email.trim()}`;
  },
};

const oneTimePassword = (email: string, password: string) =>
  `one-time password for ${email}: ${password}; they must choose a new one at sign-in`;

/** One line: a refusal in the service's words, or what failed (a database error: no stack trace). */
function problemOf(error: unknown): string {
  if (!(error instanceof DomainError)) return error instanceof Error ? error.message : String(error);
  const details = error.details.map((detail) => `${detail.field} ${detail.message}`).join('; ');
  return details || error.message;
}

function fail(message: string, code = 1): never {
  process.stderr.write(`user: ${message}\n`);
  process.exit(code);
}

// `bun run user -- add x` may hand the script its `--`; it is not an argument.
const args = process.argv.slice(2);
if (args[0] === '--') args.shift();
const [name, email, ...extra] = args;
const command = name === undefined ? undefined : COMMANDS[name];
if (!command || !email || extra.length > 0) fail(USAGE, 2);

const config = configOrFail(process.env, fail);

const db = await openDatabase(config.database, APP_MIGRATIONS).catch((error: Error) =>
  fail(`cannot open the ${config.database.engine} database: ${error.message}`),
);
// The database is closed before any exit, and the exit is explicit: a mysql2 pool can keep Bun alive.
let outcome: { line: string; code: number };
try {
  const accounts = createAccountService(createAccountStore(db), { onFirstAccount: claimUnownedTasks });
  outcome = { line: await command(accounts, email), code: 0 };
} catch (error) {
  outcome = { line: `user: ${problemOf(error)}`, code: 1 };
} finally {
  await db.close();
}
(outcome.code === 0 ? process.stdout : process.stderr).write(`${outcome.line}\n`);
process.exit(outcome.code);
