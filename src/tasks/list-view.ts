import { listViewUrl } from '../../components/list-view-url';
import { dueWindow } from './due-views';
import {
  CURSOR_MAX,
  DUE_VIEWS,
  type DueView,
  type ListView,
  PRIORITIES,
  SEARCH_MAX,
  SORTS,
  type Task,
  type TaskPriority,
  type TaskSort,
} from './model';
import { searchWords, textMatches } from './search';

/** Reading a ListView (src/tasks/model.ts) back from a URL; components/list-view-url.ts writes it. */

/*
 * A view's URL comes back in headers: the Location of every redirect after a change. A proxy reads
 * all of an answer's headers into one buffer (4 KB by nginx's default; ours has 16 KB) and answers
 * 502 when they do not fit, so each part is bounded: the cursor to CURSOR_MAX characters of base64url (no escapes),
 * the search to SEARCH_MAX bytes of UTF-8 (at most 3 characters a byte once percent-encoded).
 * Together with the status or due view, priority and order (a few dozen characters), under 1.3 KB.
 */

const STATUS_VALUES = new Set(['all', 'open', 'done']);
const CURSOR_SHAPE = new RegExp(`^[A-Za-z0-9_-]{1,${CURSOR_MAX}}$`);

/** Could this be a cursor of ours (base64url, src/tasks/service.ts)? Anything else is never echoed. */
export const isCursorShaped = (cursor: string) => CURSOR_SHAPE.test(cursor);

/** The value when it is one of the allowed ones, else undefined. */
const oneOf = <T extends string>(allowed: readonly T[], value: string | undefined): T | undefined =>
  allowed.find((member) => member === value);

/**
 * Reads a view from query parameters, quietly falling back to defaults for values a link cannot
 * mean; a cursor that cannot be ours is left out. A due view lists open tasks in due-date order, so
 * it stands in for the status and the order; newest first is left out, so each view has one URL.
 */
export function parseListView(params: URLSearchParams | Record<string, string | undefined>): ListView {
  const get = (name: string) =>
    (params instanceof URLSearchParams ? params.get(name) : params[name])?.toString() ?? undefined;
  const status = get('status') ?? 'all';
  const cursor = get('cursor');
  const due = oneOf<DueView>(DUE_VIEWS, get('due'));
  const sort = oneOf<TaskSort>(SORTS, get('sort'));
  const priority = oneOf<TaskPriority>(PRIORITIES, get('priority'));
  return {
    status: !due && STATUS_VALUES.has(status) ? (status as ListView['status']) : 'all',
    q: boundedSearch(get('q') ?? ''),
    ...(due ? { due } : {}),
    ...(priority ? { priority } : {}),
    ...(sort && sort !== 'created' && !due ? { sort } : {}),
    ...(cursor && isCursorShaped(cursor) ? { cursor } : {}),
  };
}

/** The search cut to SEARCH_MAX characters and to SEARCH_MAX bytes of UTF-8, at a character's end. */
function boundedSearch(q: string): string {
  let bytes = 0;
  let end = 0;
  for (const char of q.slice(0, SEARCH_MAX)) {
    bytes += Buffer.byteLength(char);
    if (bytes > SEARCH_MAX) break;
    end += char.length;
  }
  return q.slice(0, end);
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

/**
 * Does a task belong in the list this view shows, seen from `today` (the account's)? The same
 * rules as the store's: status, due window, priority and search.
 */
export function viewShows(
  view: ListView,
  task: Pick<Task, 'status' | 'title' | 'notes' | 'priority' | 'due_date'>,
  today: string,
): boolean {
  if (view.status !== 'all' && task.status !== view.status) return false;
  if (view.due && !isDueIn(view.due, task, today)) return false;
  if (view.priority && task.priority !== view.priority) return false;
  return textMatches(searchWords(view.q), task.title, task.notes);
}

function isDueIn(due: DueView, task: Pick<Task, 'status' | 'due_date'>, today: string): boolean {
  if (task.status !== 'open' || task.due_date === null) return false;
  const { from, to } = dueWindow(due, today);
  return (!from || task.due_date >= from) && (!to || task.due_date <= to);
}
