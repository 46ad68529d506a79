import { expect, test } from 'bun:test';
import { searchWords, textMatches } from '../../src/tasks/search';

test('a search is its distinct words of three or more letters or digits, without stopwords', () => {
  expect(searchWords('Buy MILK, buy milk!')).toEqual(['buy', 'milk']);
  expect(searchWords('the plan for 2027 to go')).toEqual(['plan', '2027']);
  expect(searchWords('Café crème 中文标题')).toEqual(['café', 'crème', '中文标题']);
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
