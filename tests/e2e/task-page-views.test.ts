import { beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright';
import { createLiveApi, type LiveApi, signUpLive } from '../../harness/live-server';
import { addDays, todayIn } from '../../src/lib/calendar-date';
import {
  axeViolations,
  expectCleanPage,
  noFullNavigation,
  type PageOptions,
  useBrowserSuite,
} from '../support/browser';
import { addLatency, eventually, focusedElement, openTaskPage, submitForm, taskPageOf } from '../support/task-page';

/**
 * Issue 13's views and dates, in a browser with and without JavaScript: Overdue, Today and This
 * week; the order and the priority filter; "today" and dates as the person's time zone and locale
 * have them; quick add's words with their preview; priority and due date kept between adds.
 */

setDefaultTimeout(30_000);
const suite = useBrowserSuite();
beforeEach(() => suite.api.removeAll());

type DueName = 'Overdue' | 'Today' | 'This week';

/** The parts of the page these features add, found as a person finds them: by role and label. */
function viewsOf(page: Page) {
  const dueFilter = page.getByRole('navigation', { name: 'Due filter' });
  const search = page.getByRole('search');
  return {
    ...taskPageOf(page),
    dueLink: (name: DueName) => dueFilter.getByRole('link', { name: new RegExp(`^${name} \\d`) }),
    sort: search.getByLabel('Sort by', { exact: true }),
    priority: search.getByLabel('Show', { exact: true }),
    listHeading: page.locator('#task-list-heading'),
    preview: page.locator('#new-title-hint'),
    /** The due links' counts, from their texts ("Today 2"). */
    async dueCounts(): Promise<Record<DueName, number>> {
      const texts = await dueFilter.getByRole('link').allTextContents();
      return Object.fromEntries(
        texts.map((text) => {
          const [, name, count] = /^\s*(.+?)\s+(\d+)\s*$/.exec(text) ?? [];
          return [name, Number(count)];
        }),
      ) as Record<DueName, number>;
    },
    /** Which view link (status or due) is marked as the current page. */
    async current(): Promise<string[]> {
      const marked = page.locator('nav.filters a[aria-current="page"]');
      return (await marked.allTextContents()).map((text) => text.trim().replace(/\s+\d+$/, ''));
    },
  };
}

const openPage = async (path = '/', options: PageOptions = {}) => {
  const opened = await openTaskPage(suite, path, options);
  return { ...opened, view: viewsOf(opened.page) };
};
const openScriptless = (path = '/', options: PageOptions = {}) =>
  openPage(path, { ...options, javaScriptEnabled: false });

/** A date as the page writes it for this locale (components/calendar-dates.tsx: near, without the year). */
const writtenNear = (date: string, locale: string) =>
  new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );

/** The titles marked overdue in the list. */
const overdueTitles = async (page: Page) =>
  (await page.locator('#task-items > li.overdue .task-title').allTextContents()).map((title) => title.trim());

/** What is overdue in a zone other than UTC: UTC's today when the zone is ahead of it, nothing when behind. */
const overdueIn = (zone: string) => (todayIn(zone) > todayIn('UTC') ? ['Due in UTC today'] : []);

/** A time zone whose date is not UTC's right now (of these two, 25 hours apart, one always differs). */
function zoneOtherThanUtc(): string {
  const zone = ['Pacific/Kiritimati', 'Pacific/Pago_Pago'].find((candidate) => todayIn(candidate) !== todayIn('UTC'));
  if (!zone) throw new Error('no zone differs from UTC today');
  return zone;
}

/** Open tasks due around today (UTC), and one done and one undated. */
async function seedDueTasks(api: LiveApi, today = todayIn('UTC')) {
  for (const input of [
    { title: 'Pay the rent', due_date: addDays(today, -2), priority: 'high' },
    { title: 'Call the bank', due_date: today },
    { title: 'Renew the passport', due_date: addDays(today, 3), priority: 'low' },
    { title: 'Book the flights', due_date: addDays(today, 6), priority: 'high' },
    { title: 'Plan the summer', due_date: addDays(today, 20) },
    { title: 'Someday, maybe' },
  ] as const)
    await api.create(input);
  const filed = await api.create({ title: 'File the report', due_date: addDays(today, -1) });
  await api.update(filed.id, { status: 'done' });
}

/** A new account with a browser page of its own (a time zone or locale of its own does not leak into other tests). */
async function ownAccount() {
  const account = await signUpLive(suite.origin);
  return { account, api: createLiveApi(suite.origin, account) };
}

describe('with JavaScript', () => {
  test('Overdue, Today and This week: counted, the list swaps in place, the URL follows, Back/Forward agree; axe clean', async () => {
    await seedDueTasks(suite.api);
    const { page, recorder, view } = await openPage();
    expect(await view.dueCounts()).toEqual({ Overdue: 1, Today: 1, 'This week': 3 });

    await noFullNavigation(page, async () => {
      await view.dueLink('Overdue').click();
      await page.waitForURL(/\/\?due=overdue$/);
      await eventually(async () => expect(await view.titles()).toEqual(['Pay the rent']));
      expect(await view.current()).toEqual(['Overdue']);
      expect(await view.listHeading.textContent()).toBe('Overdue tasks');
      expect(await axeViolations(page)).toEqual([]);

      await view.dueLink('This week').click();
      await page.waitForURL(/\/\?due=week$/);
      // Soonest first: a due view's own order, which the sort control shows.
      await eventually(async () =>
        expect(await view.titles()).toEqual(['Call the bank', 'Renew the passport', 'Book the flights']),
      );
      expect(await view.sort.inputValue()).toBe('due');
      expect(await view.current()).toEqual(['This week']);
      expect(await focusedElement(page)).toBe('ul#task-items');
      expect(await axeViolations(page)).toEqual([]);
    });

    await page.goBack();
    await page.waitForURL(/\/\?due=overdue$/);
    await eventually(async () => expect(await view.titles()).toEqual(['Pay the rent']));
    expect(await view.current()).toEqual(['Overdue']);
    await page.goBack();
    await page.waitForURL((url) => url.search === '');
    await eventually(async () => expect(await view.current()).toEqual(['All']));
    expect(await view.sort.inputValue()).toBe('created');
    await page.goForward();
    await page.waitForURL(/\/\?due=overdue$/);
    await eventually(async () => expect(await view.titles()).toEqual(['Pay the rent']));
    expectCleanPage(recorder);
  });

  test('sort and priority: a choice swaps the list, the URL keeps it with the search and view, Back restores it; axe clean', async () => {
    await seedDueTasks(suite.api);
    const { page, recorder, view } = await openPage();

    await noFullNavigation(page, async () => {
      await view.sort.focus();
      await view.sort.selectOption('priority');
      await page.waitForURL(/\/\?sort=priority$/);
      await eventually(async () =>
        expect((await view.titles()).slice(0, 2)).toEqual(['Book the flights', 'Pay the rent']),
      );
      // The select keeps the focus: the answer replaces the list, not the form.
      expect(await focusedElement(page)).toBe('select#list-sort');

      await view.priority.selectOption('high');
      await page.waitForURL(/\/\?priority=high&sort=priority$/);
      await eventually(async () => expect(await view.titles()).toEqual(['Book the flights', 'Pay the rent']));
      expect(await view.counts()).toEqual({ All: 2, Open: 2, Done: 0 });
      expect(await axeViolations(page)).toEqual([]);

      await view.searchBox.fill('flights');
      await page.waitForURL(/\/\?q=flights&priority=high&sort=priority$/);
      await eventually(async () => expect(await view.titles()).toEqual(['Book the flights']));

      // A view link keeps the search and the priority; a due view has its own order.
      await view.dueLink('This week').click();
      await page.waitForURL(/\/\?due=week&q=flights&priority=high$/);
      await eventually(async () => expect(await view.titles()).toEqual(['Book the flights']));
      expect([await view.sort.inputValue(), await view.sort.isDisabled()]).toEqual(['due', true]);
      await view.dueLink('Overdue').click();
      await page.waitForURL(/\/\?due=overdue&q=flights&priority=high$/);
      await eventually(async () => expect(await page.getByText('No tasks match.').isVisible()).toBe(true));
    });

    await page.goBack();
    await page.waitForURL(/\/\?due=week&q=flights&priority=high$/);
    await eventually(async () => expect(await view.titles()).toEqual(['Book the flights']));
    await page.goBack();
    await page.waitForURL(/\/\?q=flights&priority=high&sort=priority$/);
    await eventually(async () => expect(await view.titles()).toEqual(['Book the flights']));
    await eventually(async () => expect(await view.sort.isDisabled()).toBe(false));
    expect(await view.sort.inputValue()).toBe('priority');
    await page.goBack();
    await page.waitForURL(/\/\?priority=high&sort=priority$/);
    await eventually(async () => expect(await view.titles()).toEqual(['Book the flights', 'Pay the rent']));
    expect([await view.sort.inputValue(), await view.priority.inputValue()]).toEqual(['priority', 'high']);
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('"Today" is the browser\'s: in a time zone whose date is not UTC\'s, its own today is due today', async () => {
    const { account, api } = await ownAccount();
    const zone = zoneOtherThanUtc();
    await api.create({ title: 'Due in UTC today', due_date: todayIn('UTC') });
    await api.create({ title: 'Due in my today', due_date: todayIn(zone) });
    const { page, recorder, view } = await openPage('/', { account, timezoneId: zone });
    // The page reports where the browser is, and shows the list again as of there.
    const reported = () => page.locator('nav.account-nav').getAttribute('data-region-time-zone');
    await eventually(async () => expect(await reported()).toBe(zone), 10_000);
    expect(await view.dueCounts()).toMatchObject({ Today: 1 });
    expect(await overdueTitles(page)).toEqual(overdueIn(zone));
    await view.dueLink('Today').click();
    await page.waitForURL(/\/\?due=today$/);
    await eventually(async () => expect(await view.titles()).toEqual(['Due in my today']));
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test("dates read the person's way: a German browser sees German dates, each a <time> with its ISO date", async () => {
    const { account, api } = await ownAccount();
    const due = addDays(todayIn('UTC'), 2);
    const task = await api.create({ title: 'Steuererklärung abgeben', due_date: due });
    const { page, recorder, view } = await openPage('/', { account, locale: 'de-DE' });
    const date = view.item(task.id).locator('time');
    await eventually(async () => expect(await date.textContent()).toBe(writtenNear(due, 'de-DE')), 10_000);
    expect(await date.getAttribute('datetime')).toBe(due);
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('quick add: the preview says what the words will set as they are typed, never touching the title; the add sets it', async () => {
    const { page, recorder, view } = await openPage();
    await addLatency(page, 'GET', /^\/tasks\/preview$/, 150);
    const title = await view.newTitle.elementHandle();
    await view.newTitle.focus();
    await page.keyboard.type('Call the bank tomorrow !high', { delay: 30 });
    const tomorrow = addDays(todayIn('UTC'), 1);
    const expected = `Will set: due ${writtenNear(tomorrow, 'en-GB')} · priority high`;
    await eventually(async () => expect((await view.preview.textContent())?.trim()).toBe(expected));
    // Still the same field, with every keystroke and the focus: previews land beside it.
    expect(await title?.evaluate((field) => field === document.getElementById('new-title'))).toBe(true);
    expect(await view.newTitle.inputValue()).toBe('Call the bank tomorrow !high');
    expect(await focusedElement(page)).toBe('input#new-title');
    expect(await axeViolations(page)).toEqual([]);

    await page.keyboard.press('Enter');
    await eventually(async () => expect(await view.titles()).toEqual(['Call the bank']));
    const [stored] = await suite.api.list();
    expect(stored).toMatchObject({ title: 'Call the bank', priority: 'high', due_date: tomorrow });
    await eventually(async () =>
      expect((await view.flash.textContent())?.trim()).toBe(
        `Added “Call the bank”: due ${writtenNear(tomorrow, 'en-GB')} · priority high`,
      ),
    );
    // The title is empty again, and so is what it will set.
    await eventually(async () => expect((await view.preview.textContent())?.trim()).toBe(''));

    // A word in quotes stays a word.
    await page.keyboard.type('Watch "Today" tonight');
    await Bun.sleep(600);
    expect((await view.preview.textContent())?.trim()).toBe('');
    await page.keyboard.press('Enter');
    await eventually(async () => expect(await view.titles()).toEqual(['Watch "Today" tonight', 'Call the bank']));
    expect((await suite.api.list())[0]).toMatchObject({ title: 'Watch "Today" tonight', due_date: null });
    expectCleanPage(recorder);
  });

  test('a title too long to add asks for no preview: no error shows while it is typed', async () => {
    const { page, recorder, view } = await openPage();
    const previews: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/tasks/preview') previews.push(request.url());
    });
    await view.newTitle.fill(`${'Ж'.repeat(700)} !high`);
    await Bun.sleep(600);
    expect({ previews, alert: (await view.alerts.textContent())?.trim() }).toEqual({ previews: [], alert: '' });
    await view.newTitle.fill('Short again !high');
    await eventually(async () => expect((await view.preview.textContent())?.trim()).toBe('Will set: priority high'));
    expectCleanPage(recorder);
  });

  test('priority and due date stay as chosen from one add to the next, until changed', async () => {
    const { recorder, view } = await openPage();
    const due = addDays(todayIn('UTC'), 5);
    await view.fillNewTask({ title: 'Pack the tent', priority: 'high', due_date: due });
    await view.newTitle.press('Enter');
    await eventually(async () => expect(await view.titles()).toEqual(['Pack the tent']));
    await eventually(async () => expect(await view.newTitle.inputValue()).toBe(''));
    expect([await view.newPriority.inputValue(), await view.newDueDate.inputValue()]).toEqual(['high', due]);

    await view.newTitle.fill('Pack the stove');
    await view.newTitle.press('Enter');
    await eventually(async () => expect(await view.titles()).toEqual(['Pack the stove', 'Pack the tent']));
    await view.newPriority.selectOption('low');
    await view.newTitle.fill('Buy matches');
    await view.newTitle.press('Enter');
    await eventually(async () => expect(await view.items.count()).toBe(3));
    const stored = (await suite.api.list()).map(({ title, priority, due_date }) => [title, priority, due_date]);
    expect(stored).toEqual([
      ['Buy matches', 'low', due],
      ['Pack the stove', 'high', due],
      ['Pack the tent', 'high', due],
    ]);
    expectCleanPage(recorder);
  });
});

describe('without JavaScript', () => {
  test('due views are plain links, order and priority a GET form with the search; the view is marked; axe clean on each', async () => {
    await seedDueTasks(suite.api);
    const { page, recorder, view } = await openScriptless();
    expect(await view.dueCounts()).toEqual({ Overdue: 1, Today: 1, 'This week': 3 });

    await Promise.all([page.waitForURL(/\/\?due=week$/), view.dueLink('This week').click()]);
    expect(await view.titles()).toEqual(['Call the bank', 'Renew the passport', 'Book the flights']);
    expect(await view.current()).toEqual(['This week']);
    expect(await view.sort.inputValue()).toBe('due');
    const weekPage = await page.content();

    // A due view's order is its own: the form offers the priority and the search.
    expect(await view.sort.isDisabled()).toBe(true);
    await view.priority.selectOption('high');
    await view.searchBox.fill('the');
    await Promise.all([page.waitForEvent('load'), view.searchButton.click()]);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toMatchObject({ due: 'week', priority: 'high' });
    expect(await view.titles()).toEqual(['Book the flights']);
    expect(await view.current()).toEqual(['This week']);

    // The links keep what the form chose; on Open the order is for choosing.
    await Promise.all([page.waitForURL(/\/\?status=open&q=the&priority=high$/), view.filter('Open').click()]);
    await view.sort.selectOption('due');
    await Promise.all([page.waitForEvent('load'), view.searchButton.click()]);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toMatchObject({
      status: 'open',
      q: 'the',
      sort: 'due',
      priority: 'high',
    });
    expect(await view.titles()).toEqual(['Pay the rent', 'Book the flights']);
    expect([await view.sort.inputValue(), await view.priority.inputValue()]).toEqual(['due', 'high']);
    expectCleanPage(recorder);

    for (const html of [weekPage, await page.content()]) expect(await axeOfMarkup(html)).toEqual([]);
  });

  test('"Today" follows the time zone chosen in the settings', async () => {
    const { account, api } = await ownAccount();
    const zone = zoneOtherThanUtc();
    await api.create({ title: 'Due in UTC today', due_date: todayIn('UTC') });
    await api.create({ title: 'Due in my today', due_date: todayIn(zone) });
    const { page, recorder, view } = await openScriptless('/?due=today', { account });
    expect(await view.titles()).toEqual(['Due in UTC today']);

    await page.goto(suite.url('/settings'));
    await page.getByLabel('Time zone', { exact: true }).selectOption(zone);
    await submitForm(page, () => page.getByRole('button', { name: 'Save time zone and date format' }).click());
    await page.goto(suite.url('/?due=today'));
    expect(await view.titles()).toEqual(['Due in my today']);
    expect(await view.dueCounts()).toMatchObject({ Today: 1 });
    await page.goto(suite.url('/'));
    expect(await overdueTitles(page)).toEqual(overdueIn(zone));
    expectCleanPage(recorder);
  });

  test('quick add without JavaScript: the words set due date and priority, and the message says so', async () => {
    const { page, recorder, view } = await openScriptless();
    await view.fillNewTask({ title: 'Call the bank tomorrow !high' });
    const sent = await submitForm(page, () => view.addButton.click());
    expect(sent.status).toBe(303);
    const tomorrow = addDays(todayIn('UTC'), 1);
    expect((await view.flash.textContent())?.trim()).toBe(
      `Added “Call the bank”: due ${writtenNear(tomorrow, 'en-GB')} · priority high`,
    );
    expect(await view.titles()).toEqual(['Call the bank']);
    expect((await suite.api.list())[0]).toMatchObject({ title: 'Call the bank', priority: 'high', due_date: tomorrow });
    expectCleanPage(recorder);
  });

  test('priority and due date stay as chosen from one add to the next, through the redirect', async () => {
    const { page, recorder, view } = await openScriptless();
    const due = addDays(todayIn('UTC'), 5);
    await view.fillNewTask({ title: 'Pack the tent', priority: 'high', due_date: due });
    await submitForm(page, () => view.addButton.click());
    expect(await view.newTitle.inputValue()).toBe('');
    expect([await view.newPriority.inputValue(), await view.newDueDate.inputValue()]).toEqual(['high', due]);
    expect(await view.newPriority.isVisible()).toBe(true);

    await view.newTitle.fill('Pack the stove');
    await submitForm(page, () => view.addButton.click());
    const stored = (await suite.api.list()).map(({ title, priority, due_date }) => [title, priority, due_date]);
    expect(stored).toEqual([
      ['Pack the stove', 'high', due],
      ['Pack the tent', 'high', due],
    ]);
    expect(await axeOfMarkup(await page.content())).toEqual([]);
    expectCleanPage(recorder);
  });
});

/** axe needs JavaScript: a page without it is audited as its markup, served to a page with it. */
async function axeOfMarkup(html: string) {
  const { page, recorder } = await suite.newPage();
  const url = suite.url('/__markup-under-audit');
  await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  await page.goto(url);
  const violations = await axeViolations(page);
  expectCleanPage(recorder);
  await page.close();
  return violations;
}
