import { describe, expect, test } from 'bun:test';
import { acceptsGzip, negotiate } from '../../src/http/content-encoding';
import { readyBody } from '../../src/lib/compression';

describe('Accept-Encoding', () => {
  test.each([
    ['gzip, deflate, br, zstd', true], // Chromium
    ['gzip, deflate', true], // Python requests
    ['GZIP', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['*', true],
    ['identity;q=0.5, *', true],
    ['identity, *;q=0.5', false], // the client prefers it plain
    ['gzip;q=0', false],
    ['gzip; q=0.000, br', false],
    ['*;q=0', false],
    ['br, zstd', false],
    ['identity', false],
    ['', false],
    [undefined, false],
    ['gzipped', false],
    ['x-gzip', false], // an alias from 1996 that no current client sends alone
  ])('%p admits gzip: %p', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  test('a ready body answers gzip that unpacks to the same bytes, made once; identity otherwise', async () => {
    const body = readyBody(`<p>${'Ünïcode task · '.repeat(2000)}</p>`);
    const gzipped = negotiate(body, 'gzip');
    expect(gzipped.headers).toEqual({ 'content-encoding': 'gzip' });
    expect(gzipped.bytes.size).toBeLessThan(body.identity.size / 10);
    expect(Bun.gunzipSync(await gzipped.bytes.bytes())).toEqual(await body.identity.bytes());
    expect(negotiate(body, 'gzip, br').bytes).toBe(gzipped.bytes);
    const plain = negotiate(body, undefined);
    expect(plain.headers).toEqual({});
    expect(plain.bytes).toBe(body.identity);
  });
});
