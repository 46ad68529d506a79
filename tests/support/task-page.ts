import { expect } from 'bun:test';
import type { Locator, Page, Response } from 'playwright';
import type { LiveApi, TaskInput } from '../../harness/live-server';
import type { Task } from '../../src/tasks/model';
import type { BrowserSuite, PageOptions } from './browser';

/**
 * The task page as a user finds things on it: by role, label and accessible name (the contract
 * in issue 3), so the tests read like the steps a person takes and break when a name changes.
 */

export type StatusName = 'All' | 'Open' | 'Done';

export function taskPageOf(page: Page) {
  const newForm = page.locator('form#new-task-form');
  const list = page.getByRole('list', { name: 'Tasks', exact: true });
  const filters = page.getByRole('navigation', { name: 'Status filter' });
  const search = page.getByRole('search');
  const bulkForm = page.getByRole('form', { name: 'Selected tasks' });
  const flash = page.locator('#flash[role="status"]');

  return {
    page,
    heading: page.getByRole('heading', { level: 1 }),
    newForm,
    newTitle: newForm.getByLabel('New task', { exact: true }),
    newNotes: newForm.getByLabel('Notes', { exact: true }),
    newPriority: newForm.getByLabel('Priority', { exact: true }),
    newDueDate: newForm.getByLabel('Due date', { exact: true }),
    addButton: newForm.getByRole('button', { name: 'Add', exact: true }),
    list,
    /** The list's own items (an inline edit form is an item too). */
    items: page.locator('#task-items > li'),
    item: (id: number) => page.locator(`#task-${id}`),
    filter: (name: StatusName) => filters.getByRole('link', { name: new RegExp(`^${name}\\b`) }),
    searchBox: search.getByLabel('Search', { exact: true }),
    searchButton: search.getByRole('button', { name: 'Search', exact: true }),
    flash,
    /** The Undo the status message offers, if any. */
    undo: flash.getByRole('button', { name: 'Undo', exact: true }),
    /** A task's checkbox for the bulk actions, by the task's title. */
    select: (title: string) => page.getByRole('checkbox', { name: `Select “${title}”`, exact: true }),
    selectAll: bulkForm.getByRole('checkbox', { name: 'Select all', exact: true }),
    bulkForm,
    bulkButton: (name: 'Complete selected' | 'Delete selected' | 'Clear completed') =>
      bulkForm.getByRole('button', { name, exact: true }),
    alerts: page.locator('#alerts[role="alert"]'),
    pager: page.locator('nav#pager'),
    loadMore: page.locator('nav#pager').getByRole('link', { name: 'Load more' }),

    /** The status message as a user reads it: its text, then "Undo" when it offers one ('' for none). */
    async statusMessage(): Promise<string> {
      return readText(flash);
    },

    /** Titles in the order the list shows them. */
    async titles(): Promise<string[]> {
      return (await page.locator('#task-items > li .task-title').allTextContents()).map((title) => title.trim());
    },

    /** The counts the status filter shows, read from its link texts ("Open 3"). */
    async counts(): Promise<Record<StatusName, number>> {
      const counts = {} as Record<StatusName, number>;
      for (const name of ['All', 'Open', 'Done'] as const) {
        const text = (await filters.getByRole('link', { name: new RegExp(`^${name}\\b`) }).textContent()) ?? '';
        const match = /^\s*(All|Open|Done)\s+(\d+)\s*$/.exec(text);
        if (!match) throw new Error(`the ${name} filter reads "${text}", expected "${name} <count>"`);
        counts[name] = Number(match[2]);
      }
      return counts;
    },

    /** Which filter is marked aria-current="page". */
    async currentFilter(): Promise<string[]> {
      const current = filters.locator('a[aria-current="page"]');
      return (await current.allTextContents()).map((text) => text.trim().split(/\s+/)[0] ?? '');
    },

    /** Fills the new-task form the way a user does, opening the optional fields when needed. */
    async fillNewTask(input: TaskInput): Promise<void> {
      await this.newTitle.fill(input.title);
      if (input.notes === undefined && input.priority === undefined && !input.due_date) return;
      if (!(await this.newNotes.isVisible())) await newForm.locator('summary').click();
      if (input.notes !== undefined) await this.newNotes.fill(input.notes);
      if (input.priority !== undefined) await this.newPriority.selectOption(input.priority);
      if (input.due_date) await this.newDueDate.fill(input.due_date);
    },

    /** The buttons and link of one task, by their accessible names. */
    actionsOf(title: string, within: Locator | Page = page) {
      return {
        complete: within.getByRole('button', { name: `Complete ${title}`, exact: true }),
        reopen: within.getByRole('button', { name: `Reopen ${title}`, exact: true }),
        edit: within.getByRole('link', { name: `Edit ${title}`, exact: true }),
        delete: within.getByRole('button', { name: `Delete ${title}`, exact: true }),
      };
    },
  };
}

export type TaskPage = ReturnType<typeof taskPageOf>;

/** The text of a region as rendered, whitespace as one space: a message and its button read apart. */
export async function readText(region: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: as rendered; textContent runs "…”" and "Undo" together.
  return (await region.innerText()).replace(/\s+/g, ' ').trim();
}

/** The fields of an edit form (inline or on the edit page), by label. */
export function editFormOf(scope: Locator | Page) {
  const form = scope.locator('form:has(button:text-is("Save"))').first();
  return {
    form,
    title: form.getByLabel('Title', { exact: true }),
    notes: form.getByLabel('Notes', { exact: true }),
    priority: form.getByLabel('Priority', { exact: true }),
    dueDate: form.getByLabel('Due date', { exact: true }),
    save: form.getByRole('button', { name: 'Save', exact: true }),
    cancel: form.getByRole('link', { name: 'Cancel', exact: true }),
  };
}

/** A field's error message sits right by the field (within a couple of lines), where a user looks. */
export async function expectNextTo(message: Locator, field: Locator, within = 80): Promise<void> {
  const [a, b] = await Promise.all([message.boundingBox(), field.boundingBox()]);
  if (!a || !b) throw new Error('the message or the field is not rendered');
  const gap = Math.max(0, a.y - (b.y + b.height), b.y - (a.y + a.height));
  expect({ gap, near: gap <= within }).toEqual({ gap, near: true });
}

/** Retries an assertion until it passes (htmx swaps land a moment after the response). */
export async function eventually(assertion: () => unknown, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await Bun.sleep(25);
    }
  }
}

/** Runs an action and returns the first answer to a request matching method and path (with JS: an htmx call). */
export async function answerTo(
  page: Page,
  method: string,
  path: RegExp,
  action: () => Promise<unknown>,
): Promise<Response> {
  const answered = page.waitForResponse(
    (response) => response.request().method() === method && path.test(new URL(response.url()).pathname),
  );
  const [response] = await Promise.all([answered, action()]);
  return response;
}

export interface FormSubmission {
  /** The answer to the POST itself (303, or 422/409 with a re-rendered form). */
  status: number;
  /** Where it redirected to (the Location, as a path with query), or null. */
  location: string | null;
  /** The path and query of the page the browser shows afterwards. */
  landedOn: string;
}

/** Without JavaScript: submits a form by clicking, and waits for the page that follows. */
export async function submitForm(page: Page, click: () => Promise<unknown>): Promise<FormSubmission> {
  const posted = page.waitForResponse((response) => response.request().method() === 'POST');
  const loaded = page.waitForEvent('load');
  await click();
  const response = await posted;
  await loaded;
  const location = response.headers().location ?? null;
  const landed = new URL(page.url());
  return { status: response.status(), location, landedOn: `${landed.pathname}${landed.search}` };
}

/** Tasks stored for a filter, in the API's default (newest first) order, as titles. */
export async function storedTitles(api: LiveApi, query: Record<string, string> = {}): Promise<string[]> {
  return (await api.list(query)).map((task) => task.title);
}

/** The list on screen matches what the API stores for the same view, in the same order. */
export async function expectListMatchesStore(view: TaskPage, api: LiveApi, query: Record<string, string> = {}) {
  await eventually(async () => expect(await view.titles()).toEqual(await storedTitles(api, query)));
}

/** Expects the filter counts to equal what the API stores. */
export async function expectCountsMatchStore(view: TaskPage, api: LiveApi, q?: string) {
  const query: Record<string, string> = q ? { q } : {};
  const [open, done] = await Promise.all([
    api.list({ ...query, status: 'open' }),
    api.list({ ...query, status: 'done' }),
  ]);
  await eventually(async () =>
    expect(await view.counts()).toEqual({ All: open.length + done.length, Open: open.length, Done: done.length }),
  );
}

/** A calendar date `offset` days from today (UTC, as the server reckons "today"). */
export const dayFromToday = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** A small realistic list: open, done, overdue, with notes, priorities and due dates. */
export async function seedTasks(api: LiveApi): Promise<Task[]> {
  const inputs: (TaskInput & { done?: boolean })[] = [
    {
      title: 'Renew the TLS certificate',
      notes: 'The ALB listener uses it.',
      priority: 'high',
      due_date: dayFromToday(-3),
    },
    { title: 'Book the team offsite', notes: 'Twelve people, two days.', due_date: dayFromToday(20) },
    { title: 'Water the plants', priority: 'low', due_date: dayFromToday(-5), done: true },
    {
      title: 'Write release notes',
      notes: 'Mention keyset pagination.',
      priority: 'normal',
      due_date: dayFromToday(2),
    },
  ];
  const tasks: Task[] = [];
  for (const { done, ...input } of inputs) {
    const task = await api.create(input);
    tasks.push(done ? await api.update(task.id, { status: 'done' }) : task);
  }
  return tasks;
}

/** The title every XSS check stores and looks for as plain text. */
export const EVIL = '<img src=x onerror=alert(1)>';

/** Text a sloppy escape or decode would change, each with notes of its own kind. */
export const ODD_TEXTS = [
  { title: 'Tom &amp; Jerry &lt;3 &copy 2026', notes: 'Line one\nLine two &amp; three\n\n&nbsp;last' },
  { title: 'a &amp;amp; b', notes: '\nStarts with a line break' },
  { title: '<b>bold</b>', notes: '<i>not</i> markup</textarea>' },
  { title: `"quoted" 'single'`, notes: `"double" and 'single'\n` },
  { title: 'emoji 😀 and 𠀀', notes: '😀\n𠀀' },
  { title: 'tab\tinside', notes: 'tab\there' },
  { title: '%41 %zz', notes: '%0A %zz' },
  { title: 'back\\slash', notes: 'C:\\temp\\new' },
  { title: 'שלום', notes: 'שלום\nעולם' },
];

/** Opens a page of the task manager (200 expected) with its task-page view. */
export async function openTaskPage(suite: BrowserSuite, path = '/', options: PageOptions = {}) {
  const { page, recorder } = await suite.newPage(options);
  const response = await page.goto(suite.url(path));
  expect(response?.status()).toBe(200);
  return { page, recorder, view: taskPageOf(page) };
}

/** What has the keyboard focus, as `tag#id` (`body` when nothing does): what a screen reader is on. */
export async function focusedElement(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return 'body';
    return `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}`;
  });
}

/** Holds back every request of this method to matching paths by `ms`, as a slow network would. */
export async function addLatency(page: Page, method: string, path: RegExp, ms: number): Promise<void> {
  await page.route(
    (url) => path.test(url.pathname),
    async (route) => {
      if (route.request().method() === method) await Bun.sleep(ms);
      await route.continue();
    },
  );
}

/** Tasks as people write them: titles of varied length, some with notes, a few not of normal priority. */
export const EVERYDAY_TASKS: TaskInput[] = [
  { title: 'Renew the TLS certificate on the public load balancer', priority: 'high', due_date: dayFromToday(2) },
  { title: 'Book the team offsite', notes: 'Twelve people, two days, somewhere reachable by train.' },
  { title: 'Call the dentist to move Thursday’s appointment' },
  { title: 'Write the release notes for 2.4', notes: 'Mention keyset pagination and the new export.' },
  { title: 'Water the plants', priority: 'low' },
  { title: 'Review Sam’s pull request on the billing service', due_date: dayFromToday(1) },
  { title: 'Order a new laptop charger' },
  { title: 'Plan the database failover drill', notes: 'Runbook first, then a dry run on staging.' },
];
