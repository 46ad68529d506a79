import { addDays } from '../lib/calendar-date';
import type { DueView } from './model';
import type { ListFilter } from './store';

/**
 * The views of what is due, beside All, Open and Done: open tasks overdue (due before today), due
 * today, and due this week (today and the six days after). "Today" is the person's, from their
 * account's time zone: the caller says which date it is. (DUE_VIEWS, in model.ts, names them.)
 */

/** The last day of "this week" seen from `today`. */
export const weekEndOf = (today: string) => addDays(today, 6);

/** The dates a due view covers, seen from `today`. */
export function dueWindow(view: DueView, today: string): NonNullable<ListFilter['due']> {
  if (view === 'overdue') return { to: addDays(today, -1) };
  if (view === 'today') return { from: today, to: today };
  return { from: today, to: weekEndOf(today) };
}
