import { heapStats } from 'bun:jsc';
import { expect, test } from 'bun:test';
import { flattened } from '../../src/lib/flat-string';

const rendered = (seed: number) => {
  let html = '';
  for (let piece = 0; piece < 100; piece++) html += `<span class="p${piece}">${seed} “ünï” \u0001 $& $1</span>`;
  return html;
};

test('flattening leaves any text exactly as it was', () => {
  for (const text of ['', 'plain', rendered(7), '$&$1$$', '\u0000\u0001\uFFFF', '🙂 e\u0301'])
    expect(flattened(text)).toBe(text);
});

test('kept flattened, rendered HTML holds one string cell each instead of one per piece', () => {
  const cells = () => {
    Bun.gc(true);
    return heapStats().objectTypeCounts.string ?? 0;
  };
  const start = cells();
  const kept = Array.from({ length: 2_000 }, (_, seed) => flattened(rendered(seed)));
  // Unflattened, each would hold its 100+ pieces: over 200,000 cells.
  expect(cells() - start).toBeLessThan(20_000);
  expect(kept).toHaveLength(2_000);
});
