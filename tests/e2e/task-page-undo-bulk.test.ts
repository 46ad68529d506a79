import { beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright';
import {
  axeViolations,
  expectCleanPage,
  noFullNavigation,
  type PageOptions,
  useBrowserSuite,
} from '../support/browser';
import {
  eventually,
  expectCountsMatchStore,
  expectListMatchesStore,
  focusedElement,
  openTaskPage,
  readText,
  storedTitles,
  submitForm,
} from '../support/task-page';

/**
 * Undo and the bulk actions on the task page (issue 13), as a user meets them with JavaScript (htmx,
 * no page loads) and without (plain forms, 303 back): Undo after a delete and after a completion,
 * ticking tasks and acting on them together, "Clear completed", and the refusals in words.
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

/** The accessible name of what has the focus (a button's text). */
const focusedName = (page: Page) =>
  page.evaluate(() => (document.activeElement?.textContent ?? '').replace(/\s+/g, ' ').trim());

describe('with JavaScript', () => {
  test('delete, then Undo: the task is back where it was, with the focus; counts and message follow', async () => {
    const [, second] = await createListed(['First', 'Second', 'Third']);
    if (!second) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();

    await noFullNavigation(page, async () => {
      await view.actionsOf('Second').delete.click();
      await eventually(async () => expect(await view.titles()).toEqual(['First', 'Third']));
      await eventually(async () => expect(await readText(view.flash)).toBe('Deleted “Second” Undo'));
      expect(await axeViolations(page)).toEqual([]);

      await view.undo.click();
      await eventually(async () => expect(await view.titles()).toEqual(['First', 'Second', 'Third']));
      await eventually(async () => expect(await focusedElement(page)).toBe(`li#task-${second.id}`));
      await eventually(async () => expect(await readText(view.flash)).toBe('Restored “Second”'));
    });
    expect(await view.undo.count()).toBe(0);
    expect(await readText(view.alerts)).toBe('');
    await expectListMatchesStore(view, suite.api);
    await expectCountsMatchStore(view, suite.api);
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('complete under "Open", then Undo: the task comes back open, where it was', async () => {
    const [, offsite] = await createListed(['Renew the certificate', 'Book the offsite', 'Water the plants']);
    if (!offsite) throw new Error('seed failed');
    const { page, recorder, view } = await openPage('/?status=open');
    await view.actionsOf('Book the offsite').complete.click();
    await eventually(async () => expect(await view.titles()).toEqual(['Renew the certificate', 'Water the plants']));
    await eventually(async () => expect(await readText(view.flash)).toBe('Completed “Book the offsite” Undo'));

    await view.undo.click();
    await eventually(async () =>
      expect(await view.titles()).toEqual(['Renew the certificate', 'Book the offsite', 'Water the plants']),
    );
    await eventually(async () => expect(await focusedElement(page)).toBe(`li#task-${offsite.id}`));
    expect((await suite.api.get(offsite.id)).status).toBe('open');
    await expectCountsMatchStore(view, suite.api);
    expectCleanPage(recorder);
  });

  test('tick tasks, Complete selected, Delete selected and Undo: the bar counts, the focus stays on the button', async () => {
    await createListed(['Alpha', 'Bravo', 'Charlie', 'Delta']);
    const { page, recorder, view } = await openPage();
    const selection = page.locator('#bulk-selection');

    await noFullNavigation(page, async () => {
      await view.select('Alpha').check();
      await view.select('Charlie').check();
      await eventually(async () => expect(await readText(selection)).toBe('2 tasks selected'));
      // Ticked tasks keep the bar in sight at the bottom of the screen.
      expect(await view.bulkForm.evaluate((form) => getComputedStyle(form).position)).toBe('sticky');
      expect(await axeViolations(page)).toEqual([]);

      await view.bulkButton('Complete selected').click();
      await eventually(async () => expect(await readText(view.flash)).toBe('Completed 2 tasks'));
      expect(await focusedName(page)).toBe('Complete selected');
      await eventually(async () => expect(await view.actionsOf('Alpha').reopen.isVisible()).toBe(true));
      expect(await view.select('Alpha').isChecked()).toBe(false);
      expect((await storedTitles(suite.api, { status: 'done' })).sort()).toEqual(['Alpha', 'Charlie']);

      await view.selectAll.check();
      await eventually(async () => expect(await readText(selection)).toBe('4 tasks selected'));
      await view.bulkButton('Delete selected').click();
      await eventually(async () => expect(await view.titles()).toEqual([]));
      await eventually(async () => expect(await readText(view.flash)).toBe('Deleted 4 tasks Undo'));
      expect(await focusedName(page)).toBe('Delete selected');
      expect(await view.selectAll.isChecked()).toBe(false);
      expect(await page.getByText('No tasks yet').isVisible()).toBe(true);
      expect(await axeViolations(page)).toEqual([]);

      await view.undo.click();
      await eventually(async () => expect(await view.titles()).toEqual(['Alpha', 'Bravo', 'Charlie', 'Delta']));
      await eventually(async () => expect(await readText(view.flash)).toBe('Restored 4 tasks'));
      await eventually(async () => expect(await focusedElement(page)).toMatch(/^li#task-/));
    });
    await expectListMatchesStore(view, suite.api);
    await expectCountsMatchStore(view, suite.api);
    expectCleanPage(recorder);
  });

  test('Clear completed, with Undo; nothing selected and a task changed elsewhere are said, and nothing changes', async () => {
    const [alpha, bravo] = await createListed(['Alpha', 'Bravo', 'Charlie']);
    if (!alpha || !bravo) throw new Error('seed failed');
    await suite.api.update(alpha.id, { status: 'done' });
    const { page, recorder, view } = await openPage();

    await view.bulkButton('Delete selected').click();
    await eventually(async () =>
      expect(await readText(view.alerts)).toBe('Nothing is selected: tick the tasks to delete first.'),
    );
    expect(await axeViolations(page)).toEqual([]);

    await view.select('Bravo').check();
    await view.select('Charlie').check();
    await suite.api.update(bravo.id, { title: 'Bravo, renamed elsewhere' });
    await view.bulkButton('Complete selected').click();
    await eventually(async () =>
      expect(await readText(view.alerts)).toContain('“Bravo, renamed elsewhere” was changed elsewhere, so nothing was'),
    );
    // The list shows it as it is now, unticked; the other tick stays.
    expect(await view.titles()).toEqual(['Alpha', 'Bravo, renamed elsewhere', 'Charlie']);
    expect(await view.select('Charlie').isChecked()).toBe(true);
    expect(await view.select('Bravo, renamed elsewhere').isChecked()).toBe(false);
    expect(await storedTitles(suite.api, { status: 'done' })).toEqual(['Alpha']);

    await view.bulkButton('Clear completed').click();
    await eventually(async () => expect(await readText(view.flash)).toBe('Cleared 1 completed task Undo'));
    expect(await readText(view.alerts)).toBe('');
    expect(await view.titles()).toEqual(['Bravo, renamed elsewhere', 'Charlie']);
    await view.undo.click();
    await eventually(async () => expect(await view.titles()).toEqual(['Alpha', 'Bravo, renamed elsewhere', 'Charlie']));
    await expectCountsMatchStore(view, suite.api);
    expectCleanPage(recorder);
  });
});

describe('without JavaScript', () => {
  test('delete, then Undo: a form button, back at the task’s anchor with "Restored …"', async () => {
    const titles = Array.from({ length: 20 }, (_, n) => `Task ${String(n + 1).padStart(2, '0')}`);
    const tasks = await createListed(titles);
    const [fifteenth, sixteenth] = [tasks[14], tasks[15]];
    if (!fifteenth || !sixteenth) throw new Error('seed failed');
    const { page, recorder, view } = await openScriptless('/', { viewport: { width: 800, height: 600 } });

    const deleted = await submitForm(page, () => view.actionsOf('Task 15').delete.click());
    expect(deleted.location).toBe(`/#task-${sixteenth.id}`);
    expect(await readText(view.flash)).toBe('Deleted “Task 15” Undo');
    // The message, held at the top while it offers Undo, leaves the item landed at in sight.
    const inSight = await view.item(sixteenth.id).evaluate((item) => {
      const message = document.getElementById('flash')?.getBoundingClientRect();
      const { top } = item.getBoundingClientRect();
      return { belowTheMessage: top >= (message?.bottom ?? 0), onScreen: top < window.innerHeight };
    });
    expect(inSight).toEqual({ belowTheMessage: true, onScreen: true });
    const undone = await submitForm(page, () => view.undo.click());
    expect(undone).toEqual({ status: 303, location: `/#task-${fifteenth.id}`, landedOn: '/' });
    expect(await readText(view.flash)).toBe('Restored “Task 15”');
    expect(await view.titles()).toEqual(titles);
    const onScreen = await view.item(fifteenth.id).evaluate((item) => {
      const top = item.getBoundingClientRect().top;
      return top >= 0 && top < window.innerHeight;
    });
    expect(onScreen).toBe(true);

    await submitForm(page, () => view.actionsOf('Task 15').complete.click());
    expect(await readText(view.flash)).toBe('Completed “Task 15” Undo');
    await submitForm(page, () => view.undo.click());
    expect(await readText(view.flash)).toBe('Reopened “Task 15”');
    expect((await suite.api.get(fifteenth.id)).status).toBe('open');
    expectCleanPage(recorder);
  });

  test('bulk: tick, Delete selected, Undo; nothing selected is a 422 page; "Select all" needs a script', async () => {
    await createListed(['Alpha', 'Bravo', 'Charlie']);
    const { page, recorder, view } = await openScriptless('/?status=open');
    expect(await view.selectAll.count()).toBe(0);

    const refused = await submitForm(page, () => view.bulkButton('Complete selected').click());
    expect(refused.status).toBe(422);
    expect(await readText(view.alerts)).toBe('Nothing is selected: tick the tasks to complete first.');

    await view.select('Alpha').check();
    await view.select('Charlie').check();
    const deleted = await submitForm(page, () => view.bulkButton('Delete selected').click());
    expect(deleted).toEqual({ status: 303, location: '/?status=open', landedOn: '/?status=open' });
    expect(await readText(view.flash)).toBe('Deleted 2 tasks Undo');
    expect(await view.titles()).toEqual(['Bravo']);

    await submitForm(page, () => view.undo.click());
    expect(await readText(view.flash)).toBe('Restored 2 tasks');
    expect(await view.titles()).toEqual(['Alpha', 'Bravo', 'Charlie']);

    await view.select('Bravo').check();
    const completed = await submitForm(page, () => view.bulkButton('Complete selected').click());
    expect(completed.landedOn).toBe('/?status=open');
    expect(await view.titles()).toEqual(['Alpha', 'Charlie']);
    await expectCountsMatchStore(view, suite.api);
    expectCleanPage(recorder);
  });

  test('bulk after a change elsewhere: 409, the task named, the other ticks kept, nothing changed', async () => {
    const [alpha] = await createListed(['Alpha', 'Bravo']);
    if (!alpha) throw new Error('seed failed');
    const { page, recorder, view } = await openScriptless();
    await view.select('Alpha').check();
    await view.select('Bravo').check();
    await suite.api.update(alpha.id, { notes: 'Edited by a script' });
    const refused = await submitForm(page, () => view.bulkButton('Delete selected').click());
    expect(refused.status).toBe(409);
    expect(await readText(view.alerts)).toContain('“Alpha” was changed elsewhere, so nothing was deleted.');
    expect(await view.select('Bravo').isChecked()).toBe(true);
    expect(await view.select('Alpha').isChecked()).toBe(false);
    expect(await storedTitles(suite.api)).toEqual(['Alpha', 'Bravo']);
    // Ticking it again (at its new version) lets the change through.
    await view.select('Alpha').check();
    const deleted = await submitForm(page, () => view.bulkButton('Delete selected').click());
    expect(deleted.status).toBe(303);
    expect(await storedTitles(suite.api)).toEqual([]);
    expectCleanPage(recorder);
  });
});
