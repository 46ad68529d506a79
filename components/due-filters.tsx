/** @jsxImportSource @kitajs/html */
import type { DueView, ListView } from '../src/tasks/model';
import { listViewUrl } from './list-view-url';
import { regionLink } from './region-links';
import { TASK_LIST_IDS } from './task-list-ids';

/** How many open tasks each due view holds (for the current search and priority). */
export type DueCounts = Record<DueView, number>;

/** The due views beside All, Open and Done: their link, the list's heading, and what an empty one says. */
export const DUE_FILTERS = [
  { due: 'overdue', label: 'Overdue', heading: 'Overdue tasks', empty: 'Nothing overdue.' },
  { due: 'today', label: 'Today', heading: 'Due today', empty: 'Nothing due today.' },
  { due: 'week', label: 'This week', heading: 'Due this week', empty: 'Nothing due this week.' },
] as const satisfies readonly { due: DueView; label: string; heading: string; empty: string }[];

/** The view of the list with this due window, keeping its search and priority (its order is its own). */
const dueViewOf = (view: ListView, due: DueView): ListView => ({
  ...view,
  status: 'all',
  due,
  sort: undefined,
  cursor: undefined,
});

/** Links to what is overdue, due today and due this week, each with its count; the current one is marked. */
export function DueFilters({ view, counts }: { view: ListView; counts: DueCounts }) {
  return (
    <nav id={TASK_LIST_IDS.dueFilters} class="filters due-filters" aria-label="Due filter">
      <ul>
        {DUE_FILTERS.map(({ due, label }) => (
          <li>
            <a
              {...regionLink(listViewUrl(dueViewOf(view, due)))}
              class={due === 'overdue' && counts.overdue > 0 ? 'has-overdue' : undefined}
              aria-current={due === view.due ? 'page' : undefined}
            >
              {label} <span class="count">{counts[due]}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
