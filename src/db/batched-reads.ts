/**
 * Reads for many requests at once, never answering from the past. A caller that arrives while a
 * batch is being read waits for it and joins the next one, so every caller's read starts after the
 * caller arrived: it sees every write committed before it asked, on any instance. Under load one
 * query serves every request that came in during the previous one, instead of one query each.
 * (DataLoader batches by event-loop tick, which here would group almost nothing.)
 */
export function batchedReads<Key, Value>(readMany: (keys: Key[]) => Promise<Map<Key, Value>>, maxBatch = 100) {
  interface Waiter {
    key: Key;
    resolve: (value: Value | undefined) => void;
    reject: (error: unknown) => void;
  }
  let waiting: Waiter[] = [];
  let reading = false;

  async function readWhileWaiting(): Promise<void> {
    reading = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(maxBatch);
      try {
        const values = await readMany([...new Set(batch.map((waiter) => waiter.key))]);
        for (const waiter of batch) waiter.resolve(values.get(waiter.key));
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    reading = false;
  }

  return (key: Key): Promise<Value | undefined> =>
    new Promise((resolve, reject) => {
      waiting.push({ key, resolve, reject });
      if (!reading) void readWhileWaiting();
    });
}
