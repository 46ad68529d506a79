import type { ListView } from '../src/tasks/model';

/** The URL of a view of the list; defaults are left out so the plain list is just "/". */
export function listViewUrl(view: ListView, path = '/'): string {
  const params = new URLSearchParams();
  if (view.status !== 'all') params.set('status', view.status);
  if (view.q) params.set('q', view.q);
  if (view.cursor) params.set('cursor', view.cursor);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}
