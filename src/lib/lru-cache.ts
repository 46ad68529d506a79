/**
 * A map bounded by the bytes its entries hold, forgetting the least recently used first (a Map
 * iterates in insertion order). Bounded by bytes, not entries: one entry can be a 2 MB list.
 */
export function createLruCache<Value>({ maxBytes, sizeOf }: { maxBytes: number; sizeOf: (value: Value) => number }) {
  const entries = new Map<string, { value: Value; bytes: number }>();
  let bytes = 0;

  function remove(key: string) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
  }

  return {
    get(key: string): Value | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key: string, value: Value): void {
      remove(key);
      // Strings are counted at two bytes a character, as a JavaScript engine may hold them.
      const size = sizeOf(value) + key.length * 2;
      if (size > maxBytes) return;
      while (bytes + size > maxBytes) remove(entries.keys().next().value as string);
      entries.set(key, { value, bytes: size });
      bytes += size;
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}
