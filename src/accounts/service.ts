import { characterCount } from '../lib/characters';
import {
  type ErrorDetail,
  InvalidInputError,
  NotFoundError,
  SignUpClosedError,
  TooManyAttemptsError,
  WrongCredentialsError,
} from '../lib/domain-errors';
import { COMMON_PASSWORDS } from './common-passwords';
import {
  ACCOUNT_FAILURE_LIMIT,
  type Account,
  ADDRESS_FAILURE_LIMIT,
  type ApiTokenInfo,
  EMAIL_MAX,
  FAILURE_WINDOW_MS,
  LAST_SEEN_RESOLUTION_MS,
  type NewApiToken,
  PASSWORD_MAX,
  PASSWORD_MIN,
  SESSION_IDLE_MS_DEFAULT,
  SESSION_MAX_MS_DEFAULT,
  SIGNUP_LIMIT_PER_ADDRESS,
  SIGNUP_WINDOW_MS,
  TOKEN_NAME_MAX,
  TOKEN_PATTERN,
  TOKENS_PER_ACCOUNT_MAX,
} from './model';
import { canonicalLocale, canonicalTimeZone, DEFAULT_REGION, type Region } from './region';
import type { AccountStore, FirstAccountHook, StoredAccount } from './store';

/**
 * The rules for accounts, sessions and API tokens, shared by the pages, the API and the operator
 * CLI. Secrets are made here and leave only once, to their owner: the store sees their SHA-256,
 * passwords reach it as argon2id hashes. No error message carries a password, a hash, a session
 * id or a token.
 */

export interface AccountServiceOptions {
  clock?: () => Date;
  sessionIdleMs?: number;
  sessionMaxMs?: number;
  /** 'closed': only the first account may sign up; operators add the others (scripts/user.ts). */
  signup?: 'open' | 'closed';
  /** Runs in the transaction that creates the first account ever, e.g. to give it the tasks made before. */
  onFirstAccount?: FirstAccountHook;
}

export type AccountService = ReturnType<typeof createAccountService>;

/** OWASP's minimum for argon2id (19 MiB, 2 passes): about 50 ms a hash on one core. */
const ARGON2 = { algorithm: 'argon2id', memoryCost: 19456, timeCost: 2 } as const;
const ONE_TIME_PASSWORD_LENGTH = 20;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const TOKEN = new RegExp(TOKEN_PATTERN);
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;
const CONTROL = /\p{Cc}/u;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const EMAIL_TAKEN: ErrorDetail = { field: 'email', message: 'is already registered; sign in instead' };

export function createAccountService(store: AccountStore, options: AccountServiceOptions = {}) {
  const clock = options.clock ?? (() => new Date());
  const idleMs = options.sessionIdleMs ?? SESSION_IDLE_MS_DEFAULT;
  const maxMs = options.sessionMaxMs ?? SESSION_MAX_MS_DEFAULT;
  const closed = options.signup === 'closed';
  // What an unknown email's password is checked against, so that answer takes as long as a wrong
  // password for a real account: made once, with the same parameters as every stored hash.
  const dummyHash = Bun.password.hash(randomBase62(ONE_TIME_PASSWORD_LENGTH), ARGON2);

  async function startSession(accountId: number, now: Date): Promise<string> {
    const sessionId = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
    await store.insertSession(sha256(sessionId), accountId, now);
    return sessionId;
  }

  async function endSession(sessionId: string | undefined): Promise<void> {
    if (sessionId && SESSION_ID.test(sessionId)) await store.deleteSession(sha256(sessionId));
  }

  /** The sign-in counters this attempt falls under, each with its limit. */
  const signInSubjects = (email: string, clientAddress?: string) => [
    { hash: subjectHash('account', email), limit: ACCOUNT_FAILURE_LIMIT },
    ...(clientAddress ? [{ hash: subjectHash('address', clientAddress), limit: ADDRESS_FAILURE_LIMIT }] : []),
  ];
  type Subjects = ReturnType<typeof signInSubjects>;

  /**
   * Counts this attempt against every subject before any password is checked, then refuses when a
   * subject is past its limit. Counted first, concurrent guesses cannot all pass the check before
   * the first failure is written: each is counted the moment it arrives, on any instance.
   */
  async function countAttempt(subjects: Subjects, now: Date): Promise<void> {
    let wait = 0;
    for (const subject of subjects) {
      const counted = await store.recordAttempt(subject.hash, now, FAILURE_WINDOW_MS);
      if (counted.count > subject.limit)
        wait = Math.max(wait, secondsLeft(counted.window_started_at, FAILURE_WINDOW_MS, now));
    }
    if (wait > 0) throw new TooManyAttemptsError(wait);
  }

  /** A right password: the account's counter starts again, and the address's attempt was no failure. */
  async function forgiveAttempt(subjects: Subjects): Promise<void> {
    const [account, ...addresses] = subjects;
    if (account) await store.clearAttempts(account.hash);
    for (const address of addresses) await store.uncountAttempt(address.hash);
  }

  /** Counts a sign-up from this address (each costs a hash) and refuses past the limit. */
  async function countSignUp(clientAddress: string, now: Date): Promise<void> {
    const counted = await store.recordAttempt(subjectHash('signup', clientAddress), now, SIGNUP_WINDOW_MS);
    if (counted.count > SIGNUP_LIMIT_PER_ADDRESS)
      throw new TooManyAttemptsError(
        secondsLeft(counted.window_started_at, SIGNUP_WINDOW_MS, now),
        'new accounts from your address',
      );
  }

  /** Cheap indexed deletes of what can never count again; run on sign-ins, which are rare. */
  async function purgeExpired(now: Date): Promise<void> {
    await store.purgeIdleSessions(new Date(now.getTime() - idleMs));
    await store.purgeAttempts(new Date(now.getTime() - Math.max(FAILURE_WINDOW_MS, SIGNUP_WINDOW_MS)));
  }

  async function requireAccount(email: string): Promise<StoredAccount> {
    const normal = normaliseEmail(email);
    const account = await store.findAccountByEmail(normal);
    if (!account) throw new NotFoundError(`Account ${normal}`);
    return account;
  }

  /** Verifies `password` against the account's current one; a failure counts against the account. */
  async function verifyCurrentPassword(account: StoredAccount, password: string): Promise<void> {
    const now = clock();
    const subjects = signInSubjects(account.email);
    await countAttempt(subjects, now);
    if (!(await Bun.password.verify(password.normalize('NFC'), account.password_hash)))
      throw new WrongCredentialsError();
    await forgiveAttempt(subjects);
  }

  async function createAccount(email: string, password: string, mustChange: boolean, onlyIfFirst: boolean) {
    const passwordHash = await Bun.password.hash(password, ARGON2);
    const outcome = await store.insertAccount(
      { email, password_hash: passwordHash, must_change_password: mustChange },
      clock(),
      { onlyIfFirst, onFirstAccount: options.onFirstAccount },
    );
    if (outcome.kind === 'email_taken') throw new InvalidInputError([EMAIL_TAKEN]);
    if (outcome.kind === 'not_first') throw new SignUpClosedError();
    const account: Account = { id: outcome.id, email, must_change_password: mustChange, ...NEW_ACCOUNT_REGION };
    return account;
  }

  return {
    /** Whether the sign-up page takes new accounts: always while none exists, then per SIGNUP. */
    async signUpAllowed(): Promise<boolean> {
      return !closed || !(await store.hasAccounts());
    },

    async signUp(email: string, password: string, clientAddress?: string, previousSessionId?: string) {
      if (closed && (await store.hasAccounts())) throw new SignUpClosedError();
      const problems: ErrorDetail[] = [];
      const normal = checkEmail(email, problems);
      const secret = checkPassword(password, normal, problems, 'password');
      if (problems.length) throw new InvalidInputError(problems);
      if (clientAddress) await countSignUp(clientAddress, clock());
      // Checked before hashing, so a taken address costs no hash; the insert decides a race.
      if (await store.findAccountByEmail(normal)) throw new InvalidInputError([EMAIL_TAKEN]);
      const account = await createAccount(normal, secret, false, closed);
      // The browser's session of another account (if any) ends here, as at a sign-in.
      await endSession(previousSessionId);
      return { account, sessionId: await startSession(account.id, clock()) };
    },

    async signIn(email: string, password: string, clientAddress?: string, previousSessionId?: string) {
      const now = clock();
      const normal = normaliseEmail(email);
      const subjects = signInSubjects(normal, clientAddress);
      await countAttempt(subjects, now);
      const stored = await store.findAccountByEmail(normal);
      const usable = stored && !stored.disabled ? stored : null;
      const matches = await Bun.password.verify(password.normalize('NFC'), usable?.password_hash ?? (await dummyHash));
      if (!usable || !matches) throw new WrongCredentialsError();
      await forgiveAttempt(subjects);
      // A new id at every sign-in: an id planted in the browser before (session fixation) dies here.
      await endSession(previousSessionId);
      await purgeExpired(now);
      return { account: publicAccount(usable), sessionId: await startSession(usable.id, now) };
    },

    async accountOfSession(sessionId: string): Promise<Account | null> {
      if (!SESSION_ID.test(sessionId)) return null;
      const idHash = sha256(sessionId);
      const session = await store.sessionByHash(idHash);
      if (!session) return null;
      const now = clock();
      const idle = now.getTime() - session.last_seen_at.getTime();
      if (idle > idleMs || now.getTime() - session.created_at.getTime() > maxMs) {
        await store.deleteSession(idHash);
        return null;
      }
      if (idle >= LAST_SEEN_RESOLUTION_MS)
        await store.touchSession(idHash, now, new Date(now.getTime() - LAST_SEEN_RESOLUTION_MS));
      return session.account;
    },

    /** Read from the database on every call, never cached: a revoked token stops at once everywhere. */
    async accountOfToken(token: string): Promise<Account | null> {
      if (!TOKEN.test(token)) return null;
      const found = await store.tokenByHash(sha256(token));
      if (!found) return null;
      const now = clock();
      const lastUsed = found.last_used_at?.getTime() ?? Number.NEGATIVE_INFINITY;
      if (now.getTime() - lastUsed >= LAST_SEEN_RESOLUTION_MS)
        await store.touchToken(found.token_id, now, new Date(now.getTime() - LAST_SEEN_RESOLUTION_MS));
      return found.account;
    },

    signOut: endSession,

    async signOutEverywhere(accountId: number): Promise<void> {
      await store.deleteSessionsOf(accountId);
    },

    async createToken(accountId: number, name: string): Promise<NewApiToken> {
      const problems: ErrorDetail[] = [];
      const cleanName = checkTokenName(name, problems);
      if (problems.length) throw new InvalidInputError(problems);
      const token = `tm_${randomBase62(43)}`;
      const stored = await store.insertToken(accountId, cleanName, sha256(token), clock(), TOKENS_PER_ACCOUNT_MAX);
      if (!stored)
        throw new InvalidInputError([
          { field: 'name', message: `you have ${TOKENS_PER_ACCOUNT_MAX} tokens already; revoke one first` },
        ]);
      return { ...stored, token };
    },

    listTokens: (accountId: number): Promise<ApiTokenInfo[]> => store.listTokens(accountId),

    /** Another account's token is answered as a missing one: ids say nothing about others. */
    async revokeToken(accountId: number, id: number): Promise<void> {
      if (!(await store.deleteToken(accountId, id))) throw new NotFoundError(`Token ${id}`);
    },

    /**
     * Changes the password after checking the current one, and signs out every other session (a
     * thief's among them); `currentSessionId` is the one to keep. Problems with the new password
     * are reported on `new_password`.
     */
    /**
     * Sets a new password and ends every session of the account, this browser's too; returns the id
     * of the new session this browser continues with (renewed as the account's secret changed).
     */
    async changePassword(accountId: number, current: string, next: string): Promise<{ sessionId: string }> {
      const account = await store.findAccountById(accountId);
      if (!account || account.disabled) throw new WrongCredentialsError();
      await verifyCurrentPassword(account, current);
      const problems: ErrorDetail[] = [];
      const secret = checkPassword(next, account.email, problems, 'new_password');
      if (!problems.length && secret === current.normalize('NFC'))
        problems.push({ field: 'new_password', message: 'must differ from the current password' });
      if (problems.length) throw new InvalidInputError(problems);
      await store.setPassword(accountId, await Bun.password.hash(secret, ARGON2), false);
      await store.deleteSessionsOf(accountId);
      return { sessionId: await startSession(accountId, clock()) };
    },

    /** Operators: a new account with a one-time password, which must be changed at sign-in. */
    async addAccount(email: string): Promise<{ account: Account; password: string }> {
      const problems: ErrorDetail[] = [];
      const normal = checkEmail(email, problems);
      if (problems.length) throw new InvalidInputError(problems);
      if (await store.findAccountByEmail(normal)) throw new InvalidInputError([EMAIL_TAKEN]);
      const password = randomBase62(ONE_TIME_PASSWORD_LENGTH);
      return { account: await createAccount(normal, password, true, false), password };
    },

    /** Operators: a new one-time password; every session ends and the lock-out is lifted. */
    async resetPassword(email: string): Promise<string> {
      const account = await requireAccount(email);
      const password = randomBase62(ONE_TIME_PASSWORD_LENGTH);
      await store.setPassword(account.id, await Bun.password.hash(password, ARGON2), true);
      // A reset is what an operator does after a takeover: nothing the taker made may outlive it.
      await store.deleteSessionsOf(account.id);
      await store.deleteTokensOf(account.id);
      await store.clearAttempts(subjectHash('account', account.email));
      return password;
    },

    /** Operators: the account can no longer sign in, and its sessions and tokens stop working. */
    async disableAccount(email: string): Promise<void> {
      const account = await requireAccount(email);
      await store.setDisabled(account.id, clock());
      await store.deleteSessionsOf(account.id);
      // Revoked, not only refused: enabling the account again must not bring back what it had.
      await store.deleteTokensOf(account.id);
    },

    /**
     * Where the browser says it is (Intl's time zone and navigator.language), kept unless the
     * account pinned its region. Anything that names no time zone or locale is ignored: a page
     * script reports it, and nothing a person typed is lost.
     */
    async reportBrowserRegion(accountId: number, reported: Partial<Region>): Promise<void> {
      const time_zone = canonicalTimeZone(reported.time_zone ?? '');
      const locale = canonicalLocale(reported.locale ?? '');
      if (time_zone && locale) await store.setBrowserRegion(accountId, { time_zone, locale });
    },

    /** Sets the region from the settings page: pinned, or left to the browser from now on. */
    async setRegion(accountId: number, chosen: Partial<Region>, followBrowser: boolean): Promise<Region> {
      const time_zone = canonicalTimeZone(chosen.time_zone ?? '');
      const locale = canonicalLocale(chosen.locale ?? '');
      const problems: ErrorDetail[] = [];
      if (!time_zone) problems.push({ field: 'time_zone', message: 'must be a time zone from the list' });
      if (!locale) problems.push({ field: 'locale', message: 'must be a date format from the list' });
      if (!time_zone || !locale) throw new InvalidInputError(problems);
      await store.setRegion(accountId, { time_zone, locale }, followBrowser);
      return { time_zone, locale };
    },

    async enableAccount(email: string): Promise<void> {
      const account = await requireAccount(email);
      await store.setDisabled(account.id, null);
    },
  };
}

const publicAccount = ({ password_hash, disabled, ...account }: StoredAccount): Account => account;

/** Where a new account starts: the default region, kept up to date by the browser from its first page. */
const NEW_ACCOUNT_REGION = { ...DEFAULT_REGION, region_from_browser: true };

// Bun's own SHA-256: a fifth of node:crypto's createHash time, and it runs on every signed-in request.
const sha256 = (text: string) => Bun.SHA256.hash(text, 'hex');

/** Counters are keyed by a hash, so the table holds no email or address in the clear. */
const subjectHash = (kind: 'account' | 'address' | 'signup', value: string) => sha256(`${kind}:${value}`);

function secondsLeft(windowStartedAt: Date, windowMs: number, now: Date): number {
  return Math.max(0, Math.ceil((windowStartedAt.getTime() + windowMs - now.getTime()) / 1000));
}

/**
 * Random base62 text from crypto.getRandomValues. Bytes of 248 and above are dropped (248 is
 * 4 × 62), so every character is equally likely: a plain `byte % 62` would favour the first eight.
 */
function randomBase62(length: number): string {
  let text = '';
  while (text.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && text.length < length) text += BASE62[byte % 62];
    }
  }
  return text;
}

/**
 * One spelling per address: "  Ann@Example.COM " is "ann@example.com". Lower-cased before NFC,
 * so the stored form is NFC whatever lower-casing did, and compared byte for byte (migration 101).
 */
const normaliseEmail = (raw: string) => raw.trim().toLowerCase().normalize('NFC');

function checkEmail(raw: string, problems: ErrorDetail[]): string {
  const email = normaliseEmail(raw);
  const problem = !email
    ? 'must not be empty'
    : !email.isWellFormed() || CONTROL.test(email)
      ? 'must not contain control characters'
      : characterCount(email) > EMAIL_MAX
        ? `must be at most ${EMAIL_MAX} characters`
        : !EMAIL_SHAPE.test(email)
          ? 'must be an email address, like name@example.com'
          : null;
  if (problem) problems.push({ field: 'email', message: problem });
  return email;
}

/**
 * Length in code points, not one of the passwords guessers try first, not the email. Returns the
 * password in NFC, as it is hashed and verified, so the same characters typed on any keyboard match.
 */
function checkPassword(raw: string, email: string, problems: ErrorDetail[], field: string): string {
  const password = raw.normalize('NFC');
  const length = characterCount(password);
  const lower = password.toLowerCase();
  const problem =
    length < PASSWORD_MIN
      ? `must be at least ${PASSWORD_MIN} characters`
      : length > PASSWORD_MAX
        ? `must be at most ${PASSWORD_MAX} characters`
        : CONTROL.test(password)
          ? // No keyboard types them: a NUL or an escape in a password is a client's bug or a probe.
            'must not contain control characters'
          : COMMON_PASSWORDS.has(lower)
            ? 'is one of the most common passwords; choose another'
            : lower.trim() === email
              ? 'must not be your email address'
              : null;
  if (problem) problems.push({ field, message: problem });
  return password;
}

function checkTokenName(raw: string, problems: ErrorDetail[]): string {
  const name = raw.toWellFormed().trim();
  const problem = !name
    ? 'must not be empty'
    : CONTROL.test(name)
      ? 'must not contain control characters'
      : characterCount(name) > TOKEN_NAME_MAX
        ? `must be at most ${TOKEN_NAME_MAX} characters`
        : null;
  if (problem) problems.push({ field: 'name', message: problem });
  return name;
}
