import { describe, expect, test } from 'bun:test';
import { acceptsGzip, negotiate } from '../../src/http/content-encoding';
import { readyBody, sendable } from '../../src/lib/compression';

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

  const bytesOf = async (body: BodyInit) => new Uint8Array(await new Response(body).arrayBuffer());

  test('a ready body answers gzip that unpacks to the same bytes, made once; identity otherwise', async () => {
    const text = `<p>${'Ünïcode task · '.repeat(2000)}</p>`;
    const body = readyBody(text);
    const gzipped = negotiate(body, 'gzip');
    expect(gzipped.headers).toEqual({ 'content-encoding': 'gzip' });
    expect(body.gzipped().size).toBeLessThan(body.identity.size / 10);
    expect(new TextDecoder().decode(Bun.gunzipSync(await bytesOf(gzipped.body)))).toBe(text);
    expect(body.gzipped()).toBe(body.gzipped());
    const plain = negotiate(body, undefined);
    expect(plain.headers).toEqual({});
    expect(new TextDecoder().decode(await bytesOf(plain.body))).toBe(text);
  });

  test('a form up to 16 KB is one Blob shared by every answer; a larger one streams its bytes whole, each time', async () => {
    const small = sendable(new Uint8Array(16 * 1024).fill(1));
    expect(small.body()).toBeInstanceOf(Blob);
    expect(small.body()).toBe(small.body());
    const large = sendable(new Uint8Array(16 * 1024 + 1).fill(2));
    const [first, second] = [large.body(), large.body()];
    expect(first).toBeInstanceOf(ReadableStream);
    expect(first).not.toBe(second);
    expect(await bytesOf(first)).toEqual(new Uint8Array(16 * 1024 + 1).fill(2));
    expect(await bytesOf(second)).toEqual(new Uint8Array(16 * 1024 + 1).fill(2));
  });
});
