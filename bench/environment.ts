import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { APP_TUNING } from './app-process';
import { scalar } from './database';

/** Where and how the figures were taken, for the head of bench/results.md. */
export interface BenchEnvironment {
  date: string;
  machine: string;
  bun: string;
  database: string;
  databaseSetup: string;
  app: string;
  commit: string;
  command: string;
}

const ROOT = join(import.meta.dir, '..');

export async function describeEnvironment(connection: Connection, databaseSetup: string): Promise<BenchEnvironment> {
  return {
    date: `${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    machine: describeMachine(),
    bun: run(['bun', '--version']) || Bun.version,
    database: String(await scalar(connection, 'SELECT VERSION()')),
    databaseSetup,
    app: describeAppSettings(),
    commit: describeCommit(),
    command: describeCommand(),
  };
}

function describeMachine(): string {
  const cpuinfo = readText('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU';
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(readText('/proc/meminfo'))?.[1] ?? 0);
  return `${availableParallelism()} CPUs (nproc), ${model}, ${(memKb / 1024 / 1024).toFixed(1)} GB memory`;
}

function describeAppSettings(): string {
  const set = APP_TUNING.filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]}`);
  return `bun src/main.ts, LOG_LEVEL=warn, ${set.length ? set.join(' ') : 'default pool settings'}`;
}

function describeCommit(): string {
  const commit = run(['git', 'rev-parse', '--short', 'HEAD']) || 'unknown';
  return run(['git', 'status', '--porcelain']) ? `${commit}+dirty` : commit;
}

/** As typed: `bun run bench …` when started through package.json, else the direct form. */
function describeCommand(): string {
  const args = Bun.argv.slice(2).join(' ');
  const base = process.env.npm_lifecycle_event === 'bench' ? 'bun run bench' : 'bun bench/run.ts';
  const database = process.env.DATABASE_URL ? 'DATABASE_URL=… ' : '';
  return `${database}${base}${args ? ` ${args}` : ''}`;
}

function run(command: string[]): string {
  const result = Bun.spawnSync(command, { cwd: ROOT, stdout: 'pipe', stderr: 'ignore' });
  return result.exitCode === 0 ? result.stdout.toString().trim() : '';
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
