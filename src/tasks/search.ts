/**
 * What a search looks for: the words of the query, each matched as the start of a word in a task's
 * title or notes ("mil" finds "milk"), all of them required. Both engines answer from a full-text
 * index (InnoDB FULLTEXT, SQLite FTS5), so a search costs what its matches cost, not the table.
 *
 * Words under three characters and InnoDB's default stopwords are left out on both engines: InnoDB
 * indexes neither, and one rule everywhere keeps the engines agreeing. A query with no word left
 * filters nothing, which is also what typing the first letters of a search should show.
 */

const MIN_WORD = 3;
const MAX_WORDS = 8;

// INNODB_FT_DEFAULT_STOPWORD, the same in MySQL 8.4 and MariaDB 10.11.
const STOPWORDS = new Set(
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www'.split(
    ' ',
  ),
);

export function searchWords(query: string | undefined): string[] {
  const words = query?.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].filter((word) => [...word].length >= MIN_WORD && !STOPWORDS.has(word)).slice(0, MAX_WORDS);
}

/** The same rule in memory: does a task's text hold every word as the start of one of its words? */
export function textMatches(words: string[], ...texts: string[]): boolean {
  const own = new Set(
    texts
      .join(' ')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [],
  );
  return words.every((word) => [...own].some((candidate) => candidate.startsWith(word)));
}
