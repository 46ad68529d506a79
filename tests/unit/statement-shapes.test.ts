import { expect, test } from 'bun:test';
import { batchShapeAtMost, inList, inLists, powerOfTwoRuns, shapeSize } from '../../src/db/statement-shapes';

test('a list of any length is sent in one of few shapes: the next power of two', () => {
  expect([1, 2, 3, 4, 5, 8, 9, 100, 500, 512, 513].map(shapeSize)).toEqual([1, 2, 4, 4, 8, 8, 16, 128, 512, 512, 1024]);
  const shapes = new Set(Array.from({ length: 1_000 }, (_, at) => inList(Array(at + 1).fill(7)).sql));
  expect(shapes.size).toBe(11);
});

test('an IN list is padded with its last value, so it matches exactly what it names', () => {
  expect(inList([3, 9, 4])).toEqual({ sql: 'IN (?, ?, ?, ?)', params: [3, 9, 4, 4] });
  expect(inList(['a'])).toEqual({ sql: 'IN (?)', params: ['a'] });
  // No values: NULL, which no row equals.
  expect(inList([])).toEqual({ sql: 'IN (?)', params: [null] });
});

test('rows are cut into runs of powers of two, largest first, in their order', () => {
  const rows = Array.from({ length: 13 }, (_, at) => at);
  expect(powerOfTwoRuns(rows)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11], [12]]);
  expect(powerOfTwoRuns([])).toEqual([]);
  expect(powerOfTwoRuns(Array(128).fill(0)).map((run) => run.length)).toEqual([128]);
});

test('batches of writes take the largest shape that fits: every size to 16, then four steps a doubling', () => {
  expect([1, 5, 13, 16, 17, 19, 20, 23, 24, 31, 32, 33, 47, 48, 63, 100, 200].map(batchShapeAtMost)).toEqual([
    1, 5, 13, 16, 16, 16, 20, 20, 24, 28, 32, 32, 40, 48, 56, 96, 192,
  ]);
  const shapes = new Set(Array.from({ length: 200 }, (_, at) => batchShapeAtMost(at + 1)));
  expect(shapes.size).toBe(30);
  // Never more than a fifth of a batch above 16 is left to the next.
  for (let count = 17; count <= 200; count++) expect(batchShapeAtMost(count) / count).toBeGreaterThan(0.8);
});

test('a long list goes as IN lists of at most the size given, each naming its own values', () => {
  const ids = Array.from({ length: 1_100 }, (_, at) => at + 1);
  const lists = inLists(ids, 512);
  expect(lists.map((list) => list.params.length)).toEqual([512, 512, 128]);
  expect(lists.flatMap((list) => list.params).filter((id, at, all) => all.indexOf(id) === at)).toEqual(ids);
  expect(inLists([], 512)).toEqual([]);
});
