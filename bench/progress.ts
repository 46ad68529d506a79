/**
 * A progress bar on stderr: `seeding 1,000,000 [#######.....] 62% 310k rows/s`. Redrawn in place on
 * a terminal; one line per tenth when stderr is a file or a pipe.
 */
export function progressBar(label: string, total: number) {
  const width = 30;
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  let lastTenth = -1;

  const line = (done: number) => {
    const share = total ? done / total : 1;
    const filled = Math.round(share * width);
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(share * 100)}% ${compact(rate)} rows/s`;
  };

  return {
    update(done: number) {
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        process.stderr.write(`\r${line(done)}\x1b[K`);
        return;
      }
      const tenth = Math.floor((done / Math.max(total, 1)) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${line(done)}\n`);
      }
    },
    finish(done: number) {
      process.stderr.write(tty ? `\r${line(done)}\x1b[K\n` : lastTenth < 10 ? `${line(done)}\n` : '');
    },
  };
}

export function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${Math.round(value / 1e3)}k`;
  return String(Math.round(value));
}
