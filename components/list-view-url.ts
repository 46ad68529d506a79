import type { ListView, TaskSort } from '../src/tasks/model';

/**
 * The order a view has when its URL names none: a due view lists what is due soonest first (the
 * most overdue at the top), every other view the newest task first.
 */
export const defaultSortOf = (view: Pick<ListView, 'due'>): TaskSort => (view.due ? 'due' : 'created');

/** The order a view is shown in. */
export const sortOf = (view: ListView): TaskSort => view.sort ?? defaultSortOf(view);

/** The URL of a view of the list; defaults are left out so the plain list is just "/". */
export function listViewUrl(view: ListView, path = '/'): string {
  const params = new URLSearchParams();
  if (view.due) params.set('due', view.due);
  else if (view.status !== 'all') params.set('status', view.status);
  if (view.q) params.set('q', view.q);
  if (view.priority) params.set('priority', view.priority);
  if (view.sort && view.sort !== defaultSortOf(view)) params.set('sort', view.sort);
  if (view.cursor) params.set('cursor', view.cursor);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}
