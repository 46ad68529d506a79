import { expect, test } from 'bun:test';
import { batchedReads } from '../../src/db/batched-reads';

/** A store whose reads we hold open, to see what each batch asked for and when it started. */
function heldStore() {
  const values = new Map<number, string>();
  const batches: { keys: number[]; release: () => void; failWith: (error: Error) => void }[] = [];
  const read = batchedReads(
    (keys: number[]) =>
      new Promise<Map<number, string>>((resolve, reject) => {
        // What the read sees is what the store holds when the read starts.
        const seen = new Map(keys.flatMap((key) => (values.has(key) ? [[key, values.get(key) as string]] : [])));
        batches.push({ keys, release: () => resolve(seen), failWith: reject });
      }),
    3,
  );
  return { values, batches, read };
}

test('a caller arriving while a read runs joins the next read, which sees what was written meanwhile', async () => {
  const { values, batches, read } = heldStore();
  values.set(1, 'first');
  const early = read(1);
  expect(batches.map((batch) => batch.keys)).toEqual([[1]]);

  values.set(1, 'written after the first read started');
  const late = [read(1), read(2), read(1)];
  expect(batches).toHaveLength(1); // they wait for the running read
  batches[0]?.release();
  expect(await early).toBe('first');
  await Bun.sleep(0);
  expect(batches.map((batch) => batch.keys)).toEqual([[1], [1, 2]]); // one read for all three, keys once
  values.set(2, 'too late for that read');
  batches[1]?.release();
  expect(await Promise.all(late)).toEqual([
    'written after the first read started',
    undefined,
    'written after the first read started',
  ]);
});

test('a batch holds at most maxBatch callers; the rest get the read after it', async () => {
  const { values, batches, read } = heldStore();
  for (const key of [1, 2, 3, 4, 5, 6]) values.set(key, `task ${key}`);
  const first = read(1);
  const waiting = [2, 3, 4, 5, 6].map((key) => read(key));
  batches[0]?.release();
  await first;
  await Bun.sleep(0);
  expect(batches.map((batch) => batch.keys)).toEqual([[1], [2, 3, 4]]);
  batches[1]?.release();
  await Bun.sleep(0);
  expect(batches.map((batch) => batch.keys)).toEqual([[1], [2, 3, 4], [5, 6]]);
  batches[2]?.release();
  expect(await Promise.all(waiting)).toEqual(['task 2', 'task 3', 'task 4', 'task 5', 'task 6']);
});

test('a failed read fails every caller of that batch, and the next caller reads again', async () => {
  const { values, batches, read } = heldStore();
  values.set(1, 'back');
  const callers = [read(1), read(1)];
  batches[0]?.failWith(new Error('database unavailable'));
  await expect(callers[0]).rejects.toThrow('database unavailable');
  await Bun.sleep(0);
  batches[1]?.failWith(new Error('still unavailable'));
  await expect(callers[1]).rejects.toThrow('still unavailable');
  await Bun.sleep(0);
  const after = read(1);
  expect(batches).toHaveLength(3);
  batches[2]?.release();
  expect(await after).toBe('back');
});
