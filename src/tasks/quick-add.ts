import { addDays, isCalendarDate } from '../lib/calendar-date';
import type { TaskPriority } from './model';

/**
 * Quick add: a priority and a due date written in the title, read on the server so they work
 * without JavaScript too. "Call the bank tomorrow !high" is the task "Call the bank", due tomorrow,
 * of high priority. Words anywhere in the title, in any case:
 *   !high, !low, !normal      the priority
 *   today, tomorrow           the due date
 *   monday … sunday, mon … sun   the next such day, today included
 *   due 2026-12-24            that date
 * A word in double quotes stays a word of the title, quotes and all ("Watch "Today" tonight"). A
 * later word wins over an earlier one; a title that would be left empty is taken as typed.
 */

export interface QuickAdd {
  title: string;
  priority?: TaskPriority;
  due_date?: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const PRIORITY_WORDS: Record<string, TaskPriority> = { '!high': 'high', '!low': 'low', '!normal': 'normal' };

// A quoted run, "due DATE", or one word, each with the spaces after it.
const PIECE = /"[^"]*"\s*|due\s+(\d{4}-\d{2}-\d{2})(?=\s|$)\s*|\S+\s*/giu;

/** The date a word names, seen from `today` (YYYY-MM-DD), or undefined. */
function dateOfWord(word: string, today: string): string | undefined {
  if (word === 'today') return today;
  if (word === 'tomorrow') return addDays(today, 1);
  const weekday = WEEKDAYS.findIndex((name) => name === word || (word.length === 3 && name.startsWith(word)));
  if (weekday < 0) return undefined;
  const todayWeekday = new Date(`${today}T00:00:00Z`).getUTCDay();
  return addDays(today, (weekday - todayWeekday + 7) % 7);
}

export function parseQuickAdd(typed: string, today: string): QuickAdd {
  const found: Omit<QuickAdd, 'title'> = {};
  const kept: string[] = [];
  for (const match of typed.matchAll(PIECE)) {
    const piece = match[0];
    const word = piece.trim().toLowerCase();
    const dueDate = match[1];
    const priority = PRIORITY_WORDS[word];
    const date = dueDate && isCalendarDate(dueDate) ? dueDate : dateOfWord(word, today);
    if (priority) found.priority = priority;
    else if (date) found.due_date = date;
    else kept.push(piece);
  }
  const title = kept.join('').trim();
  return title ? { title, ...found } : { title: typed };
}
