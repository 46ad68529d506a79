import { batchShapeAtMost } from './statement-shapes';

/**
 * Writes for many requests in one transaction: group commit in the app. A durable commit waits for
 * the disk (innodb_flush_log_at_trx_commit=1: one log flush, 3 ms on a cloud volume), and a pool of
 * five connections can only have five flushes' worth of writes in flight. So a write that arrives
 * while `lanes` batches are committing waits for one to end and joins the next batch, which commits
 * every write that came in meanwhile with one flush. A write that finds a lane free starts at once,
 * alone: one client writing one task at a time waits for nothing it did not wait for before.
 *
 * A batch takes the largest of a few sizes that the writes waiting fill (1 to 16, 20, 24, 28, 32…),
 * the rest going in the next: each size is a statement prepared on every connection that ran it,
 * and a size per count of writes filled the server's and the app's memory (statement-shapes.ts).
 *
 * Each caller is answered only after its batch committed. When a batch fails, every write in it is
 * tried again on its own (`writeOne`), so one bad write (a duplicate key, a value the database
 * refuses) fails alone and never takes its neighbours down with it.
 */
export function batchedWrites<Item, Result>({
  writeMany,
  writeOne,
  lanes = 2,
  maxBatch = 200,
}: {
  /** Writes all the items in one transaction; a result per item, in order. */
  writeMany: (items: Item[]) => Promise<Result[]>;
  /** Writes one item in a transaction of its own. */
  writeOne: (item: Item) => Promise<Result>;
  /** Batches committing at once; more share the database's own group commit. */
  lanes?: number;
  maxBatch?: number;
}) {
  interface Waiter {
    item: Item;
    resolve: (result: Result) => void;
    reject: (error: unknown) => void;
  }
  let waiting: Waiter[] = [];
  let busyLanes = 0;

  const settle = (waiter: Waiter, write: Promise<Result>) => write.then(waiter.resolve, waiter.reject);

  async function writeBatch(batch: Waiter[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only) return settle(only, writeOne(only.item));
    let results: Result[];
    try {
      results = await writeMany(batch.map((waiter) => waiter.item));
    } catch {
      // Nothing of the batch was kept (its transaction rolled back): each write on its own.
      await Promise.all(batch.map((waiter) => settle(waiter, writeOne(waiter.item))));
      return;
    }
    for (const [at, waiter] of batch.entries()) waiter.resolve(results[at] as Result);
  }

  async function runLane(): Promise<void> {
    busyLanes++;
    while (waiting.length > 0) {
      const size = batchShapeAtMost(Math.min(maxBatch, waiting.length));
      const batch = waiting.slice(0, size);
      waiting = waiting.slice(size);
      await writeBatch(batch);
    }
    busyLanes--;
  }

  return (item: Item): Promise<Result> =>
    new Promise((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (busyLanes < lanes) void runLane();
    });
}
