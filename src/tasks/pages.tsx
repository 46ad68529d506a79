/** @jsxImportSource @kitajs/html */
import { Elysia, type Static, t } from 'elysia';
import type { Calendar } from '../../components/calendar-dates';
import { DueFilters } from '../../components/due-filters';
import { MESSAGE_IDS, Message, type PageAssets } from '../../components/layout';
import { LIST_CONTROLS_IDS, ListOptions } from '../../components/list-controls';
import { listViewUrl, sortOf } from '../../components/list-view-url';
import { EditPage, TaskPage } from '../../components/pages';
import { QuickAddPreviewText, quickAddSummary } from '../../components/quick-add-preview';
import { ShortcutsPage } from '../../components/shortcuts';
import {
  EditingTaskItem,
  EMPTY_FORM,
  formValuesOf,
  NEW_TASK_FORM_ID,
  NEW_TASK_TITLE_ID,
  NewTaskForm,
  QUICK_ADD_PREVIEW_PATH,
  type TaskFormValues,
} from '../../components/task-forms';
import {
  EmptyState,
  type ListCounts,
  Pager,
  StatusFilters,
  TASK_LIST_IDS,
  type TaskItemProps,
  TaskRegion,
  taskItemId,
} from '../../components/task-list';
import { UndoForm } from '../../components/undo-form';
import type { PageAuthentication } from '../accounts/gate';
import type { Account } from '../accounts/model';
import { sameOriginForms } from '../http/csrf';
import { type Flash, flashCookie, takeFlash } from '../http/flash';
import { fragment, isFragmentRequest, page, pageOrFragment, partial, redirect, text, withCookies } from '../http/html';
import { HttpError } from '../http/http-error';
import { requestKeyOf } from '../http/idempotency-key';
import { readFormBody } from '../http/request-body';
import { createResponseCache } from '../http/response-cache';
import { isCalendarDate, todayIn } from '../lib/calendar-date';
import { readyBody } from '../lib/compression';
import {
  IdempotencyKeyReusedError,
  InvalidInputError,
  NotFoundError,
  VersionConflictError,
  VersionConflictsError,
} from '../lib/domain-errors';
import { BulkFormBody, readBulkForm, readBulkFormBody, type Ticked } from './bulk-form';
import {
  formVersion,
  type NewTaskForm as NewTaskFormInput,
  readNewTaskForm,
  readTaskForm,
  type TaskForm,
  TaskFormBody,
} from './forms';
import { createItemCache } from './item-cache';
import { isCursorShaped, parseListView, safeReturnTo, viewOfReturnTo, viewShows } from './list-view';
import {
  type BulkRequest,
  type BulkResult,
  type ListView,
  PAGE_DEFAULT,
  PRIORITIES,
  type Task,
  type TaskStatus,
  TITLE_MAX,
} from './model';
import { parseQuickAdd } from './quick-add';
import type { TaskService } from './service';
import { UNDO_ROUTES, undoBulkDelete, undoComplete, undoDelete } from './undo';

/**
 * The task page for browsers. Every action is a plain form that works without JavaScript
 * (POST, then 303 back with a flash message); with htmx the same URLs answer with fragments.
 * Both paths call the same service functions as the JSON API.
 */

type Headers = Record<string, string | undefined>;
/** What a change's answer needs from its request. */
interface ChangeRequest<Body extends { return_to?: string } = TaskFormBody> {
  account: Account;
  /** The browser came over HTTPS (as the gate read it from a trusted proxy): cookies set are Secure. */
  overHttps: boolean;
  headers: Headers;
  body: Body;
}
/** A change to one task, by its id. */
type IdRequest = ChangeRequest & { params: { id: string } };
/**
 * A task's place in the page the user acts from without JavaScript, read before the change: the
 * ids that page showed (and the one after it), so that the page lands by the task's neighbour
 * once the task has left it. Null with htmx, which changes the page in place.
 */
interface PlaceInList {
  id: number;
  pageIds: number[] | null;
}
interface ChangeOptions {
  status?: number;
  /** After an htmx change, where the keyboard focus goes back to. */
  focus?: 'toggle' | 'edit';
  /** Without JavaScript: where the task stood, to land back there. */
  place?: PlaceInList;
  /** A new task, added at the top of the list. */
  added?: boolean;
}

const IdParams = t.Object({ id: t.String({ pattern: '^[1-9][0-9]{0,14}$' }) });
// Values a link cannot mean fall back to the defaults (parseListView); only a cursor is refused.
const ViewQuery = t.Object(
  {
    status: t.Optional(t.String()),
    due: t.Optional(t.String()),
    q: t.Optional(t.String()),
    priority: t.Optional(t.String()),
    sort: t.Optional(t.String()),
    cursor: t.Optional(t.String()),
  },
  { additionalProperties: true },
);

/**
 * The view a list URL asks for. A cursor that cannot be ours is refused, so no page echoes it into a
 * redirect (list-view.ts). Checked here, not by a Transform in ViewQuery: a Transform makes Elysia
 * decode the whole query on every request (twice, in 1.4.30), a few % of a cached page.
 */
function viewOfQuery(query: Static<typeof ViewQuery>): ListView {
  if (query.cursor !== undefined && !isCursorShaped(query.cursor)) {
    throw new HttpError(
      400,
      'bad_cursor',
      'This page link is broken: it was cut or changed. Start again from the list.',
      [{ field: 'cursor', message: 'is not a cursor from this list' }],
    );
  }
  return parseListView(query);
}
const PreviewQuery = t.Object({ title: t.Optional(t.String()) }, { additionalProperties: true });
const EditQuery = t.Object({ return_to: t.Optional(t.String()) }, { additionalProperties: true });
const hidden = { detail: { hide: true } };
// Our own reader answers every form body: Elysia's default would also take JSON, unbounded.
const formOnly = { parse: ({ request }: { request: Request }) => readFormBody(request), body: TaskFormBody };
const withForm = { params: IdParams, ...formOnly, ...hidden };

// Only a client that sends its own Idempotency-Key can reuse one: the key nginx draws for a request
// without one is new each time, and its retry of a request resends the same details.
const KEY_REUSED = 'This add was already made with different details; nothing was added.';

/**
 * Where and when the person is: today in their account's time zone (what is overdue, due today,
 * what "tomorrow" means) and their locale (how dates are written).
 */
const calendarOf = (account: Account): Calendar => ({ today: todayIn(account.time_zone), locale: account.locale });
const quoted = (task: Pick<Task, 'title'>) => `“${task.title}”`;
const isBadCursor = (error: unknown) =>
  error instanceof InvalidInputError && error.details.some((detail) => detail.field === 'cursor');

/** Where the browser came from: the page's own URL for htmx, the form's return_to otherwise. */
const returnToOf = (headers: Headers, body?: { return_to?: string }) =>
  safeReturnTo(isFragmentRequest(headers) ? headers['hx-current-url'] : body?.return_to);

/** What the store is asked for to show a view's page. */
const pageQuery = (view: ListView, limit = PAGE_DEFAULT) => ({
  status: view.status,
  due: view.due,
  q: view.q || undefined,
  priority: view.priority,
  sort: sortOf(view),
  cursor: view.cursor,
  limit,
});

/** The add form's fields that stay as chosen from one add to the next (the flash carries them without JavaScript). */
const keptOf = (values: TaskFormValues) => ({ priority: values.priority, due_date: values.due_date });

/** The add form as the page shows it after an add without JavaScript: empty, but for the choices kept. */
function formAfter(flash: Flash | null): TaskFormValues {
  const { priority = '', due_date: dueDate = '' } = flash?.keep ?? {};
  return {
    ...EMPTY_FORM,
    ...(PRIORITIES.some((known) => known === priority) ? { priority } : {}),
    ...(isCalendarDate(dueDate) ? { due_date: dueDate } : {}),
  };
}

/** "Added “Call the bank”", and what the words of its title set: ": due Fri 4 Dec · priority high". */
function addedMessage(task: Task, form: NewTaskFormInput, calendar: Calendar): Flash {
  const set = quickAddSummary(form.quickAdd, calendar);
  const text = `Added ${quoted(task)}${set ? `: ${set}` : ''}`;
  // Without JavaScript the page comes back with the cursor in the title, for the next task.
  return { kind: 'status', text, focus: NEW_TASK_TITLE_ID, keep: keptOf(form.values) };
}

/**
 * How a region answer is marked for the browser: the URL to push (the view's own, without the
 * defaults a form sends), and whether the form's view settings come too. A view link's answer
 * carries them (the status or due view, and the order that view has); the form's own answer does
 * not, since replacing its selects would take back a choice made while the answer was on its way.
 */
const regionFromForm = (headers: Headers) => headers['hx-source'] === `form#${LIST_CONTROLS_IDS.form}`;

/**
 * Where the list page lands after a change without JavaScript (a long page would otherwise open
 * at its top): the task's item while the view still shows it; once it has left, the item that took
 * its place, else the one before it, else the list's heading.
 */
function anchorAfter(view: ListView, task: Task | null, place: PlaceInList | undefined, today: string): string {
  if (!place) return '';
  if (task && viewShows(view, task, today)) return `#${taskItemId(task.id)}`;
  const at = place.pageIds?.indexOf(place.id) ?? -1;
  if (!place.pageIds || at === -1) return '';
  const neighbour = place.pageIds[at + 1] ?? place.pageIds[at - 1];
  return `#${neighbour ? taskItemId(neighbour) : TASK_LIST_IDS.heading}`;
}

/** The Undo form a status message offers, returning to the page it is shown on. */
const undoFormOf = (message: Flash | null, returnTo: string) =>
  message?.kind === 'status' && message.undo ? <UndoForm undo={message.undo} returnTo={returnTo} /> : undefined;

/** Both message regions, saying this message or nothing: one message at a time, the latest. */
function messageRegions(message: Flash | null, returnTo: string): string {
  const status = message?.kind === 'status' ? message.text : '';
  return [
    partial(`#${MESSAGE_IDS.flash}`, 'innerHTML', <Message text={status} action={undoFormOf(message, returnTo)} />),
    partial(`#${MESSAGE_IDS.alerts}`, 'innerHTML', <Message text={message?.kind === 'alert' ? message.text : ''} />),
  ].join('');
}

/**
 * Does this htmx request want the list region back? An Undo and the bulk actions sit outside the
 * list and name the region as their target (HX-Target), and their answers re-render it.
 */
const answersRegion = (headers: Headers) => headers['hx-target']?.endsWith(`#${TASK_LIST_IDS.region}`) ?? false;

const tickedKey = ({ id, version }: Ticked) => `${id}:${version}`;
const tasksCount = (count: number) => `${count} task${count === 1 ? '' : 's'}`;

/** “A”, “B” and “C”; past three, “A”, “B”, “C” and 4 more. */
function titlesOf(tasks: Task[]): string {
  const named = tasks.slice(0, 3).map(quoted);
  const more = tasks.length - named.length;
  if (more > 0) return `${named.join(', ')} and ${more} more`;
  return named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named.at(-1)}` : (named[0] ?? '');
}

/** The past tense of what a bulk action does, for its messages. */
const BULK_DONE = {
  complete: 'completed',
  reopen: 'reopened',
  delete: 'deleted',
  clear_completed: 'cleared',
  restore: 'restored',
} as const;

/**
 * What a bulk change says it did, with the Undo of a delete (everything deleted at that instant).
 * Clearing or restoring nothing is said too: the page may be older than the list.
 */
function bulkMessage({ action, count, deleted_at: deletedAt }: BulkResult): Flash {
  if (action === 'clear_completed' && count === 0)
    return { kind: 'status', text: 'There were no completed tasks to clear.' };
  if (action === 'restore' && count === 0)
    return { kind: 'alert', text: 'Nothing was restored: those tasks are back already, or were deleted too long ago.' };
  const text =
    action === 'clear_completed'
      ? `Cleared ${count} completed task${count === 1 ? '' : 's'}`
      : `${capitalised(BULK_DONE[action])} ${tasksCount(count)}`;
  return { kind: 'status', text, ...(deletedAt ? { undo: undoBulkDelete(deletedAt) } : {}) };
}

const capitalised = (word: string) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;

/** Which answer a list request gets: the whole page, the region, or the region with the form's view settings. */
type ListAnswer = 'page' | 'region' | 'region+options';

export function createTaskPages(service: TaskService, assets: PageAssets, authentication: PageAuthentication) {
  const renderItem = createItemCache();
  // Whole list pages (and regions) by view, kept for the list's current version.
  const listPages = createResponseCache({ maxBytes: 32 * 1024 * 1024 });

  /** How many tasks each filter link counts, for the view's search and priority. */
  async function listCounts(owner: number, view: ListView, calendar: Calendar): Promise<ListCounts> {
    const [counts, dueCounts] = await Promise.all([
      service.countTasks(owner, view.q, view.priority),
      service.countDue(owner, calendar.today, view.q, view.priority),
    ]);
    return { counts, dueCounts };
  }

  async function listState(owner: number, view: ListView, calendar: Calendar) {
    const [list, counts] = await Promise.all([
      service.listTasks(owner, pageQuery(view), calendar.today),
      listCounts(owner, view, calendar),
    ]);
    return { view, items: list.items, nextCursor: list.next_cursor, ...counts, ...calendar, renderItem };
  }

  /** The list as a whole page, or as the region htmx swaps when the filter or search changes. */
  async function renderList(
    account: Account,
    view: ListView,
    answer: ListAnswer,
    flash: Flash | null,
    calendar: Calendar,
  ) {
    const state = await listState(account.id, view, calendar);
    if (answer === 'region') return text(<TaskRegion {...state} />);
    if (answer === 'region+options') return text(<TaskRegion {...state} />, <ListOptions view={view} outOfBand />);
    const messages = {
      flash: flash?.kind === 'status' ? flash.text : undefined,
      flashAction: undoFormOf(flash, listViewUrl(view)),
      alert: flash?.kind === 'alert' ? flash.text : undefined,
    };
    const form = { values: formAfter(flash), errors: {}, preview: {}, focus: flash?.focus === NEW_TASK_TITLE_ID };
    return text(<TaskPage assets={assets} account={account} form={form} {...messages} {...state} />);
  }

  /**
   * The list ready to send: the kept one for the account's list version, unless it shows this
   * visitor's message. Kept per account: no page kept for one account is ever served to another;
   * and per day and locale, since what is overdue or due today, and how dates read, depend on them
   * (and the page names the account's time zone, which app.js compares with the browser's).
   */
  async function listBody(account: Account, view: ListView, answer: ListAnswer, flash: Flash | null) {
    const version = await service.listVersion(account.id, account.alongside);
    const calendar = calendarOf(account);
    const render = () => renderList(account, view, answer, flash, calendar);
    if (flash) return readyBody(await render());
    const key = `${account.id}|${answer}|${listViewUrl(view)}|${calendar.today}|${calendar.locale}|${account.time_zone}`;
    return listPages.get(key, version, render);
  }

  /** A page link whose cursor no longer fits (forged, or from another list): the first page instead. */
  function firstPageInstead(headers: Headers, overHttps: boolean, view: ListView) {
    const text = 'That page link is no longer valid, so here is the first page.';
    const flash = isFragmentRequest(headers) ? [] : [flashCookie({ kind: 'alert', text }, overHttps)];
    return redirect(listViewUrl({ ...view, cursor: undefined }), flash);
  }

  /**
   * The add form again, with the user's input and what is wrong with it (422): beside a field, or
   * as an alert; with htmx, an earlier message goes (static/app.js keeps what was typed since).
   */
  async function addRefused({ account, headers, body }: ChangeRequest, form: NewTaskFormInput, alert?: string) {
    const returnTo = returnToOf(headers, body);
    const calendar = calendarOf(account);
    const retry = { values: form.values, errors: form.errors, preview: form.quickAdd };
    if (isFragmentRequest(headers)) {
      const swap = { 'hx-retarget': `#${NEW_TASK_FORM_ID}`, 'hx-reswap': 'outerHTML' };
      const messages = messageRegions(alert ? { kind: 'alert', text: alert } : null, returnTo);
      const again = <NewTaskForm {...retry} calendar={calendar} returnTo={returnTo} />;
      return fragment(text(again, messages), { status: 422, headers: swap });
    }
    const state = await listState(account.id, viewOfReturnTo(returnTo), calendar);
    return page(<TaskPage assets={assets} account={account} form={retry} alert={alert} {...state} />, { status: 422 });
  }

  /** The edit form again: with what is wrong (422), or beside the task as it now is (409). */
  function editAgain({ account, headers, body }: ChangeRequest, task: Task, form: TaskForm, conflict?: Task) {
    const props = {
      task,
      values: form.values,
      errors: form.errors,
      conflict,
      returnTo: returnToOf(headers, body),
      calendar: calendarOf(account),
    };
    const status = conflict ? 409 : 422;
    return pageOrFragment(
      headers,
      (asFragment) =>
        asFragment ? (
          text(<EditingTaskItem {...props} />, messageRegions(null, props.returnTo))
        ) : (
          <EditPage assets={assets} account={account} {...props} />
        ),
      { status },
    );
  }

  /** Without JavaScript, the ids of the page the user returns to, read before a change (PlaceInList). */
  async function placeBefore({ account, headers, body }: ChangeRequest, id: number): Promise<PlaceInList> {
    if (isFragmentRequest(headers)) return { id, pageIds: null };
    const view = viewOfReturnTo(returnToOf(headers, body));
    // One more than the page: once the task has gone, the next page's first task moves up into it.
    const query = pageQuery(view, PAGE_DEFAULT + 1);
    const page = await service.listTasks(account.id, query, todayIn(account.time_zone)).catch((error) => {
      if (isBadCursor(error)) return null;
      throw error;
    });
    return { id, pageIds: page?.items.map((task) => task.id) ?? null };
  }

  /** The pieces of the page that every change touches: counts, empty state and messages. */
  async function pageUpdates(owner: number, view: ListView, message: Flash, calendar: Calendar) {
    const counts = await listCounts(owner, view, calendar);
    return [
      partial(`#${TASK_LIST_IDS.statusFilters}`, 'outerHTML', <StatusFilters view={view} counts={counts.counts} />),
      partial(`#${TASK_LIST_IDS.dueFilters}`, 'outerHTML', <DueFilters view={view} counts={counts.dueCounts} />),
      partial(`#${TASK_LIST_IDS.emptyState}`, 'outerHTML', <EmptyState view={view} {...counts} />),
      messageRegions(message, listViewUrl(view)),
    ].join('');
  }

  /**
   * With htmx, the list region again (its counts within) and the message, for a change made from
   * outside the list (an Undo, the bulk actions). The focus goes to the first task of `focusOn` the
   * view shows (else, for an Undo, to the list's heading: components/undo-form.tsx); the tasks
   * `ticked` at the version shown stay ticked.
   */
  async function regionAnswer(
    account: Account,
    view: ListView,
    message: Flash,
    { status, focusOn = [], ticked = [] }: { status?: number; focusOn?: number[]; ticked?: Ticked[] },
  ) {
    const state = await listState(account.id, view, calendarOf(account));
    const focusIds = new Set(focusOn);
    const focusId = state.items.find((task) => focusIds.has(task.id))?.id;
    const render = withTicks(ticked, focusId);
    const region = <TaskRegion {...state} renderItem={render} />;
    return fragment(text(region, messageRegions(message, listViewUrl(view))), { status });
  }

  /** The item renderer with these tasks ticked (at the version ticked) and the focus on one item. */
  function withTicks(ticked: Ticked[], focusId?: number) {
    const keys = new Set(ticked.map(tickedKey));
    return (props: TaskItemProps) =>
      renderItem({
        ...props,
        focus: props.task.id === focusId ? 'item' : props.focus,
        selected: keys.has(tickedKey(props.task)),
      });
  }

  /**
   * With htmx, a task added to a list in another order than newest first: the whole region again,
   * with the task in its place (the form, where the next task may be being typed, stays as it is).
   */
  async function regionWithAdded(account: Account, view: ListView, message: Flash, calendar: Calendar) {
    const state = await listState(account.id, view, calendar);
    const swap = { 'hx-retarget': `#${TASK_LIST_IDS.region}`, 'hx-reswap': 'outerHTML' };
    const messages = messageRegions(message, listViewUrl(view));
    return fragment(text(<TaskRegion {...state} />, messages), { status: 201, headers: swap });
  }

  /**
   * The answer after a change to one task. Without JavaScript: back where the user was (at the
   * task, see anchorAfter), with the message. With htmx: the task's new item (or its removal), the
   * counts and the message. An add's answer never carries the form: the user may already be typing
   * the next task into it (static/app.js clears what was sent).
   */
  async function changed(
    { account, overHttps, headers, body }: ChangeRequest,
    task: Task | null,
    message: Flash,
    options: ChangeOptions = {},
  ) {
    const returnTo = returnToOf(headers, body);
    const view = viewOfReturnTo(returnTo);
    const calendar = calendarOf(account);
    if (!isFragmentRequest(headers)) {
      const anchor = anchorAfter(view, task, options.place, calendar.today);
      return redirect(`${returnTo}${anchor}`, [flashCookie(message, overHttps)]);
    }
    if (answersRegion(headers))
      return regionAnswer(account, view, message, { status: options.status, focusOn: task ? [task.id] : [] });
    const shown = task !== null && viewShows(view, task, calendar.today);
    if (options.added && shown && sortOf(view) !== 'created') return regionWithAdded(account, view, message, calendar);
    const item = shown ? renderItem({ task, returnTo, ...calendar, focus: options.focus }) : '';
    const updates = await pageUpdates(account.id, view, message, calendar);
    if (options.added) return fragment(text(item, updates), { status: 201 });
    // Say the swap every time: a task that no longer belongs in this view (completed under "Open",
    // deleted) leaves the list, and one that stays replaces its item even where the form asked for
    // "delete" (a delete refused because the task changed elsewhere).
    const swap = { 'hx-reswap': shown ? 'outerHTML' : 'delete' };
    return fragment(text(item, updates), { status: options.status, headers: swap });
  }

  /**
   * A change that may be refused because the task changed or vanished meanwhile: the refusal is
   * shown in the page (the task as it is now), never overwritten. (A route's own error hook cannot
   * do this: Elysia runs the app-wide error handler first.)
   */
  const refusalsShown =
    (action: string, change: (request: IdRequest, place: PlaceInList) => Promise<Response>) =>
    // The context is taken apart here, not passed on whole: Elysia reads from a handler's
    // parameters which parts of the request to prepare, and a whole context means all of them.
    async ({ account, overHttps, params, body, headers }: IdRequest) => {
      const request = { account, overHttps, params, body, headers };
      const place = await placeBefore(request, Number(params.id));
      return change(request, place).catch((error) => {
        if (error instanceof VersionConflictError) {
          const current = error.current as Task;
          const text = `${quoted(current)} was changed elsewhere, so it was not ${action}. It now shows the latest version.`;
          return changed(request, current, { kind: 'alert', text }, { status: 409, focus: 'toggle', place });
        }
        if (error instanceof NotFoundError) {
          const gone = { kind: 'alert', text: 'That task no longer exists.' } as const;
          return changed(request, null, gone, { status: 404, place });
        }
        throw error;
      });
    };

  /** Complete and Reopen: the same change but for the status it sets and the word it reports. */
  const changeStatus = (status: TaskStatus, done: 'completed' | 'reopened') =>
    refusalsShown(done, async (request, place) => {
      const { account, params, body } = request;
      const task = await service.updateTask(account.id, Number(params.id), { status }, formVersion(body));
      const label = `${capitalised(done)} ${quoted(task)}`;
      // A completion offers its undo: reopening the task at the version the completion left.
      const undo = status === 'done' ? { undo: undoComplete(task) } : {};
      return changed(request, task, { kind: 'status', text: label, ...undo }, { focus: 'toggle', place });
    });

  /**
   * A bulk change done. Without JavaScript, back to the page (at its top, where the message and its
   * Undo are) with the message; with htmx, the list region and the message, the focus on the first
   * task restored (after any other change it stays on the button pressed, outside the region).
   */
  async function bulkDone({ account, overHttps, headers, body }: ChangeRequest<BulkFormBody>, result: BulkResult) {
    const returnTo = returnToOf(headers, body);
    const message = bulkMessage(result);
    if (!isFragmentRequest(headers)) return redirect(returnTo, [flashCookie(message, overHttps)]);
    const focusOn = result.action === 'restore' ? result.ids : [];
    return regionAnswer(account, viewOfReturnTo(returnTo), message, { focusOn });
  }

  /**
   * A bulk change refused, and nothing changed: the list again with the reason, the tasks ticked
   * still ticked (but those changed elsewhere, now shown as they are). Without JavaScript the page
   * itself, as a refused add is; with htmx the region.
   */
  async function bulkRefused(
    { account, headers, body }: ChangeRequest<BulkFormBody>,
    status: number,
    problem: string,
    ticked: Ticked[],
  ) {
    const view = viewOfReturnTo(returnToOf(headers, body));
    const alert = { kind: 'alert', text: problem } as const;
    if (isFragmentRequest(headers)) return regionAnswer(account, view, alert, { status, ticked });
    const state = await listState(account.id, view, calendarOf(account));
    const form = { values: EMPTY_FORM, errors: {}, preview: {} };
    return page(
      <TaskPage
        assets={assets}
        account={account}
        form={form}
        alert={problem}
        {...state}
        renderItem={withTicks(ticked)}
      />,
      { status },
    );
  }

  /** Carries out a bulk change; a task missing or changed elsewhere refuses all of it (bulkRefused). */
  async function bulkChange(request: ChangeRequest<BulkFormBody>, change: BulkRequest, ticked: Ticked[]) {
    const done = BULK_DONE[change.action];
    try {
      return await bulkDone(request, await service.bulkChange(request.account.id, change));
    } catch (error) {
      if (error instanceof VersionConflictsError) {
        const changed = error.current as Task[];
        const were = changed.length === 1 ? 'was' : 'were';
        const text = `${titlesOf(changed)} ${were} changed elsewhere, so nothing was ${done}. The list shows them as they are now.`;
        return bulkRefused(request, 409, text, ticked);
      }
      if (error instanceof NotFoundError)
        return bulkRefused(request, 404, `Some selected tasks no longer exist, so nothing was ${done}.`, ticked);
      if (error instanceof InvalidInputError)
        return bulkRefused(request, 422, 'The selection could not be read; reload the page and try again.', ticked);
      throw error;
    }
  }

  return new Elysia({ name: 'task-pages' })
    .use(sameOriginForms())
    .use(authentication)
    .get(
      '/',
      async ({ query, headers, account, overHttps }) => {
        const view = viewOfQuery(query);
        const asFragment = isFragmentRequest(headers);
        const answer = !asFragment ? 'page' : regionFromForm(headers) ? 'region' : 'region+options';
        const { flash, clear } = asFragment ? { flash: null, clear: [] } : takeFlash(headers.cookie, UNDO_ROUTES);
        const body = await listBody(account, view, answer, flash).catch((error) => {
          if (isBadCursor(error)) return null;
          throw error;
        });
        if (!body) return firstPageInstead(headers, overHttps, view);
        // htmx pushes the view's own URL, not the form's every field (?q=&sort=created&priority=).
        const pushed = asFragment ? { headers: { 'hx-push-url': listViewUrl(view) } } : {};
        return withCookies(
          pageOrFragment(headers, () => body, pushed),
          clear,
        );
      },
      { query: ViewQuery, ...hidden },
    )
    .get(
      '/tasks',
      async ({ query, headers, account }) => {
        const view = viewOfQuery(query);
        if (!isFragmentRequest(headers)) return redirect(listViewUrl(view));
        const calendar = calendarOf(account);
        const state = await listState(account.id, view, calendar);
        const returnTo = listViewUrl({ ...view, cursor: undefined });
        const items = state.items.map((task) => renderItem({ task, returnTo, ...calendar }));
        const pager = <Pager view={view} nextCursor={state.nextCursor} />;
        return fragment(text(...items, partial(`#${TASK_LIST_IDS.pager}`, 'outerHTML', pager)));
      },
      { query: ViewQuery, ...hidden },
    )
    .get(
      QUICK_ADD_PREVIEW_PATH,
      ({ query, headers, account }) => {
        if (!isFragmentRequest(headers)) return redirect('/');
        const calendar = calendarOf(account);
        // Longer than any title, and the preview is only a preview: cut, never refused.
        const typed = (query.title ?? '').slice(0, TITLE_MAX * 4);
        const { title: _, ...settings } = parseQuickAdd(typed, calendar.today);
        return fragment(<QuickAddPreviewText settings={settings} calendar={calendar} />);
      },
      { query: PreviewQuery, ...hidden },
    )
    .post(
      '/tasks',
      async ({ body, headers, account, overHttps }) => {
        const request = { account, overHttps, body, headers };
        const calendar = calendarOf(account);
        // Words in the title set priority and due date (quick add), the JSON API takes fields as sent.
        const form = readNewTaskForm(body, calendar.today);
        if (!form.input) return addRefused(request, form);
        const created = await service.createTask(account.id, form.input, requestKeyOf(headers)).catch((error) => {
          if (error instanceof IdempotencyKeyReusedError) return addRefused(request, form, KEY_REUSED);
          throw error;
        });
        if (created instanceof Response) return created;
        return changed(request, created.task, addedMessage(created.task, form, calendar), { added: true });
      },
      { ...formOnly, ...hidden },
    )
    .get(
      '/tasks/:id',
      async ({ params, headers, account }) => {
        if (!isFragmentRequest(headers)) return redirect('/');
        const task = await service.getTask(account.id, Number(params.id));
        const calendar = calendarOf(account);
        return fragment(renderItem({ task, returnTo: returnToOf(headers), ...calendar, focus: 'edit' }));
      },
      { params: IdParams, ...hidden },
    )
    .get(
      '/tasks/:id/edit',
      async ({ params, headers, query, account }) => {
        const task = await service.getTask(account.id, Number(params.id));
        const form = {
          task,
          values: formValuesOf(task),
          errors: {},
          returnTo: returnToOf(headers, query),
          calendar: calendarOf(account),
        };
        return pageOrFragment(headers, (asFragment) =>
          asFragment ? <EditingTaskItem {...form} /> : <EditPage assets={assets} account={account} {...form} />,
        );
      },
      { params: IdParams, query: EditQuery, ...hidden },
    )
    .post(
      '/tasks/:id',
      async ({ params, body, headers, account, overHttps }) => {
        const request = { account, overHttps, body, headers };
        const task = await service.getTask(account.id, Number(params.id));
        const form = readTaskForm(body);
        if (!form.input) return editAgain(request, task, form);
        const place = await placeBefore(request, task.id);
        const saved = await service.updateTask(account.id, task.id, form.input, formVersion(body)).catch((error) => {
          if (error instanceof VersionConflictError)
            return editAgain(request, error.current as Task, form, error.current as Task);
          throw error;
        });
        if (saved instanceof Response) return saved;
        const message = { kind: 'status', text: `Saved ${quoted(saved)}` } as const;
        return changed(request, saved, message, { focus: 'edit', place });
      },
      withForm,
    )
    .post('/tasks/:id/complete', changeStatus('done', 'completed'), withForm)
    .post('/tasks/:id/reopen', changeStatus('open', 'reopened'), withForm)
    .post(
      '/tasks/:id/delete',
      refusalsShown('deleted', async (request, place) => {
        const { account, params, body } = request;
        const task = await service.getTask(account.id, Number(params.id));
        await service.deleteTask(account.id, task.id, formVersion(body));
        const deleted = { kind: 'status', text: `Deleted ${quoted(task)}`, undo: undoDelete(task) } as const;
        return changed(request, null, deleted, { place });
      }),
      withForm,
    )
    .post(
      '/tasks/:id/restore',
      refusalsShown('restored', async (request, place) => {
        const task = await service.restoreTask(request.account.id, Number(request.params.id));
        return changed(request, task, { kind: 'status', text: `Restored ${quoted(task)}` }, { place });
      }),
      withForm,
    )
    .post(
      '/tasks/bulk',
      async ({ body, headers, account, overHttps }) => {
        const request = { account, overHttps, headers, body };
        const form = readBulkForm(body);
        if (!form.change) return bulkRefused(request, 422, form.problem, form.ticked);
        return bulkChange(request, form.change, form.ticked);
      },
      { parse: ({ request }) => readBulkFormBody(request), body: BulkFormBody, ...hidden },
    )
    .get('/shortcuts', ({ account }) => page(<ShortcutsPage assets={assets} account={account} />), hidden);
}
