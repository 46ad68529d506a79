import { beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright';
import {
  axeViolations,
  expectCleanPage,
  horizontalOverflow,
  type PageOptions,
  useBrowserSuite,
} from '../support/browser';
import {
  addLatency,
  EVERYDAY_TASKS,
  editFormOf,
  eventually,
  focusedElement,
  openTaskPage,
  storedTitles,
  submitForm,
} from '../support/task-page';

/**
 * What a user meets in the first minute on the task page (issue 13): typing the next task while
 * the last one is being added, one message at a time, where the keyboard focus lands, landing
 * back where one was without JavaScript, right-to-left text, long notes and a phone's first screen.
 */

setDefaultTimeout(30_000);
const suite = useBrowserSuite();
beforeEach(() => suite.api.removeAll());

const openPage = (path = '/', options: PageOptions = {}) => openTaskPage(suite, path, options);
const openScriptless = (path = '/', options: PageOptions = {}) =>
  openTaskPage(suite, path, { ...options, javaScriptEnabled: false });

/** Creates tasks oldest first, so the list (newest first) shows them in the order given. */
async function createListed(titles: string[]) {
  const tasks = [];
  for (const title of [...titles].reverse()) tasks.unshift(await suite.api.create({ title }));
  return tasks;
}

const LONG_NOTES =
  'Check the listener on both load balancers, then the certificate chain the clients see. ' +
  'The internal one still serves the old intermediate, so renew it there first and wait for the health checks. ' +
  'After that, rotate the public one in the quiet hour, and tell the support team which fingerprint to expect. ' +
  'The last step is the calendar reminder for next year, three weeks ahead this time.';

describe('with JavaScript', () => {
  test('typing the next title while an add is on its way keeps every keystroke (no latency, 100 ms)', async () => {
    for (const latency of [0, 100]) {
      await suite.api.removeAll();
      const { page, recorder, view } = await openPage();
      if (latency) await addLatency(page, 'POST', /^\/tasks$/, latency);
      await view.newTitle.focus();
      await page.keyboard.type('Quick B');
      await page.keyboard.press('Enter');
      await page.keyboard.type('Typed ahead…'); // at once, while the add is on its way
      await eventually(async () => expect(await view.titles()).toEqual(['Quick B']));
      await Bun.sleep(latency + 100); // whatever else the answer swaps has landed
      expect({ latency, typed: await view.newTitle.inputValue() }).toEqual({ latency, typed: 'Typed ahead…' });
      expect(await focusedElement(page)).toBe('input#new-title');

      await page.keyboard.press('Enter');
      await eventually(async () => expect(await view.titles()).toEqual(['Typed ahead…', 'Quick B']));
      await eventually(async () => expect(await view.newTitle.inputValue()).toBe(''));
      expect(await storedTitles(suite.api)).toEqual(['Typed ahead…', 'Quick B']);
      expectCleanPage(recorder);
      await page.close();
    }
  });

  test('typing while a refused add is on its way keeps the new text, and the error shows by the field', async () => {
    const { page, recorder, view } = await openPage();
    await addLatency(page, 'POST', /^\/tasks$/, 100);
    await view.newTitle.focus();
    await page.keyboard.press('Enter'); // an empty title: refused
    await page.keyboard.type('Call the bank');
    await eventually(async () => expect(await view.newForm.getByText('Must not be empty').isVisible()).toBe(true));
    await Bun.sleep(200);
    expect(await view.newTitle.inputValue()).toBe('Call the bank');
    expect(await focusedElement(page)).toBe('input#new-title');
    expect(await axeViolations(page)).toEqual([]);

    await page.keyboard.press('Enter');
    await eventually(async () => expect(await view.titles()).toEqual(['Call the bank']));
    await eventually(async () => expect(await view.newForm.getByText('Must not be empty').count()).toBe(0));
    expect(await view.newTitle.getAttribute('aria-invalid')).toBeNull();
    expectCleanPage(recorder);
  });

  test('one message at a time: a refused add or a failed request replaces "Added …"', async () => {
    const { page, recorder, view } = await openPage();
    const messages = async () => ({
      status: ((await view.flash.textContent()) ?? '').trim(),
      alert: ((await view.alerts.textContent()) ?? '').trim(),
    });
    await view.fillNewTask({ title: 'Buy milk' });
    await view.addButton.click();
    await eventually(async () => expect(await messages()).toEqual({ status: 'Added “Buy milk”', alert: '' }));

    await view.newTitle.fill('');
    await view.addButton.click();
    await eventually(async () => expect(await view.newForm.getByText('Must not be empty').isVisible()).toBe(true));
    await eventually(async () => expect(await messages()).toEqual({ status: '', alert: '' }));

    await view.fillNewTask({ title: 'Call the bank' });
    await view.addButton.click();
    await eventually(async () => expect(await messages()).toEqual({ status: 'Added “Call the bank”', alert: '' }));
    expect(await view.newForm.getByText('Must not be empty').count()).toBe(0);

    await page.route('**/complete', (route) => route.fulfill({ status: 503, body: 'busy' }));
    await view.actionsOf('Call the bank').complete.click();
    await eventually(async () => expect((await messages()).alert).toContain('busy right now'));
    expect((await messages()).status).toBe('');
    expectCleanPage(recorder, [/^503 POST .*\/complete$/, /status of 503/]);
  });

  test('after a delete the focus goes to the next item, else the one before, else the list heading', async () => {
    const [first, second, third] = await createListed(['First', 'Second', 'Third']);
    if (!first || !second || !third) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();

    await view.actionsOf('Second').delete.click();
    await eventually(async () => expect(await view.titles()).toEqual(['First', 'Third']));
    await eventually(async () => expect(await focusedElement(page)).toBe(`li#task-${third.id}`));

    await view.actionsOf('Third').delete.click();
    await eventually(async () => expect(await view.titles()).toEqual(['First']));
    await eventually(async () => expect(await focusedElement(page)).toBe(`li#task-${first.id}`));

    await view.actionsOf('First').delete.click();
    await eventually(async () => expect(await view.titles()).toEqual([]));
    await eventually(async () => expect(await focusedElement(page)).toBe('h2#task-list-heading'));
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('focus after a filter goes to the list, after a completion under "Open" to the next item', async () => {
    const [, offsite, plants] = await createListed(['Renew the certificate', 'Book the offsite', 'Water the plants']);
    if (!offsite || !plants) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();

    await view.filter('Open').click();
    await page.waitForURL(/status=open/);
    await eventually(async () => expect(await focusedElement(page)).toBe('ul#task-items'));
    expect(await axeViolations(page)).toEqual([]);

    await view.actionsOf('Book the offsite').complete.click();
    await eventually(async () => expect(await view.titles()).not.toContain('Book the offsite'));
    await eventually(async () => expect(await focusedElement(page)).toBe(`li#task-${plants.id}`));
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('after Load more the focus goes to the first new item', async () => {
    for (let n = 1; n <= 53; n++) await suite.api.create({ title: `Task ${String(n).padStart(2, '0')}` });
    const stored = await suite.api.list();
    const { page, recorder, view } = await openPage();
    await view.loadMore.click();
    await eventually(async () => expect(await view.items.count()).toBe(53));
    await eventually(async () => expect(await focusedElement(page)).toBe(`li#task-${stored[50]?.id}`));
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('right-to-left titles and notes read right to left, in the list and in the edit form', async () => {
    const hebrew = await suite.api.create({ title: 'לקנות חלב', notes: 'שניים, דל שומן' });
    const english = await suite.api.create({ title: 'Buy bread', notes: 'Wholemeal' });
    const { page, recorder, view } = await openPage();
    const direction = (selector: string) =>
      page.locator(selector).evaluate((element) => getComputedStyle(element).direction);
    expect(await direction(`#task-${hebrew.id} .task-title`)).toBe('rtl');
    expect(await direction(`#task-${hebrew.id} .task-notes`)).toBe('rtl');
    expect(await direction(`#task-${english.id} .task-title`)).toBe('ltr');

    await view.actionsOf(hebrew.title).edit.click();
    const edit = editFormOf(view.item(hebrew.id));
    await edit.title.waitFor();
    expect(await edit.title.evaluate((element) => getComputedStyle(element).direction)).toBe('rtl');
    expect(await edit.notes.evaluate((element) => getComputedStyle(element).direction)).toBe('rtl');
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('long notes show their start, and the item expands to show all of them', async () => {
    const task = await suite.api.create({ title: 'Renew the TLS certificate', notes: LONG_NOTES });
    const { page, recorder, view } = await expandsLongNotes(openPage, task.id);
    expect(await axeViolations(page)).toEqual([]);
    void view;
    expectCleanPage(recorder);
  });

  test('on a phone (390 × 844) at least five tasks fit the first screen; normal priority carries no badge', async () => {
    for (const input of [...EVERYDAY_TASKS].reverse()) await suite.api.create(input);
    const { page, recorder, view } = await openPage('/', { viewport: { width: 390, height: 844 }, isMobile: true });
    const bottoms = await view.items.evaluateAll((items) => items.map((item) => item.getBoundingClientRect().bottom));
    const aboveTheFold = bottoms.filter((bottom) => bottom <= 844).length;
    expect({ aboveTheFold, atLeastFive: aboveTheFold >= 5 }).toEqual({ aboveTheFold, atLeastFive: true });
    expect(await page.getByText('Normal priority').count()).toBe(0);
    expect(await page.getByText('High priority').count()).toBe(1);
    expect(await page.getByText('Low priority').count()).toBe(1);
    expect(await horizontalOverflow(page)).toEqual({ scrollWidth: 390, widest: [] });
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });
});

describe('without JavaScript', () => {
  /** The page scrolled down to this item: it is on screen, not at the top of a long page. */
  async function expectScrolledTo(page: Page, id: number) {
    const place = await page.locator(`#task-${id}`).evaluate((item) => {
      const top = Math.round(item.getBoundingClientRect().top);
      return { scrolled: window.scrollY > 0, onScreen: top >= 0 && top < window.innerHeight };
    });
    expect(place).toEqual({ scrolled: true, onScreen: true });
  }

  test('complete, delete and save land back at the item, or at its neighbour once it has left the list', async () => {
    const titles = Array.from({ length: 30 }, (_, n) => `Task ${String(n + 1).padStart(2, '0')}`);
    const tasks = await createListed(titles);
    const at = (n: number) => tasks[n - 1]?.id ?? 0;
    const { page, recorder, view } = await openScriptless('/', { viewport: { width: 800, height: 600 } });

    const completed = await submitForm(page, () => view.actionsOf('Task 20').complete.click());
    expect(completed.location).toBe(`/#task-${at(20)}`);
    await expectScrolledTo(page, at(20));

    const deleted = await submitForm(page, () => view.actionsOf('Task 21').delete.click());
    expect(deleted.location).toBe(`/#task-${at(22)}`);
    await expectScrolledTo(page, at(22));

    await page.goto(suite.url('/?status=open'));
    const left = await submitForm(page, () => view.actionsOf('Task 25').complete.click());
    expect(left.location).toBe(`/?status=open#task-${at(26)}`);
    await expectScrolledTo(page, at(26));

    const last = await submitForm(page, () => view.actionsOf('Task 30').delete.click());
    expect(last.location).toBe(`/?status=open#task-${at(29)}`);
    await expectScrolledTo(page, at(29));

    await Promise.all([page.waitForURL(/\/edit/), view.actionsOf('Task 28').edit.click()]);
    await editFormOf(page).title.fill('Task 28, renamed');
    const saved = await submitForm(page, () => editFormOf(page).save.click());
    expect(saved.location).toBe(`/?status=open#task-${at(28)}`);
    await expectScrolledTo(page, at(28));
    expectCleanPage(recorder);
  });

  test('after an add the title field has the focus again, ready for the next task', async () => {
    const { page, recorder, view } = await openScriptless();
    expect(await focusedElement(page)).toBe('body');
    await view.fillNewTask({ title: 'Buy milk' });
    await submitForm(page, () => view.addButton.click());
    expect(await view.titles()).toEqual(['Buy milk']);
    expect(await focusedElement(page)).toBe('input#new-title');
    await page.keyboard.type('Call the bank');
    await submitForm(page, () => page.keyboard.press('Enter'));
    expect(await view.titles()).toEqual(['Call the bank', 'Buy milk']);
    expectCleanPage(recorder);
  });

  test('long notes expand without JavaScript too', async () => {
    const task = await suite.api.create({ title: 'Renew the TLS certificate', notes: LONG_NOTES });
    const { recorder } = await expandsLongNotes(openScriptless, task.id);
    expectCleanPage(recorder);
  });
});

/** The item shows the start of its long notes in two lines or so; a click on them shows them all. */
async function expandsLongNotes(open: typeof openPage, id: number) {
  const opened = await open('/', { viewport: { width: 390, height: 844 } });
  const item = opened.view.item(id);
  const toggle = item.locator('details summary');
  expect(await toggle.count()).toBe(1);
  const full = item.locator('.task-notes');
  expect(await full.isVisible()).toBe(false);
  const collapsed = (await item.boundingBox())?.height ?? 0;

  await toggle.click();
  expect(await full.isVisible()).toBe(true);
  expect(((await full.textContent()) ?? '').replace(/\s+/g, ' ').trim()).toBe(LONG_NOTES);
  expect((await item.boundingBox())?.height ?? 0).toBeGreaterThan(collapsed + 60);
  await toggle.click();
  expect(await full.isVisible()).toBe(false);
  return opened;
}
