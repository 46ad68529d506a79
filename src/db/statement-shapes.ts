import type { SqlValue } from './sql-client';

/**
 * Statements whose text grows with their data, kept to a few shapes. Every distinct SQL text is a
 * prepared statement of its own on each pooled connection: mysql2 keeps up to 16,000 a connection,
 * each with a definition object per parameter (and the network chunk it came in), and the server
 * holds them too, at most max_prepared_stmt_count (16,382 on MariaDB and MySQL) for every client.
 * With a text per batch size, one bench run left 512 statements on the server and 27 MB on the
 * app's heap (docs/troubleshooting.md), and a bulk change of each count from 1 to 500 made one more.
 * So lists are padded to a power of two, and multi-row INSERTs go in runs of powers of two.
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

/** The batch sizes writes are grouped in: each power of two, and half as much again (1, 2, 3, 4, 6, 8, 12…). */
export function batchShapeAtMost(count: number): number {
  const power = 2 ** Math.floor(Math.log2(Math.max(1, count)));
  return power >= 2 && count >= power * 1.5 ? power * 1.5 : power;
}
