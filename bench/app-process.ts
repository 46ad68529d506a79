import { readdirSync, readFileSync } from 'node:fs';
import { startLiveServer } from '../harness/live-server';
import { onCleanup } from './cleanup';

/** The app as an operator runs it (`bun src/main.ts`), on MySQL, with its process id for RSS. */
export interface AppProcess {
  origin: string;
  pid: number | null;
  stop(): Promise<void>;
}

/** The app's tuning variables, passed through from the bench's environment when set. */
export const APP_TUNING = ['DB_POOL_SIZE', 'DB_QUEUE_LIMIT', 'DB_ACQUIRE_TIMEOUT_MS'] as const;

/** The app of this checkout, or of `root` (an earlier commit's worktree), serving `databaseUrl`. */
export async function startApp(databaseUrl: string, root?: string): Promise<AppProcess> {
  const env: Record<string, string> = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' };
  for (const name of APP_TUNING) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  const server = await startLiveServer(env, root);
  const stop = onCleanup(
    () => server.stop(),
    () => server.kill('SIGKILL'),
  );
  const port = new URL(server.origin).port;
  return { origin: server.origin, pid: findAppPid(port), stop };
}

/**
 * The bun process running src/main.ts on this port. The port is not on its command line
 * (live-server passes PORT in the environment), so the match reads /proc/<pid>/environ too.
 */
export function findAppPid(port: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmdline.some((arg) => arg.endsWith('src/main.ts'))) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`PORT=${port}`) || cmdline.includes(port)) return Number(entry);
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return null;
}

/** CPU time the process has used, in seconds (utime + stime; /proc counts 100 ticks a second). */
export function cpuSeconds(pid: number | null): number {
  if (pid === null) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN; // the process ended, or is not on this machine
  }
}

export interface Memory {
  /** Resident set now, kB. */
  rssKb: number;
  /** The kernel's high-water mark of the resident set, kB. */
  peakKb: number;
}

export function readMemory(pid: number | null): Memory | null {
  if (pid === null) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKb: field('VmRSS'), peakKb: field('VmHWM') };
  } catch {
    return null;
  }
}

/** Polls the app's RSS while load runs, keeping the largest value seen. */
export function rssSampler(pid: number | null, everyMs = 250) {
  let maxKb = 0;
  const sample = () => {
    const memory = readMemory(pid);
    if (memory) maxKb = Math.max(maxKb, memory.rssKb);
  };
  const timer = setInterval(sample, everyMs);
  return {
    sample,
    get maxKb() {
      return maxKb;
    },
    stop() {
      clearInterval(timer);
      sample();
    },
  };
}

/**
 * Waits until the app's pool has no query running or queued, so requests that wrk gave up on
 * (timeouts) do not eat into the next run. Gives up quietly after `limitMs`.
 */
export async function waitUntilIdle(origin: string, limitMs = 60_000): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    const stats = (await fetch(`${origin}/pool-stats`)
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null)) as { in_use?: number; waiting?: number } | null;
    if (!stats || typeof stats.in_use !== 'number') return;
    if (stats.in_use === 0 && (stats.waiting ?? 0) === 0) return;
    await Bun.sleep(200);
  }
}
