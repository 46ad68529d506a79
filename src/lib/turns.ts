/**
 * Work that must run one at a time per key (one account's bulk changes), in the order it came.
 * Waiting here holds nothing: had each waiter taken its database connection first and then waited
 * on a row lock, one account sending many at once would hold every pooled connection idle, and
 * every other account's requests would wait for one.
 */
export function turnsByKey<Key>() {
  const last = new Map<Key, Promise<unknown>>();
  return function inTurn<T>(key: Key, work: () => Promise<T>): Promise<T> {
    const before = last.get(key) ?? Promise.resolve();
    const mine = before.then(work, work);
    const settled = mine.catch(() => {});
    last.set(key, settled);
    // The last in line clears the key, so the map holds only keys with work waiting or running.
    void settled.then(() => {
      if (last.get(key) === settled) last.delete(key);
    });
    return mine;
  };
}
