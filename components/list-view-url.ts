import type { ListView, TaskSort } from '../src/tasks/model';

/**
 * The order a view is shown in. A due view lists what is due soonest first (the most overdue at the
 * top), always: an index serves each due window in that order, and no other (the list would be
 * sorted, however many tasks are overdue). Every other view is newest first unless it says otherwise.
 */
export const sortOf = (view: ListView): TaskSort => (view.due ? 'due' : (view.sort ?? 'created'));

/** The URL of a view of the list; defaults are left out so the plain list is just "/". */
export function listViewUrl(view: ListView, path = '/'): string {
  const params = new URLSearchParams();
  if (view.due) params.set('due', view.due);
  else if (view.status !== 'all') params.set('status', view.status);
  if (view.q) params.set('q', view.q);
  if (view.priority) params.set('priority', view.priority);
  if (sortOf(view) !== 'created' && !view.due) params.set('sort', sortOf(view));
  if (view.cursor) params.set('cursor', view.cursor);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}
