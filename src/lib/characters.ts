/**
 * Characters as people count them: code points, which is also how MySQL's VARCHAR counts. Walked
 * over UTF-16 units rather than spread (`[...text]`), which builds an array and a string per
 * character: a 5,000-emoji note made 10,000 allocations for each check of its length.
 */

const pairAt = (text: string, at: number): boolean => {
  const unit = text.charCodeAt(at);
  if (unit < 0xd800 || unit > 0xdbff) return false;
  const next = text.charCodeAt(at + 1);
  return next >= 0xdc00 && next <= 0xdfff;
};

/** The end (in UTF-16 units) of the first `count` characters of `text`. */
function endOfCharacters(text: string, count: number): number {
  let end = 0;
  for (let taken = 0; taken < count && end < text.length; taken++) end += pairAt(text, end) ? 2 : 1;
  return end;
}

export function characterCount(text: string): number {
  let count = 0;
  for (let at = 0; at < text.length; at += pairAt(text, at) ? 2 : 1) count++;
  return count;
}

/** The first `count` characters, never cut inside a surrogate pair. */
export const firstCharacters = (text: string, count: number): string => text.slice(0, endOfCharacters(text, count));
