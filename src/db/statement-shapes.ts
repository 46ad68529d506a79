import type { SqlValue } from './sql-client';

/**
 * Statements whose text grows with their data, kept to a few shapes. Every distinct SQL text is a
 * prepared statement of its own on each pooled connection: mysql2 keeps up to 16,000 a connection,
 * each with a definition object per parameter (and the network chunk it came in), and the server
 * holds them too, at most max_prepared_stmt_count (16,382 on MariaDB and MySQL) for every client.
 * With a text per batch size, one bench run left 512 statements on the server and 27 MB on the
 * app's heap (docs/troubleshooting.md), and a bulk change of each count from 1 to 500 made one more.
 * So lists are padded to a power of two, batches of writes take one of 30 sizes, and an import's
 * multi-row INSERTs go in runs of powers of two.
 */

/** The shape a list of `count` values is sent in: the next power of two. */
export const shapeSize = (count: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, count)));

/**
 * `IN (?, …)` for `values`, padded to shapeSize with the last value, which matches nothing more
 * (and with NULL, which matches nothing, for no values at all).
 */
export function inList(values: readonly SqlValue[]): { sql: string; params: SqlValue[] } {
  const size = shapeSize(values.length);
  const padding = values.length ? values[values.length - 1] : null;
  const params = [...values, ...Array<SqlValue>(size - values.length).fill(padding ?? null)];
  return { sql: `IN (?${', ?'.repeat(size - 1)})`, params };
}

/** inList for each run of at most `most` values (a power of two, so no run is padded past it). */
export function inLists(values: readonly SqlValue[], most: number): { sql: string; params: SqlValue[] }[] {
  const lists = [];
  for (let at = 0; at < values.length; at += most) lists.push(inList(values.slice(at, at + most)));
  return lists;
}

/** `items` in runs whose lengths are powers of two, largest first: 13 items as runs of 8, 4 and 1. */
export function powerOfTwoRuns<Item>(items: readonly Item[]): Item[][] {
  const runs: Item[][] = [];
  for (let at = 0; at < items.length; ) {
    const length = 2 ** Math.floor(Math.log2(items.length - at));
    runs.push(items.slice(at, at + length));
    at += length;
  }
  return runs;
}

/**
 * The batch sizes writes are grouped in: every size up to 16, then four to each doubling (16, 20,
 * 24, 28, 32, 40, 48…). A batch rounded down leaves its rest to the next transaction, whose BEGIN,
 * counts and COMMIT cost CPU on both sides, so the steps stay small where batches usually are.
 */
export function batchShapeAtMost(count: number): number {
  if (count <= 16) return Math.max(1, count);
  const step = 2 ** Math.floor(Math.log2(count)) / 4;
  return Math.floor(count / step) * step;
}
