import { describe, expect, test } from 'bun:test';
import { ConfigError, loadConfig } from '../../src/config';

const rejects = (env: Record<string, string>, variable: string, problem: RegExp) => {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  expect((caught as ConfigError).variable).toBe(variable);
  expect((caught as ConfigError).message).toMatch(problem);
};

const DAY_MS = 24 * 60 * 60 * 1000;

describe('configuration', () => {
  test('an empty environment gives a working first-run setup on SQLite', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      database: { engine: 'sqlite', path: './data/tasks.db' },
      logLevel: 'info',
      shutdownTimeoutMs: 25_000,
      drainDelayMs: 1_000,
      trustedProxies: ['127.0.0.0/8', '::1'],
      allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
      signup: 'open',
      sessionIdleMs: 14 * DAY_MS,
      sessionMaxMs: 90 * DAY_MS,
    });
  });

  test('accounts: SIGNUP is open or closed, and sessions last whole days', () => {
    const config = loadConfig({ SIGNUP: 'closed', SESSION_IDLE_DAYS: '1', SESSION_MAX_DAYS: '30' });
    expect([config.signup, config.sessionIdleMs, config.sessionMaxMs]).toEqual(['closed', DAY_MS, 30 * DAY_MS]);
    expect(() => loadConfig({ SIGNUP: 'yes' })).toThrow('SIGNUP must be one of open, closed, got "yes"');
    expect(() => loadConfig({ SESSION_IDLE_DAYS: '0' })).toThrow('SESSION_IDLE_DAYS must be between 1 and 3650');
    expect(() => loadConfig({ SESSION_MAX_DAYS: '1.5' })).toThrow('SESSION_MAX_DAYS must be a whole number');
  });

  test('sqlite: URLs name a file or memory', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.db' }).database).toEqual({ engine: 'sqlite', path: '/tmp/x.db' });
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({ engine: 'sqlite', path: ':memory:' });
  });

  test('mysql: URLs select the pooled client with production defaults', () => {
    expect(loadConfig({ DATABASE_URL: 'mysql://app:secret@db.internal:3306/tasks' }).database).toEqual({
      engine: 'mysql',
      url: 'mysql://app:secret@db.internal:3306/tasks',
      poolSize: 5,
      queueLimit: 1_000,
      acquireTimeoutMs: 5_000,
      tls: 'off',
    });
  });

  test('pool size, queue limit, acquire timeout and TLS are read', () => {
    const config = loadConfig({
      DATABASE_URL: 'mysql://app@db/tasks',
      DB_POOL_SIZE: '12',
      DB_QUEUE_LIMIT: '0',
      DB_ACQUIRE_TIMEOUT_MS: '250',
      DB_TLS: 'rds',
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/16, fd00::/8',
      ALLOWED_HOSTS: 'Tasks.Example.com, *.Example.org,[fd00::1] ,10.0.1.23',
    });
    expect(config).toMatchObject({
      allowedHosts: ['localhost', '127.0.0.1', '[::1]', 'tasks.example.com', '*.example.org', '[fd00::1]', '10.0.1.23'],
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'debug',
      trustedProxies: ['127.0.0.1', '10.0.0.0/16', 'fd00::/8'],
      database: { poolSize: 12, queueLimit: 0, acquireTimeoutMs: 250, tls: 'rds' },
    });
  });

  test('each wrong value is refused with the variable named and what is wrong', () => {
    rejects({ PORT: 'eighty' }, 'PORT', /whole number/);
    rejects({ PORT: '70000' }, 'PORT', /between 0 and 65535/);
    rejects({ PORT: '-1' }, 'PORT', /whole number/);
    rejects({ HOST: 'bad host!' }, 'HOST', /not a host/);
    rejects({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of debug, info, warn, error/);
    rejects({ DATABASE_URL: 'postgres://x/y' }, 'DATABASE_URL', /sqlite: or mysql:\/\//);
    rejects({ DATABASE_URL: 'sqlite:' }, 'DATABASE_URL', /names no SQLite file/);
    rejects({ DATABASE_URL: 'mysql://host-only' }, 'DATABASE_URL', /names no database/);
    rejects({ DATABASE_URL: 'mysql://db/x', DB_POOL_SIZE: '0' }, 'DB_POOL_SIZE', /between 1 and 1000/);
    rejects({ DATABASE_URL: 'mysql://db/x', DB_TLS: 'yes' }, 'DB_TLS', /off, rds, system/);
    rejects({ DATABASE_URL: 'mysql://db/x', DB_ACQUIRE_TIMEOUT_MS: '1.5' }, 'DB_ACQUIRE_TIMEOUT_MS', /whole number/);
    rejects({ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES', /CIDR/);
    rejects({ TRUSTED_PROXIES: '127.0.0.1, example.com' }, 'TRUSTED_PROXIES', /"example.com"/);
    for (const entry of [
      'https://tasks.example.com',
      'tasks.example.com:443',
      '*',
      'a.*.example.com',
      '::1',
      'a b',
      '',
    ]) {
      rejects({ ALLOWED_HOSTS: `localhost,${entry}` }, 'ALLOWED_HOSTS', /^ALLOWED_HOSTS must be host names/);
    }
  });
});
