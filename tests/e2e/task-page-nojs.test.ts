import { beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright';
import { axeViolations, expectCleanPage, type PageOptions, useBrowserSuite } from '../support/browser';
import {
  dayFromToday,
  EVIL,
  editFormOf,
  expectCountsMatchStore,
  expectListMatchesStore,
  expectNextTo,
  ODD_TEXTS,
  openTaskPage,
  seedTasks,
  storedTitles,
  submitForm,
  taskPageOf,
} from '../support/task-page';

/**
 * The task page with JavaScript switched off: every action is a plain form. Each POST answers
 * 303 back to the page the user came from (filters kept) with a one-time flash message, and a
 * validation error re-renders the form with 422.
 */

setDefaultTimeout(30_000);
const suite = useBrowserSuite();
beforeEach(() => suite.api.removeAll());

const openPage = (path = '/', options: PageOptions = {}) =>
  openTaskPage(suite, path, { ...options, javaScriptEnabled: false });

const flashText = (page: Page) => taskPageOf(page).statusMessage();

describe('the task page without JavaScript', () => {
  test('add: 303 back to the list with "Added …" once; the task is stored and listed first', async () => {
    await suite.api.create({ title: 'Older task' });
    const { page, recorder, view } = await openPage();
    const due = dayFromToday(4);
    await view.fillNewTask({ title: 'Buy milk', notes: 'Two litres', priority: 'high', due_date: due });
    const sent = await submitForm(page, () => view.addButton.click());
    expect(sent).toEqual({ status: 303, location: '/', landedOn: '/' });
    expect(await flashText(page)).toBe('Added “Buy milk”');
    expect(await view.titles()).toEqual(['Buy milk', 'Older task']);
    expect(await view.newTitle.inputValue()).toBe('');
    const [stored] = await suite.api.list();
    expect(stored).toMatchObject({ title: 'Buy milk', notes: 'Two litres', priority: 'high', due_date: due });
    await expectCountsMatchStore(view, suite.api);

    await page.reload();
    expect(await flashText(page)).toBe('');
    expectCleanPage(recorder);
  });

  test('filter links and the search form are plain links and GET forms; the current filter is marked', async () => {
    await seedTasks(suite.api);
    const { page, recorder, view } = await openPage();
    await Promise.all([page.waitForURL(/\/\?status=open$/), view.filter('Open').click()]);
    expect(await view.currentFilter()).toEqual(['Open']);
    await expectListMatchesStore(view, suite.api, { status: 'open' });

    await view.searchBox.fill('the');
    await Promise.all([page.waitForEvent('load'), view.searchButton.click()]);
    const url = new URL(page.url());
    expect({ q: url.searchParams.get('q'), status: url.searchParams.get('status') }).toEqual({
      q: 'the',
      status: 'open',
    });
    await expectListMatchesStore(view, suite.api, { status: 'open', q: 'the' });

    await view.searchBox.fill('nothing like this');
    await Promise.all([page.waitForEvent('load'), view.searchButton.click()]);
    expect(await page.getByText('No tasks match').isVisible()).toBe(true);
    expect(await view.items.count()).toBe(0);
    expectCleanPage(recorder);
  });

  test('complete and add from a filtered, searched list land back on that same URL with a flash', async () => {
    await suite.api.create({ title: 'Garden tools' }).then((task) => suite.api.update(task.id, { status: 'done' }));
    await suite.api.create({ title: 'Call Alice' });
    await suite.api.create({ title: 'Plan the garden' });
    const seeds = await suite.api.create({ title: 'Plant garden seeds' });
    const { page, recorder, view } = await openPage('/?status=open&q=garden');
    expect(await view.titles()).toEqual(['Plant garden seeds', 'Plan the garden']);

    const completed = await submitForm(page, () => view.actionsOf('Plan the garden').complete.click());
    // The completed task has left this view: the page lands at the task that stood beside it.
    expect(completed).toEqual({
      status: 303,
      location: `/?status=open&q=garden#task-${seeds.id}`,
      landedOn: '/?status=open&q=garden',
    });
    expect(await flashText(page)).toBe('Completed “Plan the garden” Undo');
    expect(await view.titles()).toEqual(['Plant garden seeds']);
    expect((await suite.api.list()).find((task) => task.title === 'Plan the garden')?.status).toBe('done');

    await view.fillNewTask({ title: 'Water the garden' });
    const added = await submitForm(page, () => view.addButton.click());
    expect(added).toEqual({ status: 303, location: '/?status=open&q=garden', landedOn: '/?status=open&q=garden' });
    expect(await flashText(page)).toBe('Added “Water the garden”');
    await expectListMatchesStore(view, suite.api, { status: 'open', q: 'garden' });
    expect(await view.currentFilter()).toEqual(['Open']);
    expect(await view.searchBox.inputValue()).toBe('garden');

    await Promise.all([page.waitForURL(/status=done/), view.filter('Done').click()]);
    const reopened = await submitForm(page, () => view.actionsOf('Garden tools').reopen.click());
    expect(reopened.landedOn).toBe('/?status=done&q=garden');
    expect(await flashText(page)).toBe('Reopened “Garden tools”');
    expect(await view.titles()).toEqual(['Plan the garden']);
    expect((await suite.api.list()).find((task) => task.title === 'Garden tools')?.status).toBe('open');
    await expectCountsMatchStore(view, suite.api, 'garden');
    expectCleanPage(recorder);
  });

  test('add with a bad title: 422 with the message by the field, aria-invalid and my input kept; axe on it', async () => {
    await suite.api.create({ title: 'Existing task' });
    const { page, recorder, view } = await openPage('/?status=open');
    const due = dayFromToday(6);
    for (const { title, message } of [
      { title: '', message: 'must not be empty' },
      { title: '  ', message: 'must not be empty' },
      { title: 'z'.repeat(201), message: 'at most 200 characters' },
    ]) {
      await view.fillNewTask({ title, notes: 'Keep these notes', priority: 'low', due_date: due });
      const sent = await submitForm(page, () => view.addButton.click());
      expect(sent.status).toBe(422);
      const error = view.newForm.getByText(message);
      expect(await error.isVisible()).toBe(true);
      await expectNextTo(error, view.newTitle);
      expect(await view.newTitle.getAttribute('aria-invalid')).toBe('true');
      expect(await view.newTitle.inputValue()).toBe(title);
      expect(await view.newNotes.inputValue()).toBe('Keep these notes');
      expect(await view.newPriority.inputValue()).toBe('low');
      expect(await view.newDueDate.inputValue()).toBe(due);
      expect(await view.titles()).toEqual(['Existing task']);
    }
    expect(await storedTitles(suite.api)).toEqual(['Existing task']);
    expect(await axeOfMarkup(await page.content(), 422)).toEqual([]);

    await view.newTitle.fill('Fixed title');
    const fixed = await submitForm(page, () => view.addButton.click());
    // The filter the user was on survives the failed attempt.
    expect(fixed).toEqual({ status: 303, location: '/?status=open', landedOn: '/?status=open' });
    expect(await flashText(page)).toBe('Added “Fixed title”');
    expect(await storedTitles(suite.api)).toEqual(['Fixed title', 'Existing task']);
    expectCleanPage(recorder);
  });

  test('edit page: GET /tasks/:id/edit, Save answers 303 back to the filtered list with "Saved …"; Cancel returns', async () => {
    const [tls] = await seedTasks(suite.api);
    if (!tls) throw new Error('seed failed');
    const { page, recorder, view } = await openPage('/?status=open');

    await Promise.all([page.waitForURL(new RegExp(`/tasks/${tls.id}/edit`)), view.actionsOf(tls.title).edit.click()]);
    const edit = editFormOf(page);
    expect(await edit.title.inputValue()).toBe(tls.title);
    expect(await edit.notes.inputValue()).toBe(tls.notes);
    expect(await edit.priority.inputValue()).toBe(tls.priority);
    expect(await edit.dueDate.inputValue()).toBe(tls.due_date ?? '');
    await Promise.all([page.waitForURL(/\/\?status=open$/), edit.cancel.click()]);
    expect(await suite.api.get(tls.id)).toEqual(tls);

    await Promise.all([page.waitForURL(new RegExp(`/tasks/${tls.id}/edit`)), view.actionsOf(tls.title).edit.click()]);
    await edit.title.fill('Renew the TLS certificate today');
    await edit.priority.selectOption('normal');
    await edit.dueDate.fill('');
    const saved = await submitForm(page, () => edit.save.click());
    expect(saved).toEqual({ status: 303, location: `/?status=open#task-${tls.id}`, landedOn: '/?status=open' });
    expect(await flashText(page)).toBe('Saved “Renew the TLS certificate today”');
    expect(await suite.api.get(tls.id)).toMatchObject({
      title: 'Renew the TLS certificate today',
      notes: tls.notes,
      priority: 'normal',
      due_date: null,
    });
    await expectListMatchesStore(view, suite.api, { status: 'open' });
    expectCleanPage(recorder);
  });

  test('edit page with a bad title: 422, message by the field, aria-invalid, input kept, nothing saved', async () => {
    const [tls] = await seedTasks(suite.api);
    if (!tls) throw new Error('seed failed');
    const { page, recorder } = await openPage(`/tasks/${tls.id}/edit?return_to=${encodeURIComponent('/?status=open')}`);
    const edit = editFormOf(page);
    for (const { title, message } of [
      { title: '', message: 'must not be empty' },
      { title: 'q'.repeat(201), message: 'at most 200 characters' },
    ]) {
      await edit.title.fill(title);
      await edit.notes.fill('Notes I typed');
      const sent = await submitForm(page, () => edit.save.click());
      expect(sent.status).toBe(422);
      const error = edit.form.getByText(message);
      expect(await error.isVisible()).toBe(true);
      await expectNextTo(error, edit.title);
      expect(await edit.title.getAttribute('aria-invalid')).toBe('true');
      expect(await edit.title.inputValue()).toBe(title);
      expect(await edit.notes.inputValue()).toBe('Notes I typed');
    }
    expect(await suite.api.get(tls.id)).toEqual(tls);
    expect(await axeOfMarkup(await page.content(), 422)).toEqual([]);

    // Where the user came from survives the failed attempts.
    await edit.title.fill('Fixed title');
    const fixed = await submitForm(page, () => edit.save.click());
    expect(fixed).toEqual({ status: 303, location: `/?status=open#task-${tls.id}`, landedOn: '/?status=open' });
    expect(await flashText(page)).toBe('Saved “Fixed title”');
    expect(await suite.api.get(tls.id)).toMatchObject({ title: 'Fixed title', notes: 'Notes I typed' });
    expectCleanPage(recorder);
  });

  test('edit page after a change elsewhere: 409 "changed elsewhere" with current values and my input; Save again applies', async () => {
    const [tls] = await seedTasks(suite.api);
    if (!tls) throw new Error('seed failed');
    const { page, recorder } = await openPage(`/tasks/${tls.id}/edit?return_to=${encodeURIComponent('/?q=tls')}`);
    const edit = editFormOf(page);
    await suite.api.update(tls.id, { title: 'Changed by a script', notes: 'Script notes' });
    await edit.title.fill('My own title');
    const first = await submitForm(page, () => edit.save.click());
    expect(first.status).toBe(409);
    expect(await page.getByText('This task was changed elsewhere').isVisible()).toBe(true);
    expect(await page.getByText('Changed by a script').isVisible()).toBe(true);
    expect(await page.getByText('Script notes').isVisible()).toBe(true);
    expect(await edit.title.inputValue()).toBe('My own title');
    expect((await suite.api.get(tls.id)).title).toBe('Changed by a script');
    expect(await axeOfMarkup(await page.content(), 409)).toEqual([]);

    const second = await submitForm(page, () => edit.save.click());
    expect(second).toEqual({ status: 303, location: '/?q=tls', landedOn: '/?q=tls' });
    expect(await flashText(page)).toBe('Saved “My own title”');
    expect(await suite.api.get(tls.id)).toMatchObject({ title: 'My own title', version: tls.version + 2 });
    expectCleanPage(recorder);
  });

  test('delete: no confirm without JavaScript; 303 back with "Deleted …"; gone from list and store', async () => {
    const [tls] = await seedTasks(suite.api);
    const { page, recorder, view } = await openPage('/?status=open');
    const sent = await submitForm(page, () => view.actionsOf('Book the team offsite').delete.click());
    // Back at the task that took the deleted one's place.
    expect(sent).toEqual({ status: 303, location: `/?status=open#task-${tls?.id}`, landedOn: '/?status=open' });
    expect(await flashText(page)).toBe('Deleted “Book the team offsite” Undo');
    expect(recorder.dialogs).toEqual([]);
    expect(await storedTitles(suite.api)).not.toContain('Book the team offsite');
    await expectListMatchesStore(view, suite.api, { status: 'open' });
    await expectCountsMatchStore(view, suite.api);
    expectCleanPage(recorder);
  });

  test('acting on a task deleted or changed elsewhere lands back on the list with a readable message', async () => {
    const [tls, offsite] = await seedTasks(suite.api);
    if (!tls || !offsite) throw new Error('seed failed');
    const { page, recorder, view } = await openPage('/?status=open');

    await suite.api.remove(tls.id);
    const gone = await submitForm(page, () => view.actionsOf(tls.title).complete.click());
    expect(gone.landedOn).toBe('/?status=open');
    await expectReadableMessage(page, /no longer exists|not found/i);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Tasks');

    await suite.api.update(offsite.id, { title: 'Renamed by a script' });
    const stale = await submitForm(page, () => view.actionsOf(offsite.title).complete.click());
    expect(stale.landedOn).toBe('/?status=open');
    await expectReadableMessage(page, /changed elsewhere/);
    expect((await suite.api.get(offsite.id)).status).toBe('open');
    expect(await view.titles()).toContain('Renamed by a script');

    await suite.api.update(offsite.id, { notes: 'Edited by a script' });
    const staleDelete = await submitForm(page, () => view.actionsOf('Renamed by a script').delete.click());
    expect(staleDelete.landedOn).toBe('/?status=open');
    await expectReadableMessage(page, /changed elsewhere/);
    expect(await suite.api.find(offsite.id)).toBeDefined();
    expectCleanPage(recorder);
  });

  test('load more: a link to the next page of 50 (keyset cursor)', async () => {
    for (let n = 1; n <= 53; n++) await suite.api.create({ title: `Task ${String(n).padStart(2, '0')}` });
    const { page, recorder, view } = await openPage();
    const stored = await storedTitles(suite.api);
    expect(await view.titles()).toEqual(stored.slice(0, 50));
    await Promise.all([page.waitForURL(/cursor=/), view.loadMore.click()]);
    expect(await view.titles()).toEqual(stored.slice(50));
    expect(await view.loadMore.count()).toBe(0);

    // Acting on the second page brings the user back to the second page.
    const secondPage = new URL(page.url());
    const sent = await submitForm(page, () => view.actionsOf('Task 01').complete.click());
    expect(sent.landedOn).toBe(`${secondPage.pathname}${secondPage.search}`);
    expect(await flashText(page)).toBe('Completed “Task 01” Undo');
    expect(await view.actionsOf('Task 01').reopen.isVisible()).toBe(true);
    expectCleanPage(recorder);
  });

  test(`XSS: ${EVIL} is text in the flash, the list and the edit page`, async () => {
    const { page, recorder, view } = await openPage();
    await view.fillNewTask({ title: EVIL, notes: EVIL });
    await submitForm(page, () => view.addButton.click());
    expect(await flashText(page)).toBe(`Added “${EVIL}”`);
    expect(await view.titles()).toEqual([EVIL]);
    const [task] = await suite.api.list();
    if (!task) throw new Error('the task was not stored');
    expect((await view.item(task.id).locator('.task-notes').textContent())?.trim()).toBe(EVIL);

    await Promise.all([page.waitForURL(/\/edit/), view.actionsOf(EVIL).edit.click()]);
    const edit = editFormOf(page);
    expect(await edit.title.inputValue()).toBe(EVIL);
    expect(await edit.notes.inputValue()).toBe(EVIL);
    expect(await page.title()).toContain(EVIL);
    await edit.title.fill(`${EVIL} edited`);
    await submitForm(page, () => edit.save.click());
    expect(await flashText(page)).toBe(`Saved “${EVIL} edited”`);

    await submitForm(page, () => view.actionsOf(`${EVIL} edited`).delete.click());
    expect(await flashText(page)).toBe(`Deleted “${EVIL} edited” Undo`);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(recorder.dialogs).toEqual([]);
    expectCleanPage(recorder);
  });

  test('odd text round-trips: the edit page shows it exactly, and Save without a change keeps it', async () => {
    const { page, recorder, view } = await openPage();
    for (const input of ODD_TEXTS) {
      const task = await suite.api.create(input);
      await page.goto(suite.url(`/tasks/${task.id}/edit`));
      const edit = editFormOf(page);
      expect({ title: await edit.title.inputValue(), notes: await edit.notes.inputValue() }).toEqual({
        title: task.title,
        notes: task.notes,
      });
      expect((await submitForm(page, () => edit.save.click())).status).toBe(303);
      expect(await view.item(task.id).getByText('Edit', { exact: true }).getAttribute('aria-label')).toBe(
        `Edit ${task.title}`,
      );
      expect(await suite.api.get(task.id)).toMatchObject({ title: task.title, notes: task.notes });
    }
    expectCleanPage(recorder);
  }, 90_000); // nine round trips, each a few page loads
});

/**
 * axe needs JavaScript, which this page has switched off: audit the same markup in a page with
 * JavaScript on, served at our origin (so its stylesheet and scripts load as they would).
 */
async function axeOfMarkup(html: string, status: number) {
  const { page, recorder } = await suite.newPage();
  const url = suite.url('/__markup-under-audit');
  await page.route(url, (route) => route.fulfill({ status, contentType: 'text/html; charset=utf-8', body: html }));
  await page.goto(url);
  const violations = await axeViolations(page);
  expectCleanPage(recorder);
  await page.close();
  return violations;
}

/** The page shows a message (status or alert region) a person can read. */
async function expectReadableMessage(page: Page, pattern: RegExp): Promise<void> {
  const view = taskPageOf(page);
  const text = `${(await view.flash.textContent()) ?? ''} ${(await view.alerts.textContent()) ?? ''}`.trim();
  expect(text).toMatch(pattern);
  expect(text).not.toMatch(/[{}<>]|"error"|stack/);
}
