import { readdirSync, readFileSync } from 'node:fs';

/**
 * How much CPU processes outside the bench used while it measured. wrk, the app and MariaDB
 * share the machine's cores, so anything else running (another test suite, a build) lowers the
 * figures; the report says how much. Counts in clock ticks from /proc: the whole machine's busy
 * time minus the bench's own process tree (exited children land in our cutime/cstime).
 */

interface CpuSnapshot {
  machineBusy: number;
  ours: number;
  machineTotal: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return {
    machineBusy: user + nice + system + irq + softirq + steal,
    machineTotal: user + nice + system + idle + iowait + irq + softirq + steal,
    ours: ourTicks(),
  };
}

/** Share of all cores (0–1) that other processes kept busy between two snapshots. */
export function othersShare(before: CpuSnapshot, after: CpuSnapshot): number {
  const total = after.machineTotal - before.machineTotal;
  if (total <= 0) return 0;
  const others = after.machineBusy - before.machineBusy - (after.ours - before.ours);
  return Math.max(0, others / total);
}

function ourTicks(): number {
  const processes = readProcesses();
  const children = new Map<number, number[]>();
  for (const [pid, info] of processes) children.set(info.ppid, [...(children.get(info.ppid) ?? []), pid]);
  let ticks = 0;
  const stack = [process.pid];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    ticks += processes.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

function readProcesses(): Map<number, { ppid: number; ticks: number }> {
  const processes = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After "pid (comm)": state ppid … utime(11) stime(12) cutime(13) cstime(14), counted from state.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(rest[index] ?? 0), 0);
      processes.set(Number(entry), { ppid: Number(rest[1]), ticks });
    } catch {
      // Gone while we looked.
    }
  }
  return processes;
}

/**
 * Waits until the whole machine has been nearly idle for `quietSeconds` in a row: after a bulk
 * load, InnoDB goes on purging and merging its full-text cache in bursts, and a run measured then
 * shows that work, not the app. Gives up after `limitMs`; answers how long it waited and whether
 * it settled.
 */
export async function waitForQuietMachine(maxBusyShare = 0.1, quietSeconds = 3, limitMs = 180_000) {
  const started = performance.now();
  let quietInARow = 0;
  while (performance.now() - started < limitMs) {
    const before = cpuSnapshot();
    await Bun.sleep(1000);
    const after = cpuSnapshot();
    const total = after.machineTotal - before.machineTotal;
    const quiet = total > 0 && (after.machineBusy - before.machineBusy) / total <= maxBusyShare;
    quietInARow = quiet ? quietInARow + 1 : 0;
    if (quietInARow >= quietSeconds) return { seconds: (performance.now() - started) / 1000, settled: true };
  }
  return { seconds: limitMs / 1000, settled: false };
}
