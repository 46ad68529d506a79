import { expect, test } from 'bun:test';
import { characterCount, firstCharacters } from '../../src/lib/characters';

test('characters are counted as people (and MySQL) count them: an emoji is one, an accent mark its own', () => {
  expect(characterCount('')).toBe(0);
  expect(characterCount('milk')).toBe(4);
  expect(characterCount('😀'.repeat(5_000))).toBe(5_000);
  expect(characterCount('e\u0301')).toBe(2);
  expect(characterCount('中文')).toBe(2);
  // A lone surrogate (invalid, but a string can hold one) counts as one.
  expect(characterCount('a\ud83d')).toBe(2);
  expect(characterCount('\ude00b')).toBe(2);
});

test('a text is cut by characters, never inside an emoji', () => {
  expect(firstCharacters('a😀b😀', 2)).toBe('a😀');
  expect(firstCharacters('😀😀😀', 1)).toBe('😀');
  expect(firstCharacters('short', 10)).toBe('short');
  expect(firstCharacters('abc', 0)).toBe('');
  for (const text of ['héllo wörld', '😀a😀b😀', 'a\ud83d😀'])
    for (let count = 0; count <= 6; count++) {
      expect(firstCharacters(text, count)).toBe([...text].slice(0, count).join(''));
      expect(characterCount(text)).toBe([...text].length);
    }
});
