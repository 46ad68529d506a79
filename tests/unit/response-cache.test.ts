import { describe, expect, test } from 'bun:test';
import { createResponseCache } from '../../src/http/response-cache';
import type { ReadyBody } from '../../src/lib/compression';
import { createLruCache } from '../../src/lib/lru-cache';

const textOf = (body: ReadyBody | undefined) => new Response(body?.identity.body()).text();

describe('the LRU is bounded by bytes', () => {
  const text = (size: number) => 'x'.repeat(size);
  const cache = () => createLruCache<string>({ maxBytes: 1_000, sizeOf: (value) => value.length });

  test('it forgets the least recently used entries to stay within its bytes', () => {
    const lru = cache();
    for (const key of ['a', 'b', 'c']) lru.set(key, text(300));
    lru.get('a');
    lru.set('d', text(300));
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(text(300));
    expect(lru.bytes).toBeLessThanOrEqual(1_000);
  });

  test('many distinct keys never hold more than the bound', () => {
    const lru = cache();
    for (let index = 0; index < 500; index++) lru.set(`key-${index}`, text(90));
    expect(lru.bytes).toBeLessThanOrEqual(1_000);
    expect(lru.size).toBeLessThan(12);
  });

  test('an entry larger than the whole bound is not kept', () => {
    const lru = cache();
    lru.set('small', text(10));
    lru.set('huge', text(5_000));
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.get('small')).toBe(text(10));
  });
});

describe('the versioned response cache', () => {
  test('an answer is rendered once per version, and a newer version replaces it', async () => {
    const answers = createResponseCache({ maxBytes: 1_000_000 });
    let renders = 0;
    const render = (text: string) => async () => {
      renders++;
      return text;
    };
    const first = await answers.get('/', 1, render('v1'));
    expect(await answers.get('/', 1, render('never'))).toBe(first);
    const second = await answers.get('/', 2, render('v2'));
    expect(await textOf(second)).toBe('v2');
    expect(renders).toBe(2);
    // The old version's bytes went with it: only one entry per key.
    expect(answers.bytes).toBeLessThan(200);
  });
});

describe('concurrent misses', () => {
  test('requests that miss one version together wait for a single render of it', async () => {
    const answers = createResponseCache({ maxBytes: 1_000_000 });
    let renders = 0;
    let finish: (text: string) => void = () => {};
    const render = () => {
      renders++;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    };
    const waiting = Array.from({ length: 20 }, () => answers.get('/', 3, render));
    expect(renders).toBe(1);
    finish('v3');
    const bodies = await Promise.all(waiting);
    expect(new Set(bodies).size).toBe(1);
    expect(await textOf(bodies[0])).toBe('v3');
    // A newer version is never answered by the older render.
    const newer = answers.get('/', 4, async () => 'v4');
    expect(await textOf(await newer)).toBe('v4');
    expect(renders).toBe(1);
  });

  test('a render that fails is not kept: the next request renders again', async () => {
    const answers = createResponseCache({ maxBytes: 1_000_000 });
    const failing = answers.get('/', 1, async () => {
      throw new Error('database down');
    });
    await expect(failing).rejects.toThrow('database down');
    const retried = await answers.get('/', 1, async () => 'back');
    expect(await textOf(retried)).toBe('back');
  });
});
