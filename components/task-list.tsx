/** @jsxImportSource @kitajs/html */
import type { ListView, StatusCounts, Task } from '../src/tasks/model';
import { type Calendar, CalendarDate } from './calendar-dates';
import { DUE_FILTERS, type DueCounts, DueFilters } from './due-filters';
import { focusIf } from './form-field';
import { listViewUrl } from './list-view-url';
import { focusInAnswer, regionLink } from './region-links';
import { TASK_LIST_IDS } from './task-list-ids';

export { TASK_LIST_IDS };

/**
 * Notes longer than a phone's line, or of more than one line, show their start on one line (cut
 * by CSS to the width there is) and expand to show all of them.
 */
const NOTES_SHOWN_WHOLE = 40;
const NOTES_EXCERPT = 140;
/** Normal is what most tasks are: only the other priorities get a badge. */
const PRIORITY_BADGE = { low: 'Low priority', normal: '', high: 'High priority' } as const;

const showsWhole = (notes: string) => notes.length <= NOTES_SHOWN_WHOLE && !notes.includes('\n');

/** The start of long notes on one line: whitespace runs made one space, cut at a character's end. */
function excerpt(notes: string): string {
  const characters = [...notes.replace(/\s+/g, ' ').trim()];
  if (characters.length <= NOTES_EXCERPT) return characters.join('');
  return `${characters.slice(0, NOTES_EXCERPT).join('').trimEnd()}…`;
}

/** Notes in full when short; otherwise their start, and a <details> that opens on all of them (no script needed). */
function TaskNotes({ notes }: { notes: string }) {
  if (!notes) return '';
  if (showsWhole(notes)) {
    return (
      <p class="task-notes" dir="auto" safe>
        {notes}
      </p>
    );
  }
  return (
    <details class="notes-more">
      <summary class="notes-toggle">
        <span class="notes-excerpt" dir="auto" safe>
          {excerpt(notes)}
        </span>
        <span class="notes-less">Show less</span>
      </summary>
      <p class="task-notes" dir="auto" safe>
        {notes}
      </p>
    </details>
  );
}

/**
 * Every item's controls answer with the item (or delete it): said once, on the list, and inherited
 * (htmx 4 inherits only what is marked so).
 */
const ITEM_SWAP = { 'hx-target:inherited': 'closest li', 'hx-swap:inherited': 'outerHTML' };

/**
 * htmx wires up each of its elements as the page loads: three an item, 150 on a page of tasks,
 * a long task on a phone. An item's controls are ignored by htmx (IGNORED_UNTIL_REACHED) until a
 * person reaches the item (data-hydrate: focus, a pointer, a click, a submit); static/app.js then
 * hands them to htmx, before the event gets to the control. The item itself is left to htmx, so a
 * swapped-in item still announces itself (htmx:after:process: the focus it asks for).
 */
const HYDRATE_LATER = { 'data-hydrate': '' };
const IGNORED_UNTIL_REACHED = { 'hx-ignore': '' };

/** The DOM id of a task's item in the list. */
export const taskItemId = (id: number) => `task-${id}`;

export interface TaskItemProps {
  task: Task;
  returnTo: string;
  /** Today as YYYY-MM-DD, in the account's time zone: open tasks due before it are overdue. */
  today: string;
  /** How the account writes dates (components/calendar-dates.ts). */
  locale: string;
  /** After an htmx change, where the keyboard focus goes back to: a control, or the item itself (restored). */
  focus?: 'toggle' | 'edit' | 'item';
  /** Ticked for the bulk actions (a bulk change refused: the selection is kept). */
  selected?: boolean;
}

export function TaskItem({ task, returnTo, today, locale, focus, selected = false }: TaskItemProps) {
  const overdue = task.status === 'open' && task.due_date !== null && task.due_date < today;
  const toggle = task.status === 'open' ? 'complete' : 'reopen';
  const toggleLabel = task.status === 'open' ? 'Complete' : 'Reopen';
  // Where its answer goes (the item itself) comes from the list (ITEM_SWAP); htmx wires up its
  // controls once a person reaches it (HYDRATE_LATER).
  return (
    <li
      id={taskItemId(task.id)}
      class={['task', `priority-${task.priority}`, task.status === 'done' && 'done', overdue && 'overdue']}
      data-autofocus={focus === 'item' ? '' : undefined}
      {...HYDRATE_LATER}
    >
      <div class="task-heading">
        <SelectTask task={task} selected={selected} />
        <p class="task-title" dir="auto" safe>
          {task.title}
        </p>
      </div>
      <TaskNotes notes={task.notes} />
      <div class="task-footer">
        <TaskMeta task={task} overdue={overdue} calendar={{ today, locale }} />
        <div class="task-actions" {...IGNORED_UNTIL_REACHED}>
          <form method="post" action={`/tasks/${task.id}/${toggle}`} hx-post={`/tasks/${task.id}/${toggle}`}>
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
            aria-label={`Edit ${task.title}`}
            {...focusIf(focus === 'edit')}
          >
            Edit
          </a>
          <form
            method="post"
            action={`/tasks/${task.id}/delete`}
            hx-post={`/tasks/${task.id}/delete`}
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
      </div>
    </li>
  );
}

/**
 * The item's checkbox for the bulk actions. It belongs to their form (outside the list: forms cannot
 * nest, and each item has forms of its own) and names the version seen, so a task changed
 * elsewhere meanwhile refuses the bulk change.
 */
function SelectTask({ task, selected }: { task: Task; selected: boolean }) {
  return (
    <input
      type="checkbox"
      class="tick task-select"
      form={TASK_LIST_IDS.bulkForm}
      name="task"
      value={`${task.id}:${task.version}`}
      aria-label={`Select “${task.title}”`}
      checked={selected}
    />
  );
}

/** Due date, overdue, done and a priority that is not normal; nothing at all for a plain open task. */
function TaskMeta({ task, overdue, calendar }: { task: Task; overdue: boolean; calendar: Calendar }) {
  const badge = PRIORITY_BADGE[task.priority];
  if (!badge && !task.due_date && task.status !== 'done') return '';
  return (
    <p class="task-meta">
      {badge ? <span class={['badge', `badge-${task.priority}`]}>{badge}</span> : ''}
      {task.due_date ? (
        <span class="due">
          Due <CalendarDate date={task.due_date} calendar={calendar} />
        </span>
      ) : (
        ''
      )}
      {overdue ? <strong class="badge badge-overdue">Overdue</strong> : ''}
      {task.status === 'done' ? <span class="badge badge-done">Done</span> : ''}
    </p>
  );
}

const FILTERS = [
  { status: 'all', label: 'All', heading: 'All tasks' },
  { status: 'open', label: 'Open', heading: 'Open tasks' },
  { status: 'done', label: 'Done', heading: 'Done tasks' },
] as const;

/** The view of the list with this status, keeping its search, priority and order. */
const statusViewOf = (view: ListView, status: ListView['status']): ListView => ({
  ...view,
  status,
  due: undefined,
  cursor: undefined,
});

export function StatusFilters({ view, counts }: { view: ListView; counts: StatusCounts }) {
  const total = { all: counts.open + counts.done, ...counts };
  return (
    <nav id={TASK_LIST_IDS.statusFilters} class="filters" aria-label="Status filter">
      <ul>
        {FILTERS.map(({ status, label }) => (
          <li>
            <a
              {...regionLink(listViewUrl(statusViewOf(view, status)))}
              aria-current={status === view.status && !view.due ? 'page' : undefined}
            >
              {label} <span class="count">{total[status]}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** What the list holds, by status and by due date, for the view's search and priority. */
export interface ListCounts {
  counts: StatusCounts;
  dueCounts: DueCounts;
}

/** Why the list is empty, when it is: no tasks at all, nothing due in a due view, or none that match. */
function emptyMessage(view: ListView, { counts, dueCounts }: ListCounts): string {
  const everything = counts.open + counts.done;
  if (view.due) {
    if (dueCounts[view.due] > 0) return '';
    return view.q || view.priority ? 'No tasks match.' : (DUE_FILTERS.find(({ due }) => due === view.due)?.empty ?? '');
  }
  const visible = view.status === 'all' ? everything : counts[view.status];
  if (visible > 0) return '';
  return everything === 0 && !view.q && !view.priority ? 'No tasks yet. Add the first one above.' : 'No tasks match.';
}

export function EmptyState({ view, ...listCounts }: { view: ListView } & ListCounts) {
  const message = emptyMessage(view, listCounts);
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
          {...focusInAnswer('li')}
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

interface TaskRegionProps extends ListCounts, Calendar {
  view: ListView;
  items: Task[];
  nextCursor: string | null;
  /** How one item is rendered; the pages pass a cached renderer. */
  renderItem?: (props: TaskItemProps) => JSX.Element;
}

/** The list's heading: the view it shows. */
const headingOf = (view: ListView) =>
  (view.due
    ? DUE_FILTERS.find(({ due }) => due === view.due)?.heading
    : FILTERS.find(({ status }) => status === view.status)?.heading) ?? 'Tasks';

/** Everything a filter or search change replaces: counts, list, empty state and pager. */
export function TaskRegion(props: TaskRegionProps) {
  const { view, items, nextCursor, counts, dueCounts, today, locale, renderItem = TaskItem } = props;
  const returnTo = listViewUrl(view);
  return (
    <section id={TASK_LIST_IDS.region} class="task-region" aria-labelledby={TASK_LIST_IDS.heading}>
      <div class="list-bar">
        <h2 id={TASK_LIST_IDS.heading} tabindex="-1">
          {headingOf(view)}
        </h2>
        <StatusFilters view={view} counts={counts} />
        <DueFilters view={view} counts={dueCounts} />
      </div>
      <EmptyState view={view} counts={counts} dueCounts={dueCounts} />
      <ul id={TASK_LIST_IDS.items} class="tasks" aria-label="Tasks" tabindex="-1" {...ITEM_SWAP}>
        {items.map((task) => renderItem({ task, returnTo, today, locale }))}
      </ul>
      <Pager view={view} nextCursor={nextCursor} />
    </section>
  );
}
