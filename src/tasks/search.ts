import { characterCount, firstCharacters } from '../lib/characters';

/**
 * What a search looks for: the words of the query, each matched as the start of a word in a task's
 * title or notes ("mil" finds "milk"), all of them required, ignoring case and accents ("cafe" finds
 * "Café").
 *
 * Both engines answer from a full-text index (InnoDB FULLTEXT, SQLite FTS5) of terms the app
 * computes, not of the raw text: each word of three or more characters, folded, behind its owner's
 * id ("u42xmilk"). A search for "mil" by account 42 asks for terms starting "u42xmil", so the index
 * walk meets only that account's matches, however many other accounts write, and both engines split
 * and fold words by one rule (ours), so they agree.
 *
 * Query words under three characters and InnoDB's default stopwords are left out, as before terms
 * existed. A query with no word left filters nothing, which is also what typing the first letters
 * of a search should show.
 */

const MIN_WORD = 3;
const MAX_WORDS = 8;
/**
 * The longest word a term keeps, in characters: with the longest owner prefix ("u" + 20 digits + "x")
 * it stays under InnoDB's 84-character token limit (innodb_ft_max_token_size), beyond which a token
 * is not indexed at all. A longer query word is cut the same way, so it still finds its word.
 */
const TERM_WORD_MAX = 60;

// INNODB_FT_DEFAULT_STOPWORD, the same in MySQL 8.4 and MariaDB 10.11.
const STOPWORDS = new Set(
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www'.split(
    ' ',
  ),
);

/** The words of a text as a search sees them: letters and digits, lowercase, accents removed, cut to TERM_WORD_MAX. */
function wordsOf(text: string): string[] {
  const words =
    text
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.map((word) => (word.length > TERM_WORD_MAX ? firstCharacters(word, TERM_WORD_MAX) : word));
}

const longEnough = (word: string) => characterCount(word) >= MIN_WORD;

export function searchWords(query: string | undefined): string[] {
  const words = wordsOf(query ?? '').filter((word) => longEnough(word) && !STOPWORDS.has(word));
  return [...new Set(words)].slice(0, MAX_WORDS);
}

/** An account's term for a word: what the full-text indexes hold, and what a search asks them for. */
export function ownerTerm(owner: number, word: string): string {
  return `u${owner}x${word}`;
}

/** The full-text document of one field of an owner's task: its distinct words as that owner's terms. */
export function searchTerms(owner: number, text: string): string {
  return [...new Set(wordsOf(text).filter(longEnough))].map((word) => ownerTerm(owner, word)).join(' ');
}

/** The same rule in memory: does a task's text hold every word as the start of one of its words? */
export function textMatches(words: string[], ...texts: string[]): boolean {
  const own = new Set(wordsOf(texts.join(' ')));
  return words.every((word) => [...own].some((candidate) => candidate.startsWith(word)));
}
