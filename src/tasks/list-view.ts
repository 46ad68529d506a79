import { listViewUrl } from '../../components/list-view-url';
import { type ListView, SEARCH_MAX, type TaskStatus } from './model';
import { searchWords, textMatches } from './search';

/** Reading a ListView (src/tasks/model.ts) back from a URL; components/list-view-url.ts writes it. */

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
