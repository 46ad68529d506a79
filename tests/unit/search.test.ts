import { expect, test } from 'bun:test';
import { searchTerms, searchWords, textMatches } from '../../src/tasks/search';

test('a search is its distinct words of three or more letters or digits, without stopwords', () => {
  expect(searchWords('Buy MILK, buy milk!')).toEqual(['buy', 'milk']);
  expect(searchWords('the plan for 2027 to go')).toEqual(['plan', '2027']);
  expect(searchWords('Café CRÈME 中文标题')).toEqual(['cafe', 'creme', '中文标题']); // case and accents folded
  expect(searchWords('+milk* -"x" (y) @z ~w <v>')).toEqual(['milk']);
  expect(searchWords('% _ ! a')).toEqual([]);
  expect(searchWords(undefined)).toEqual([]);
  expect(searchWords('one two three four five six seven eight nine ten')).toHaveLength(8);
});

test('in memory, as in the databases: every word must start a word of the text', () => {
  expect(textMatches(['mil'], 'Buy milk')).toBe(true);
  expect(textMatches(['ilk'], 'Buy milk')).toBe(false);
  expect(textMatches(['deadline', 'file'], 'File taxes', 'Deadline is strict')).toBe(true);
  expect(textMatches(['deadline', 'milk'], 'File taxes', 'Deadline is strict')).toBe(false);
  expect(textMatches([], 'anything')).toBe(true);
});

test('a task field is indexed as its distinct words of three or more characters, each behind its owner', () => {
  expect(searchTerms(42, 'Buy MILK, buy milk at the Café!')).toBe('u42xbuy u42xmilk u42xthe u42xcafe');
  expect(searchTerms(7, 'a b c')).toBe('');
  // Owner 4's "2milk" and owner 42's "milk" are different terms: the id ends at the first "x".
  expect(searchTerms(4, '2milk')).toBe('u4x2milk');
  expect(searchTerms(42, 'milk').startsWith('u4x2')).toBe(false);
});

test('a word longer than InnoDB’s longest token is cut alike in the index and the query, and still found', () => {
  const long = `${'ä'.repeat(70)}z`;
  const [term] = searchTerms(1, long).split(' ');
  // InnoDB indexes no token over 84 characters; the longest owner id is 20 digits.
  expect([...(term ?? '')].length).toBeLessThanOrEqual(84 - 20);
  const [word] = searchWords(long);
  expect(term?.startsWith(`u1x${word}`)).toBe(true);
  expect(textMatches(searchWords(long), long)).toBe(true);
});

test('in memory, accents and case are folded as the databases fold them', () => {
  expect(textMatches(searchWords('cafe zurich'), 'Book the Café', 'Trip to Zürich')).toBe(true);
  expect(textMatches(searchWords('CAFÉ'), 'cafe')).toBe(true);
});
