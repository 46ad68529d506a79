import type { SqlValue } from '../db/sql-client';
import { STATUSES, type TaskStatus } from './model';
import { ownerTerm } from './search';

/**
 * Search through task_terms (migration 13): a row per distinct term of a task (src/tasks/search.ts),
 * keyed (term, status, task_id), that carries the task's priority and due date. A search's list page,
 * its status counts and its due counts are read from the matching rows of that key alone, never from
 * the tasks behind them, so a common word costs its matches' index entries, not a full-text index's
 * materialised matches joined back to the tasks (141 ms and 137 ms at 37,000 matches before).
 *
 * A query word matches every term it starts: a range of the key. A task with several such terms
 * ("invoice" and "invoices") has a row for each, so the matches are grouped back into tasks, except
 * when the range holds one term (a whole word, the usual search), where a row is a task and the key's
 * order is the list's: the page walks (term, status, task_id) backwards and stops after a page.
 */

/** Above every letter and digit: a word's terms are the keys from its term up to the term + this. */
const ABOVE_EVERY_LETTER = '\u{10FFFF}';

/** The filters a search is read with: all of them columns of task_terms. */
export interface TermFilter {
  status?: TaskStatus;
  /** Rank 1–3, as stored. */
  priority?: number;
  dueFrom?: string;
  dueTo?: string;
  /** Only tasks older than this id: the next page of a list. */
  beforeId?: number;
}

/** What the words of a search find in the term index. */
export type TermLookup =
  | { kind: 'none' }
  | { kind: 'one'; term: string }
  | { kind: 'several'; owner: number; words: string[] };

/** A lookup that found something to read. */
export type FoundTerms = Exclude<TermLookup, { kind: 'none' }>;

interface Sql {
  sql: string;
  params: SqlValue[];
}

/**
 * The words a search needs: a word that starts another is left out, as every task with the longer
 * one has the shorter one too ("inv invoice" is "invoice"). The words left have ranges apart.
 */
export function independentWords(words: string[]): string[] {
  return words.filter((word) => !words.some((other) => other !== word && other.startsWith(word)));
}

function wordRange(owner: number, word: string): Sql {
  const term = ownerTerm(owner, word);
  return { sql: '(term >= ? AND term < ?)', params: [term, term + ABOVE_EVERY_LETTER] };
}

/**
 * The first and last term of a word's range: null and null for none, the same term for one. Two
 * seeks of the key, however many tasks have the word (MIN and MAX of a key's first column).
 */
export function termBoundsSql(owner: number, word: string): Sql {
  const range = wordRange(owner, word);
  return {
    sql: `SELECT (SELECT MIN(term) FROM task_terms WHERE ${range.sql}) AS first_term,
                 (SELECT MAX(term) FROM task_terms WHERE ${range.sql}) AS last_term`,
    params: [...range.params, ...range.params],
  };
}

export interface TermBounds {
  first_term: string | null;
  last_term: string | null;
}

/** The lookup of a search's words; the bounds of its term range when it has one word. */
export function lookupOf(owner: number, words: string[], soleWordBounds: TermBounds | null): TermLookup {
  if (!soleWordBounds) return { kind: 'several', owner, words };
  const { first_term: first, last_term: last } = soleWordBounds;
  if (first === null) return { kind: 'none' };
  return first === last ? { kind: 'one', term: first } : { kind: 'several', owner, words };
}

function filterClauses(filter: TermFilter): Sql {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, value: SqlValue | undefined) => {
    if (value === undefined) return;
    clauses.push(clause);
    params.push(value);
  };
  add('status = ?', filter.status);
  add('priority = ?', filter.priority);
  add('due_date >= ?', filter.dueFrom);
  add('due_date <= ?', filter.dueTo);
  add('task_id < ?', filter.beforeId);
  return { sql: clauses.map((clause) => ` AND ${clause}`).join(''), params };
}

/**
 * The matching tasks, one row each: status, task_id, priority, due_date. With several terms, a task's
 * rows are grouped into one, and one with several words must have a term in the range of each.
 */
export function matchesSql(lookup: FoundTerms, filter: TermFilter): Sql {
  const filters = filterClauses(filter);
  if (lookup.kind === 'one')
    return {
      sql: `SELECT status, task_id, priority, due_date FROM task_terms WHERE term = ?${filters.sql}`,
      params: [lookup.term, ...filters.params],
    };
  const ranges = lookup.words.map((word) => wordRange(lookup.owner, word));
  const anyRange = ranges.map((range) => range.sql).join(' OR ');
  const rangeParams = ranges.flatMap((range) => range.params);
  const everyWord =
    ranges.length > 1
      ? {
          sql: ` HAVING COUNT(DISTINCT CASE ${ranges.map((range, at) => `WHEN ${range.sql} THEN ${at}`).join(' ')} END) = ${ranges.length}`,
          params: rangeParams,
        }
      : { sql: '', params: [] };
  return {
    sql: `SELECT status, task_id, MIN(priority) AS priority, MIN(due_date) AS due_date FROM task_terms
      WHERE (${anyRange})${filters.sql} GROUP BY status, task_id${everyWord.sql}`,
    params: [...rangeParams, ...filters.params, ...everyWord.params],
  };
}

/**
 * The ids of a list page, newest first. For one term, each status's rows are a walk of the key in id
 * order, stopped after a page; the page is the newest of those walks.
 */
export function pageIdsSql(lookup: FoundTerms, filter: TermFilter, limit: number): Sql {
  // LIMIT travels as a string: MySQL 8's prepared statements reject a JS number sent as DOUBLE.
  const pageSize = String(limit);
  if (lookup.kind === 'one') {
    const walks = (filter.status ? [filter.status] : STATUSES).map((status) =>
      matchesSql(lookup, { ...filter, status }),
    );
    return {
      sql: `${walks.map((walk, at) => `SELECT task_id FROM (${walk.sql} ORDER BY task_id DESC LIMIT ?) AS walk${at}`).join(' UNION ALL ')}
        ORDER BY task_id DESC LIMIT ?`,
      params: [...walks.flatMap((walk) => [...walk.params, pageSize]), pageSize],
    };
  }
  const matches = matchesSql(lookup, filter);
  return {
    sql: `SELECT task_id FROM (${matches.sql}) AS matches ORDER BY task_id DESC LIMIT ?`,
    params: [...matches.params, pageSize],
  };
}
