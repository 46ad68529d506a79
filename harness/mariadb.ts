import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Subprocess, spawn } from 'bun';
import mysql from 'mysql2/promise';

/**
 * A MariaDB/MySQL server for tests. Uses TEST_MYSQL_URL, else the local server on 127.0.0.1:3306
 * when one answers, else starts a throwaway mariadbd in a temp folder. Each caller gets a database
 * of its own, created here and dropped by its cleanup, so no run depends on leftover state.
 * The throwaway mariadbd on its own (startThrowawayMariadb) also serves the drills, the bench and
 * `bun run topology`.
 */

export interface TestMysqlDatabase {
  url: string;
  drop(): Promise<void>;
}

const LOCAL_SERVER = 'mysql://root@127.0.0.1:3306';

let server: Promise<string> | undefined;

/** The server's URL (no database), found or started once per test process. */
export function testMysqlServerUrl(): Promise<string> {
  server ??= findServer();
  return server;
}

/** The defaults the README's CREATE DATABASE gives; tests/integration/stock-database.test.ts tries others. */
export const DOCUMENTED_DEFAULTS = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci';

/** A fresh database; `defaults` is what follows CREATE DATABASE <name> ('' for the server's own). */
export async function createTestMysqlDatabase(defaults = DOCUMENTED_DEFAULTS): Promise<TestMysqlDatabase> {
  const base = await testMysqlServerUrl();
  const name = `tm_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await mysql.createConnection({ uri: base });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` ${defaults}`.trim());
  } finally {
    await admin.end();
  }
  return {
    url: `${base}/${name}`,
    async drop() {
      const connection = await mysql.createConnection({ uri: base });
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``).finally(() => connection.end());
    },
  };
}

async function findServer(): Promise<string> {
  const configured = process.env.TEST_MYSQL_URL;
  if (configured) return configured.replace(/\/$/, '');
  if (process.env.TEST_MYSQL_THROWAWAY !== '1' && (await answers(LOCAL_SERVER))) return LOCAL_SERVER;
  const throwaway = await startThrowawayMariadb();
  process.once('exit', () => throwaway.stop());
  return throwaway.url;
}

async function answers(url: string): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 2_000 });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

export interface ThrowawayMariadb {
  url: string;
  /** Kills the server (SIGKILL, as a crash would) and waits until it is gone. */
  crash(): Promise<void>;
  /** Starts the server again on the same data and port; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops the server for good and removes its files. */
  stop(): void;
}

/** Initialises a data directory in a temp folder and runs mariadbd on a free port until stop(). */
export async function startThrowawayMariadb(): Promise<ThrowawayMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'tm-mariadb-'));
  const user = process.getuid?.() === 0 ? ['--user=root'] : [];
  const install = spawn(
    [
      'mariadb-install-db',
      '--no-defaults',
      `--datadir=${dir}/data`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...user,
    ],
    { stdout: 'ignore', stderr: 'pipe' },
  );
  if ((await install.exited) !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `mariadb-install-db failed (is mariadb-server installed?): ${await new Response(install.stderr).text()}`,
    );
  }
  const port = await freePort();
  const url = `mysql://root@127.0.0.1:${port}`;
  const launch = (): Subprocess =>
    spawn(
      [
        'mariadbd',
        '--no-defaults',
        `--datadir=${dir}/data`,
        `--socket=${dir}/mariadb.sock`,
        `--pid-file=${dir}/mariadb.pid`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=64M',
        ...user,
      ],
      { stdout: 'ignore', stderr: 'ignore' },
    );
  let daemon = launch();
  const stop = () => {
    daemon.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const waitUntilAnswering = async () => {
    for (let attempt = 0; attempt < 150; attempt++) {
      if (daemon.exitCode !== null) break;
      if (await answers(url)) return;
      await Bun.sleep(200);
    }
    stop();
    throw new Error('the throwaway mariadbd did not start within 30 s');
  };
  await waitUntilAnswering();
  return {
    url,
    stop,
    async crash() {
      daemon.kill('SIGKILL');
      await daemon.exited;
    },
    async restart() {
      daemon = launch();
      await waitUntilAnswering();
    },
  };
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}
