/** @jsxImportSource @kitajs/html */
import { Elysia, t } from 'elysia';
import type { PageAssets } from '../../components/layout';
import { EditPage, TaskPage } from '../../components/pages';
import {
  EditTaskForm,
  EMPTY_FORM,
  type FieldErrors,
  formValuesOf,
  NewTaskForm,
  type TaskFormValues,
} from '../../components/task-forms';
import { EmptyState, Pager, SearchStatus, StatusFilters, TaskRegion } from '../../components/task-list';
import { AppError, InvalidInputError, NotFoundError } from '../http/app-error';
import { type ReadyBody, readyBody } from '../http/compression';
import { type Flash, flashCookie, readFlash } from '../http/flash';
import { fragment, isFragmentRequest, page, partial, redirect, text } from '../http/html';
import { createLruCache } from '../http/lru-cache';
import { createItemCache } from './item-cache';
import { type ListView, listViewUrl, parseListView, safeReturnTo, viewOfReturnTo, viewShows } from './list-view';
import { PAGE_DEFAULT, PRIORITIES, type Task, type TaskPriority, type TaskStatus } from './model';
import { searchWords } from './search';
import { requestKeyOf, type TaskService, VersionConflictError } from './service';
import type { ListStats } from './store';

/**
 * The task page for browsers. Every action is a plain form that works without JavaScript
 * (POST, then 303 back with a flash message); with htmx the same URLs answer with fragments.
 * Both paths call the same service functions as the JSON API.
 */

type Headers = Record<string, string | undefined>;

const TaskFormBody = t.Object(
  {
    title: t.Optional(t.String()),
    notes: t.Optional(t.String()),
    priority: t.Optional(t.String()),
    due_date: t.Optional(t.String()),
    version: t.Optional(t.String()),
    return_to: t.Optional(t.String()),
  },
  { additionalProperties: true },
);
type TaskFormBody = typeof TaskFormBody.static;

const IdParams = t.Object({ id: t.String({ pattern: '^[1-9][0-9]{0,14}$' }) });
const ViewQuery = t.Object(
  { status: t.Optional(t.String()), q: t.Optional(t.String()), cursor: t.Optional(t.String()) },
  { additionalProperties: true },
);
const EditQuery = t.Object({ return_to: t.Optional(t.String()) }, { additionalProperties: true });

/**
 * Forms change data, so only our own pages may post them (CSRF). Browsers say where a request
 * comes from in Sec-Fetch-Site; older ones send Origin, which must then name our host.
 */
function isSameOrigin(headers: Headers): boolean {
  const site = headers['sec-fetch-site'];
  if (site) return site === 'same-origin' || site === 'none';
  const origin = headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}

const today = () => new Date().toISOString().slice(0, 10);
const quoted = (task: Pick<Task, 'title'>) => `“${task.title}”`;

/** Turns posted form fields into service input; wrong values become field errors, never exceptions. */
function readTaskForm(body: TaskFormBody) {
  const values: TaskFormValues = {
    title: body.title ?? '',
    notes: body.notes ?? '',
    priority: body.priority ?? 'normal',
    due_date: body.due_date ?? '',
  };
  const errors: FieldErrors = {};
  if (!PRIORITIES.includes(values.priority as TaskPriority)) errors.priority = 'Choose Low, Normal or High';
  const input = {
    title: values.title,
    notes: values.notes,
    priority: values.priority as TaskPriority,
    due_date: values.due_date || null,
  };
  return { values, errors, input };
}

/** The version the form was rendered with; a missing or garbled one can only ever conflict. */
const formVersion = (body: TaskFormBody) => (/^\d{1,10}$/.test(body.version ?? '') ? Number(body.version) : 0);

function fieldErrorsOf(error: unknown, into: FieldErrors): FieldErrors {
  if (!(error instanceof InvalidInputError)) throw error;
  for (const detail of error.details) into[detail.field as keyof FieldErrors] = capitalise(detail.message);
  return into;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function createTaskPages(service: TaskService, assets: PageAssets) {
  const renderItem = createItemCache();
  // Whole list pages by view and the list's version, which every change (on any instance) moves
  // on: a cached page is the page as it would be rendered now. Kept ready to send (UTF-8, and
  // gzipped once asked for); 200 views of ~75 KB at most.
  const listPages = createLruCache<ReadyBody>(200);

  async function listState(view: ListView, stats?: ListStats) {
    const query = { status: view.status, q: view.q || undefined, cursor: view.cursor, limit: PAGE_DEFAULT };
    const counts = stats && !searchWords(view.q).length ? Promise.resolve(stats.counts) : service.countTasks(view.q);
    const [list, resolvedCounts] = await Promise.all([service.listTasks(query), counts]);
    return {
      view,
      items: list.items,
      nextCursor: list.next_cursor,
      counts: resolvedCounts,
      today: today(),
      renderItem,
    };
  }

  /** The pieces of the page that every change touches: counts, empty state and messages. */
  async function pageUpdates(view: ListView, message: Flash) {
    const counts = await service.countTasks(view.q);
    return [
      partial('#status-filters', 'outerHTML', <StatusFilters view={view} counts={counts} />),
      partial('#empty-state', 'outerHTML', <EmptyState view={view} counts={counts} />),
      partial('#flash', 'innerHTML', message.kind === 'status' ? <p safe>{message.text}</p> : ''),
      partial('#alerts', 'innerHTML', message.kind === 'alert' ? <p safe>{message.text}</p> : ''),
    ].join('');
  }

  /** Where the browser came from: the page's own URL for htmx, the form's return_to otherwise. */
  const returnToOf = (headers: Headers, body?: { return_to?: string }) =>
    safeReturnTo(isFragmentRequest(headers) ? headers['hx-current-url'] : body?.return_to);

  /** The answer after a change to one task: its new item (or its removal) with counts and a message. */
  async function changed(
    headers: Headers,
    body: TaskFormBody,
    task: Task | null,
    message: Flash,
    { status = 200, focus }: { status?: number; focus?: 'toggle' | 'edit' } = {},
  ) {
    const returnTo = returnToOf(headers, body);
    if (!isFragmentRequest(headers)) return redirect(returnTo, message);
    const view = viewOfReturnTo(returnTo);
    const shown = task !== null && viewShows(view, task);
    const item = shown ? renderItem({ task, returnTo, today: today(), focus }) : '';
    return fragment(text(item, await pageUpdates(view, message)), {
      status,
      // Say the swap every time: a task that no longer belongs in this view (completed under "Open",
      // deleted) leaves the list, and one that stays replaces its item even where the form asked for
      // "delete" (a delete refused because the task changed elsewhere).
      headers: { 'hx-reswap': shown ? 'outerHTML' : 'delete' },
    });
  }

  /** Runs a change; a stale version or a vanished task is answered here, the same way for every action. */
  async function guarded(headers: Headers, body: TaskFormBody, action: string, change: () => Promise<Response>) {
    try {
      return await change();
    } catch (error) {
      if (error instanceof VersionConflictError) {
        const text = `${quoted(error.current)} was changed elsewhere, so it was not ${action}. It now shows the latest version.`;
        return changed(headers, body, error.current, { kind: 'alert', text }, { status: 409, focus: 'toggle' });
      }
      if (error instanceof NotFoundError) {
        return changed(headers, body, null, { kind: 'alert', text: 'That task no longer exists.' }, { status: 404 });
      }
      throw error;
    }
  }

  /** Complete and Reopen: the same change but for the status it sets and the word it reports. */
  const changeStatus =
    (status: TaskStatus, done: 'completed' | 'reopened') =>
    ({ params, body, headers }: { params: { id: string }; body: TaskFormBody; headers: Headers }) =>
      guarded(headers, body, done, async () => {
        const task = await service.updateTask(Number(params.id), { status }, formVersion(body));
        const text = `${capitalise(done)} ${quoted(task)}`;
        return changed(headers, body, task, { kind: 'status', text }, { focus: 'toggle' });
      });

  return new Elysia({ name: 'task-pages' })
    .onBeforeHandle(({ request, headers }) => {
      if (request.method === 'POST' && !isSameOrigin(headers)) {
        throw new AppError(403, 'cross_site_form', 'Forms from other sites cannot change your tasks');
      }
    })
    .get(
      '/',
      async ({ query, headers, request }) => {
        let view = parseListView(query);
        const asFragment = isFragmentRequest(headers);
        const flash = asFragment ? null : readFlash(request);
        const stats = await service.listStats();
        const cacheKey = `${asFragment ? 'region' : 'page'}|${listViewUrl(view)}|${today()}|${stats.version}`;
        const acceptEncoding = headers['accept-encoding'];
        const cached = flash ? undefined : listPages.get(cacheKey);
        if (cached) return asFragment ? fragment(cached, { acceptEncoding }) : page(cached, { acceptEncoding });

        let alert: string | undefined;
        const state = await listState(view, stats).catch(async (error) => {
          if (!(error instanceof InvalidInputError) || !view.cursor) throw error;
          alert = 'That page link is no longer valid, so here is the first page.';
          view = { ...view, cursor: undefined };
          return listState(view, stats);
        });
        const markup = asFragment
          ? text(<TaskRegion {...state} />, <SearchStatus view={view} outOfBand />)
          : text(
              <TaskPage
                assets={assets}
                form={{ values: EMPTY_FORM, errors: {} }}
                flash={flash?.kind === 'status' ? flash.text : undefined}
                alert={alert ?? (flash?.kind === 'alert' ? flash.text : undefined)}
                {...state}
              />,
            );
        const body = readyBody(markup);
        // Only the page everyone gets is kept: not one showing this visitor's message.
        if (!flash && !alert) listPages.set(cacheKey, body);
        if (asFragment) return fragment(body, { acceptEncoding });
        return page(body, { acceptEncoding, headers: flash ? { 'set-cookie': flashCookie(null) } : {} });
      },
      { query: ViewQuery, detail: { hide: true } },
    )
    .get(
      '/tasks',
      async ({ query, headers }) => {
        const view = parseListView(query);
        if (!isFragmentRequest(headers)) return redirect(listViewUrl(view));
        const state = await listState(view);
        const returnTo = listViewUrl({ ...view, cursor: undefined });
        const items = state.items.map((task) => renderItem({ task, returnTo, today: state.today }));
        return fragment(
          text(...items, partial('#pager', 'outerHTML', <Pager view={view} nextCursor={state.nextCursor} />)),
        );
      },
      { query: ViewQuery, detail: { hide: true } },
    )
    .post(
      '/tasks',
      async ({ body, headers }) => {
        const form = readTaskForm(body);
        const returnTo = returnToOf(headers, body);
        let task: Task | undefined;
        if (!form.errors.priority)
          task = await service
            .createTask(form.input, requestKeyOf(headers))
            .then((created) => created.task)
            .catch((error) => void fieldErrorsOf(error, form.errors));
        if (!task) {
          if (isFragmentRequest(headers)) {
            return fragment(<NewTaskForm values={form.values} errors={form.errors} returnTo={returnTo} />, {
              status: 422,
              headers: { 'hx-retarget': '#new-task-form', 'hx-reswap': 'outerHTML' },
            });
          }
          const state = await listState(viewOfReturnTo(returnTo));
          return page(<TaskPage assets={assets} form={form} {...state} />, { status: 422 });
        }
        const message: Flash = { kind: 'status', text: `Added ${quoted(task)}` };
        if (!isFragmentRequest(headers)) return redirect(returnTo, message);
        const view = viewOfReturnTo(returnTo);
        const item = viewShows(view, task) ? renderItem({ task, returnTo, today: today() }) : '';
        const freshForm = partial(
          '#new-task-form',
          'outerHTML',
          <NewTaskForm values={EMPTY_FORM} errors={{}} returnTo={returnTo} focus />,
        );
        return fragment(text(item, await pageUpdates(view, message), freshForm), { status: 201 });
      },
      { body: TaskFormBody, detail: { hide: true } },
    )
    .get(
      '/tasks/:id',
      async ({ params, headers }) => {
        if (!isFragmentRequest(headers)) return redirect('/');
        const task = await service.getTask(Number(params.id));
        return fragment(renderItem({ task, returnTo: returnToOf(headers), today: today(), focus: 'edit' }));
      },
      { params: IdParams, detail: { hide: true } },
    )
    .get(
      '/tasks/:id/edit',
      async ({ params, headers, query }) => {
        const task = await service.getTask(Number(params.id));
        const returnTo = returnToOf(headers, query);
        const form = { task, values: formValuesOf(task), errors: {}, returnTo };
        if (isFragmentRequest(headers)) return fragment(<EditingItem {...form} />);
        return page(<EditPage assets={assets} {...form} />);
      },
      { params: IdParams, query: EditQuery, detail: { hide: true } },
    )
    .post(
      '/tasks/:id',
      async ({ params, body, headers }) => {
        const task = await service.getTask(Number(params.id));
        const form = readTaskForm(body);
        const returnTo = returnToOf(headers, body);
        const answer = async (errors: FieldErrors, conflict: Task | undefined, status: number) => {
          const props = { task: conflict ?? task, values: form.values, errors, conflict, returnTo };
          if (isFragmentRequest(headers)) return fragment(<EditingItem {...props} />, { status });
          return page(<EditPage assets={assets} {...props} />, { status });
        };
        if (form.errors.priority) return answer(form.errors, undefined, 422);
        try {
          const saved = await service.updateTask(task.id, form.input, formVersion(body));
          return changed(headers, body, saved, { kind: 'status', text: `Saved ${quoted(saved)}` }, { focus: 'edit' });
        } catch (error) {
          if (error instanceof VersionConflictError) return answer({}, error.current, 409);
          return answer(fieldErrorsOf(error, form.errors), undefined, 422);
        }
      },
      { params: IdParams, body: TaskFormBody, detail: { hide: true } },
    )
    .post('/tasks/:id/complete', changeStatus('done', 'completed'), {
      params: IdParams,
      body: TaskFormBody,
      detail: { hide: true },
    })
    .post('/tasks/:id/reopen', changeStatus('open', 'reopened'), {
      params: IdParams,
      body: TaskFormBody,
      detail: { hide: true },
    })
    .post(
      '/tasks/:id/delete',
      ({ params, body, headers }) =>
        guarded(headers, body, 'deleted', async () => {
          const task = await service.getTask(Number(params.id));
          await service.deleteTask(task.id, formVersion(body));
          return changed(headers, body, null, { kind: 'status', text: `Deleted ${quoted(task)}` });
        }),
      { params: IdParams, body: TaskFormBody, detail: { hide: true } },
    );
}

function EditingItem(props: {
  task: Task;
  values: TaskFormValues;
  errors: FieldErrors;
  conflict?: Task;
  returnTo: string;
}) {
  return (
    <li id={`task-${props.task.id}`} class="task editing">
      <EditTaskForm {...props} inline />
    </li>
  );
}
