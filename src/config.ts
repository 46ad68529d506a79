import { isIP } from 'node:net';
import { hostNameOf } from './lib/host-name';

/**
 * Typed configuration read once from the environment. Every value is checked here so a wrong
 * setting stops the process at start with one line naming the variable, not a stack trace later.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type DatabaseTls = 'off' | 'rds' | 'system';
export type SignUp = 'open' | 'closed';

export type DatabaseConfig =
  | { engine: 'sqlite'; path: string }
  | {
      engine: 'mysql';
      url: string;
      poolSize: number;
      queueLimit: number;
      acquireTimeoutMs: number;
      tls: DatabaseTls;
    };

export interface Config {
  port: number;
  host: string;
  database: DatabaseConfig;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /** After SIGTERM, how long to keep answering (each with Connection: close) before closing the listener. */
  drainDelayMs: number;
  /** Proxies whose X-Forwarded-For we believe (nginx on the instance, the ALB's subnets). */
  trustedProxies: string[];
  /** Host names the app answers to (`*.example.com`: its subdomains); any other gets 400 (DNS rebinding). */
  allowedHosts: string[];
  /** `closed`: only operators add accounts (bun run user -- add), once the first account exists. */
  signup: SignUp;
  sessionIdleMs: number;
  sessionMaxMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export const DEFAULT_SQLITE_PATH = './data/tasks.db';
/** A local `npm start` answers only to its own machine's names: no other site's page can rebind to it. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

const DAY_MS = 24 * 60 * 60 * 1000;

export function loadConfig(env: Env): Config {
  return {
    port: readInteger(env, 'PORT', 3000, 0, 65535),
    host: readHost(env),
    database: readDatabase(env),
    logLevel: readChoice(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'], 'info'),
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 0, 600_000),
    drainDelayMs: readInteger(env, 'DRAIN_DELAY_MS', 1_000, 0, 600_000),
    trustedProxies: readAddressList(env, 'TRUSTED_PROXIES', ['127.0.0.0/8', '::1']),
    // The loopback names are always ours (a rebinding page sends its own name, never these), so an
    // operator on the instance or through an SSM port forward reaches /metrics as `localhost`.
    allowedHosts: [...new Set([...LOOPBACK_HOSTS, ...readHostList(env, 'ALLOWED_HOSTS', [])])],
    signup: readChoice(env, 'SIGNUP', ['open', 'closed'], 'open'),
    sessionIdleMs: readInteger(env, 'SESSION_IDLE_DAYS', 14, 1, 3650) * DAY_MS,
    sessionMaxMs: readInteger(env, 'SESSION_MAX_DAYS', 90, 1, 3650) * DAY_MS,
  };
}

/**
 * The configuration for a program's entry point (the server, the operator CLI): a wrong setting is
 * reported through `fail` as one line naming the variable, never as a stack trace.
 */
export function configOrFail(env: Env, fail: (message: string) => never): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
}

function readDatabase(env: Env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (!url) return { engine: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (!path) throw new ConfigError('DATABASE_URL', 'names no SQLite file (use sqlite:<path> or sqlite::memory:)');
    return { engine: 'sqlite', path };
  }
  if (url.startsWith('mysql://')) {
    checkMysqlUrl(url);
    return {
      engine: 'mysql',
      url,
      poolSize: readInteger(env, 'DB_POOL_SIZE', 5, 1, 1000),
      queueLimit: readInteger(env, 'DB_QUEUE_LIMIT', 1_000, 0, 100_000),
      acquireTimeoutMs: readInteger(env, 'DB_ACQUIRE_TIMEOUT_MS', 5_000, 1, 600_000),
      tls: readChoice(env, 'DB_TLS', ['off', 'rds', 'system'], 'off'),
    };
  }
  throw new ConfigError('DATABASE_URL', 'must start with sqlite: or mysql:// (got an unknown scheme)');
}

function checkMysqlUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a valid URL (expected mysql://user:pass@host:port/db)');
  }
  if (!parsed.hostname) throw new ConfigError('DATABASE_URL', 'names no host');
  if (parsed.pathname.length < 2)
    throw new ConfigError('DATABASE_URL', 'names no database (mysql://user:pass@host:port/db)');
}

function readHost(env: Env): string {
  const host = env.HOST?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new ConfigError('HOST', `is not a host name or address: "${host}"`);
  return host;
}

function readAddressList(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(name, `must be IP addresses or CIDR ranges separated by commas, got "${entry}"`);
    }
  }
  return entries;
}

/** Host names in lower case, each with no port (the port is not matched) or a leading `*.` for subdomains. */
function readHostList(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  return raw.split(',').map((entry) => {
    const host = entry.trim().toLowerCase();
    const domain = host.startsWith('*.') ? host.slice(2) : host;
    if (hostNameOf(domain) !== domain) {
      throw new ConfigError(
        name,
        `must be host names separated by commas (no scheme or port; *.example.com for subdomains), got "${entry.trim()}"`,
      );
    }
    return host;
  });
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${raw}`);
  return value;
}

function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}
