import { SEARCH_MAX, type TaskStatus } from './model';
import { searchWords, textMatches } from './search';

/**
 * What the task page shows: a status filter, a search and a page cursor, all in the URL so that
 * links, reloads, Back/Forward and forms without JavaScript agree on one state.
 */
export interface ListView {
  status: TaskStatus | 'all';
  q: string;
  cursor?: string;
}

const STATUS_VALUES = new Set(['all', 'open', 'done']);

/** Reads a view from query parameters, quietly falling back to defaults for values a link cannot mean. */
export function parseListView(params: URLSearchParams | Record<string, string | undefined>): ListView {
  const get = (name: string) =>
    (params instanceof URLSearchParams ? params.get(name) : params[name])?.toString() ?? undefined;
  const status = get('status') ?? 'all';
  const cursor = get('cursor');
  return {
    status: STATUS_VALUES.has(status) ? (status as ListView['status']) : 'all',
    q: (get('q') ?? '').slice(0, SEARCH_MAX),
    ...(cursor ? { cursor } : {}),
  };
}

/** The page URL of a view; defaults are left out so the plain list is just "/". */
export function listViewUrl(view: ListView, path = '/'): string {
  const params = new URLSearchParams();
  if (view.status !== 'all') params.set('status', view.status);
  if (view.q) params.set('q', view.q);
  if (view.cursor) params.set('cursor', view.cursor);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/**
 * Where a form should send the user back to: only ever our own list page, rebuilt from the view
 * it names, so neither a crafted return_to nor a page URL (htmx's HX-Current-URL, which is
 * absolute) can send anyone off-site.
 */
export function safeReturnTo(value: string | undefined | null): string {
  if (!value) return '/';
  try {
    const url = new URL(value, 'http://task-manager.invalid');
    if (url.pathname !== '/') return '/';
    return listViewUrl(parseListView(url.searchParams));
  } catch {
    return '/';
  }
}

export function viewOfReturnTo(returnTo: string): ListView {
  return parseListView(new URL(returnTo, 'http://task-manager.invalid').searchParams);
}

/** Does a task belong in the list this view shows? (The same search rule as the store's.) */
export function viewShows(view: ListView, task: { status: TaskStatus; title: string; notes: string }): boolean {
  if (view.status !== 'all' && task.status !== view.status) return false;
  return textMatches(searchWords(view.q), task.title, task.notes);
}
