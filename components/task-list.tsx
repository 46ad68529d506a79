/** @jsxImportSource @kitajs/html */
import type { ListView, StatusCounts, Task } from '../src/tasks/model';
import { focusIf } from './form-field';
import { listViewUrl } from './list-view-url';

/** The DOM ids of the list's parts, which routes target with htmx partials. */
export const TASK_LIST_IDS = {
  region: 'task-region',
  items: 'task-items',
  statusFilters: 'status-filters',
  emptyState: 'empty-state',
  pager: 'pager',
} as const;

const NOTES_EXCERPT = 140;
const PRIORITY_TEXT = { low: 'Low priority', normal: 'Normal priority', high: 'High priority' } as const;

const excerpt = (notes: string) => {
  const characters = [...notes];
  return characters.length > NOTES_EXCERPT ? `${characters.slice(0, NOTES_EXCERPT).join('').trimEnd()}…` : notes;
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-12-01" → "1 Dec 2026". By hand: toLocaleDateString would be most of a list's render. */
function readableDate(isoDate: string): string {
  const [year, month, day] = isoDate.split('-');
  return `${Number(day)} ${MONTHS[Number(month) - 1]} ${year}`;
}

/** The DOM id of a task's item in the list. */
export const taskItemId = (id: number) => `task-${id}`;

export interface TaskItemProps {
  task: Task;
  returnTo: string;
  /** Today as YYYY-MM-DD: open tasks due before it are overdue. */
  today: string;
  /** After an htmx change, where the keyboard focus goes back to. */
  focus?: 'toggle' | 'edit';
}

export function TaskItem({ task, returnTo, today, focus }: TaskItemProps) {
  const overdue = task.status === 'open' && task.due_date !== null && task.due_date < today;
  const toggle = task.status === 'open' ? 'complete' : 'reopen';
  const toggleLabel = task.status === 'open' ? 'Complete' : 'Reopen';
  const swapItem = { 'hx-target': 'closest li', 'hx-swap': 'outerHTML' };
  return (
    <li
      id={taskItemId(task.id)}
      class={['task', `priority-${task.priority}`, task.status === 'done' && 'done', overdue && 'overdue']}
    >
      <div class="task-body">
        <p class="task-title" safe>
          {task.title}
        </p>
        {task.notes ? (
          <p class="task-notes" safe>
            {excerpt(task.notes)}
          </p>
        ) : (
          ''
        )}
        <p class="task-meta">
          <span class={['badge', `badge-${task.priority}`]}>{PRIORITY_TEXT[task.priority]}</span>
          {task.due_date ? (
            <span class="due">
              Due{' '}
              <time datetime={task.due_date} safe>
                {readableDate(task.due_date)}
              </time>
              {overdue ? <strong class="badge badge-overdue">Overdue</strong> : ''}
            </span>
          ) : (
            ''
          )}
          {task.status === 'done' ? <span class="badge badge-done">Done</span> : ''}
        </p>
      </div>
      <div class="task-actions">
        <form
          method="post"
          action={`/tasks/${task.id}/${toggle}`}
          hx-post={`/tasks/${task.id}/${toggle}`}
          {...swapItem}
        >
          <input type="hidden" name="version" value={String(task.version)} />
          <input type="hidden" name="return_to" value={returnTo} />
          <button type="submit" aria-label={`${toggleLabel} ${task.title}`} {...focusIf(focus === 'toggle')}>
            {toggleLabel}
          </button>
        </form>
        <a
          class="button"
          href={`/tasks/${task.id}/edit?${new URLSearchParams({ return_to: returnTo })}`}
          hx-get={`/tasks/${task.id}/edit`}
          {...swapItem}
          aria-label={`Edit ${task.title}`}
          {...focusIf(focus === 'edit')}
        >
          Edit
        </a>
        <form
          method="post"
          action={`/tasks/${task.id}/delete`}
          hx-post={`/tasks/${task.id}/delete`}
          hx-target="closest li"
          hx-swap="delete"
          hx-confirm={`Delete “${task.title}”?`}
        >
          <input type="hidden" name="version" value={String(task.version)} />
          <input type="hidden" name="return_to" value={returnTo} />
          <button type="submit" class="danger" aria-label={`Delete ${task.title}`}>
            Delete
          </button>
        </form>
      </div>
    </li>
  );
}

const FILTERS = [
  { status: 'all', label: 'All' },
  { status: 'open', label: 'Open' },
  { status: 'done', label: 'Done' },
] as const;

/** Swaps the task region in place; hx-push-url keeps the address bar (and Back) in step. */
const swapsRegion = { 'hx-target': `#${TASK_LIST_IDS.region}`, 'hx-swap': 'outerHTML', 'hx-push-url': 'true' };
const regionLink = (url: string) => ({ href: url, 'hx-get': url, ...swapsRegion });

export function StatusFilters({ view, counts }: { view: ListView; counts: StatusCounts }) {
  const total = { all: counts.open + counts.done, ...counts };
  return (
    <nav id={TASK_LIST_IDS.statusFilters} class="filters" aria-label="Status filter">
      <ul>
        {FILTERS.map(({ status, label }) => (
          <li>
            <a
              {...regionLink(listViewUrl({ status, q: view.q }))}
              aria-current={status === view.status ? 'page' : undefined}
            >
              {label} <span class="count">{total[status]}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function SearchForm({ view }: { view: ListView }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: the form itself is the search landmark, in every browser.
    <form
      role="search"
      class="search"
      method="get"
      action="/"
      hx-get="/"
      {...swapsRegion}
      hx-trigger="submit, input delay:300ms"
    >
      <label for="search-q">Search</label>
      <input id="search-q" type="search" name="q" value={view.q} autocomplete="off" placeholder="Title or notes" />
      <SearchStatus view={view} />
      <button type="submit">Search</button>
    </form>
  );
}

/** The search keeps the status filter; swapped out of band when the filter changes. */
export function SearchStatus({ view, outOfBand = false }: { view: ListView; outOfBand?: boolean }) {
  return (
    <input
      type="hidden"
      id="search-status"
      name="status"
      value={view.status}
      hx-swap-oob={outOfBand ? 'true' : undefined}
    />
  );
}

export function EmptyState({ view, counts }: { view: ListView; counts: StatusCounts }) {
  const everything = counts.open + counts.done;
  const visible = view.status === 'all' ? everything : counts[view.status];
  let message = '';
  if (visible === 0)
    message = everything === 0 && !view.q ? 'No tasks yet. Add the first one above.' : 'No tasks match.';
  return (
    <p id={TASK_LIST_IDS.emptyState} class="empty-state" safe>
      {message}
    </p>
  );
}

export function Pager({ view, nextCursor }: { view: ListView; nextCursor: string | null }) {
  return (
    <nav id={TASK_LIST_IDS.pager} class="pager" aria-label="More tasks">
      {view.cursor ? <a href={listViewUrl({ ...view, cursor: undefined })}>Back to the first page</a> : ''}
      {nextCursor ? (
        <a
          href={listViewUrl({ ...view, cursor: nextCursor })}
          hx-get={listViewUrl({ ...view, cursor: nextCursor }, '/tasks')}
          hx-target={`#${TASK_LIST_IDS.items}`}
          hx-swap="beforeend"
          class="button"
        >
          Load more
        </a>
      ) : (
        ''
      )}
    </nav>
  );
}

interface TaskRegionProps {
  view: ListView;
  items: Task[];
  nextCursor: string | null;
  counts: StatusCounts;
  today: string;
  /** How one item is rendered; the pages pass a cached renderer. */
  renderItem?: (props: TaskItemProps) => JSX.Element;
}

/** Everything a filter or search change replaces: counts, list, empty state and pager. */
export function TaskRegion({ view, items, nextCursor, counts, today, renderItem = TaskItem }: TaskRegionProps) {
  const returnTo = listViewUrl(view);
  return (
    <section id={TASK_LIST_IDS.region} class="task-region" aria-label="Task list">
      <StatusFilters view={view} counts={counts} />
      <EmptyState view={view} counts={counts} />
      <ul id={TASK_LIST_IDS.items} class="tasks" aria-label="Tasks">
        {items.map((task) => renderItem({ task, returnTo, today }))}
      </ul>
      <Pager view={view} nextCursor={nextCursor} />
    </section>
  );
}
