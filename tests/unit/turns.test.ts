import { expect, test } from 'bun:test';
import { turnsByKey } from '../../src/lib/turns';

test('work of one key runs one at a time, in the order it came; other keys do not wait', async () => {
  const inTurn = turnsByKey<number>();
  const events: string[] = [];
  const step = (key: number, name: string, ms: number) =>
    inTurn(key, async () => {
      events.push(`${name} start`);
      await Bun.sleep(ms);
      events.push(`${name} end`);
      return name;
    });
  const results = await Promise.all([step(1, 'a', 30), step(1, 'b', 5), step(2, 'x', 10), step(1, 'c', 1)]);
  expect(results).toEqual(['a', 'b', 'x', 'c']);
  expect(events.filter((event) => !event.startsWith('x'))).toEqual([
    'a start',
    'a end',
    'b start',
    'b end',
    'c start',
    'c end',
  ]);
  // x started while a was still running.
  expect(events.indexOf('x start')).toBeLessThan(events.indexOf('a end'));
});

test('a failed turn fails its caller alone, and the next in line still runs', async () => {
  const inTurn = turnsByKey<string>();
  const failing = inTurn('k', async () => {
    throw new Error('refused');
  });
  const next = inTurn('k', async () => 'ran');
  await expect(failing).rejects.toThrow('refused');
  expect(await next).toBe('ran');
});
