import { expect, test } from 'bun:test';
import { batchedWrites } from '../../src/db/batched-writes';

/** A database whose transactions we hold open, to see which writes each one carried and when. */
function heldDatabase(lanes: number, maxBatch = 200) {
  const transactions: { items: string[]; commit: () => void; fail: (error: Error) => void }[] = [];
  const stored: string[] = [];
  const begin = (items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      transactions.push({
        items,
        commit: () => {
          stored.push(...items);
          resolve(items.map((item) => `saved ${item}`));
        },
        fail: reject,
      });
    });
  const write = batchedWrites({
    writeMany: begin,
    writeOne: async (item: string) => (await begin([item]))[0] as string,
    lanes,
    maxBatch,
  });
  return { transactions, stored, write };
}

const turn = () => Bun.sleep(0);

test('a write that finds a lane free starts at once, alone: one writer waits for nothing new', async () => {
  const { transactions, write } = heldDatabase(1);
  const answer = write('a');
  expect(transactions.map((transaction) => transaction.items)).toEqual([['a']]);
  transactions[0]?.commit();
  expect(await answer).toBe('saved a');
});

test('writes that arrive while every lane commits share the next transaction, each answered after it commits', async () => {
  const { transactions, stored, write } = heldDatabase(2);
  const first = [write('a'), write('b')]; // two lanes: two transactions at once
  const later = [write('c'), write('d'), write('e')];
  expect(transactions.map((transaction) => transaction.items)).toEqual([['a'], ['b']]);

  let answered = 0;
  for (const answer of later) void answer.then(() => answered++);
  transactions[0]?.commit();
  await turn();
  expect(transactions.map((transaction) => transaction.items)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
  expect(answered).toBe(0); // not before their own commit

  transactions[2]?.commit();
  expect(await Promise.all(later)).toEqual(['saved c', 'saved d', 'saved e']);
  transactions[1]?.commit();
  expect(await Promise.all(first)).toEqual(['saved a', 'saved b']);
  expect(stored.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
});

test('a batch that fails is tried write by write: the bad write fails alone and its neighbours are kept', async () => {
  const { transactions, stored, write } = heldDatabase(1);
  const blocker = write('first');
  const batch = ['good 1', 'bad', 'good 2'].map(write);
  transactions[0]?.commit();
  await blocker;
  await turn();
  transactions[1]?.fail(new Error('duplicate key in the batch'));
  await turn();
  // Each on its own now, in transactions of one.
  expect(transactions.slice(2).map((transaction) => transaction.items)).toEqual([['good 1'], ['bad'], ['good 2']]);
  transactions[2]?.commit();
  transactions[3]?.fail(new Error('duplicate key'));
  transactions[4]?.commit();
  const outcomes = await Promise.allSettled(batch);
  expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(stored).toEqual(['first', 'good 1', 'good 2']);
});

test('a batch carries at most maxBatch writes; the rest go in the next', async () => {
  const { transactions, write } = heldDatabase(1, 2);
  const answers = ['a', 'b', 'c', 'd'].map(write);
  transactions[0]?.commit();
  await turn();
  expect(transactions[1]?.items).toEqual(['b', 'c']);
  transactions[1]?.commit();
  await turn();
  await turn();
  expect(transactions[2]?.items).toEqual(['d']);
  transactions[2]?.commit();
  expect(await Promise.all(answers)).toEqual(['saved a', 'saved b', 'saved c', 'saved d']);
});

test('a batch takes a size from few shapes (1 to 16, 20, 24…); the rest go in the next', async () => {
  const { transactions, write } = heldDatabase(1);
  const answers = ['first', ...Array.from({ length: 23 }, (_, at) => `w${at}`)].map(write);
  transactions[0]?.commit();
  await turn();
  // 23 waiting: a statement of 20 rows, then one of 3, not a 23-row statement of its own.
  expect(transactions[1]?.items).toHaveLength(20);
  transactions[1]?.commit();
  await turn();
  await turn();
  expect(transactions[2]?.items).toEqual(['w20', 'w21', 'w22']);
  transactions[2]?.commit();
  expect(await Promise.all(answers)).toHaveLength(24);
});
