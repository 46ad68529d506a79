/**
 * Everything the bench starts (app, MariaDB, nginx, wrk, temp files) registers how to undo it here,
 * so a normal end, an error and Ctrl-C all leave the machine as it was.
 */

interface Undo {
  run: () => unknown;
  /** Synchronous last resort (SIGKILL, rmSync) for when the process exits before `run` finished. */
  atExit?: () => void;
  /** Set once started, so a normal stop and a Ctrl-C cleanup share one run. */
  running?: Promise<void>;
}

const pending: Undo[] = [];

/** Runs an undo once; it stays registered until done, so an exit meanwhile still finds its last resort. */
function runOnce(undo: Undo): Promise<void> {
  undo.running ??= (async () => {
    try {
      await undo.run();
    } finally {
      const index = pending.indexOf(undo);
      if (index !== -1) pending.splice(index, 1);
    }
  })();
  return undo.running;
}

/** Registers an undo; calling the returned function runs it now (once) and forgets it. */
export function onCleanup(run: () => unknown, atExit?: () => void): () => Promise<void> {
  const undo: Undo = { run, atExit };
  pending.push(undo);
  return () => runOnce(undo);
}

/** Runs every registered undo, newest first; one failing does not stop the others. */
export async function cleanUpAll(): Promise<void> {
  for (const undo of [...pending].reverse()) {
    try {
      await runOnce(undo);
    } catch (error) {
      process.stderr.write(`bench: cleanup step failed: ${(error as Error).message}\n`);
    }
  }
}

// A repeat within this window is the same Ctrl-C: the terminal signals the whole process group
// and `bun run` forwards it to its child as well.
const SAME_SIGNAL_MS = 2_000;

/** True once a signal asked the bench to stop: long loops check it rather than start more work. */
export function interrupted(): boolean {
  return firstSignalAt > 0;
}

let firstSignalAt = 0;

/** Ctrl-C (or a kill) cleans up and exits; a second Ctrl-C exits at once, killing what is left. */
export function cleanUpOnSignals(): void {
  process.on('exit', () => {
    for (const undo of pending.splice(0).reverse()) {
      try {
        undo.atExit?.();
      } catch {
        // Best effort: the process is ending.
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, async () => {
      if (firstSignalAt) {
        if (performance.now() - firstSignalAt > SAME_SIGNAL_MS) process.exit(130);
        return;
      }
      firstSignalAt = performance.now();
      process.stderr.write(`\nbench: ${signal}, cleaning up (Ctrl-C again to quit at once)\n`);
      await Promise.race([cleanUpAll(), Bun.sleep(20_000)]);
      process.exit(130);
    });
  }
}
