import { beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Locator, Response } from 'playwright';
import {
  axeViolations,
  expectCleanPage,
  horizontalOverflow,
  noFullNavigation,
  type PageOptions,
  useBrowserSuite,
} from '../support/browser';
import {
  answerTo,
  dayFromToday,
  EVIL,
  editFormOf,
  eventually,
  expectCountsMatchStore,
  expectListMatchesStore,
  expectNextTo,
  ODD_TEXTS,
  openTaskPage,
  seedTasks,
  storedTitles,
} from '../support/task-page';

/**
 * The task page with JavaScript on (htmx): every action happens without a page load, and what
 * the user sees is compared with what the JSON API says is stored.
 */

setDefaultTimeout(30_000);
const suite = useBrowserSuite();
beforeEach(() => suite.api.removeAll());

const openPage = (path = '/', options: PageOptions = {}) => openTaskPage(suite, path, options);

describe('the task page (JavaScript on)', () => {
  test('empty: heading, "No tasks yet", zero counts, All current; axe finds nothing serious', async () => {
    const { page, recorder, view } = await openPage();
    expect((await view.heading.textContent())?.trim()).toBe('Tasks');
    expect(await page.getByText('No tasks yet').isVisible()).toBe(true);
    expect(await view.counts()).toEqual({ All: 0, Open: 0, Done: 0 });
    expect(await view.currentFilter()).toEqual(['All']);
    expect(await view.items.count()).toBe(0);
    expect(await view.list.getAttribute('id')).toBe('task-items');
    expect(await view.newPriority.inputValue()).toBe('normal');
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('assets: only /static, content-hashed, immutable; strict CSP; no inline script or style', async () => {
    const { page, recorder } = await suite.newPage();
    const subresources: Response[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() !== 'document') subresources.push(response);
    });
    const response = await page.goto(suite.url('/'), { waitUntil: 'networkidle' });
    const directives = Object.fromEntries(
      (response?.headers()['content-security-policy'] ?? '').split(';').map((part) => {
        const [name = '', ...values] = part.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'self'",
    });
    expect(response?.headers().vary ?? '').toMatch(/HX-Request/i);

    const assets = subresources.filter((asset) => new URL(asset.url()).pathname !== '/favicon.ico');
    const paths = assets.map((asset) => new URL(asset.url()).pathname);
    expect(paths.some((path) => path.endsWith('.css'))).toBe(true);
    expect(paths.filter((path) => path.endsWith('.js')).length).toBeGreaterThanOrEqual(1);
    for (const asset of assets) {
      const path = new URL(asset.url()).pathname;
      expect({ path, status: asset.status() }).toEqual({ path, status: 200 });
      expect(path).toMatch(/^\/static\/[\w.-]*[.-][0-9a-f]{8,}\.(css|js|ico)$/);
      expect({ path, cache: asset.headers()['cache-control'] }).toEqual({
        path,
        cache: expect.stringMatching(/max-age=31536000.*immutable|immutable.*max-age=31536000/),
      });
    }
    expect(await page.locator('script:not([src]), style, [style]').count()).toBe(0);
    expectCleanPage(recorder);
  });

  test('add: appears at the top without a page load; title and notes clear, priority and due date stay; focus, counts, flash and store follow', async () => {
    await suite.api.create({ title: 'Older task' });
    const { page, recorder, view } = await openPage();
    const due = dayFromToday(5);

    await noFullNavigation(page, async () => {
      await view.fillNewTask({ title: 'Buy milk', notes: 'Two litres, semi-skimmed', priority: 'high', due_date: due });
      const response = await answerTo(page, 'POST', /^\/tasks$/, () => view.addButton.click());
      expect(response.status()).toBeLessThan(300);
      await eventually(async () => expect(await view.titles()).toEqual(['Buy milk', 'Older task']));
    });

    await eventually(async () =>
      expect(await view.newTitle.evaluate((input) => input === document.activeElement)).toBe(true),
    );
    expect(await view.newTitle.inputValue()).toBe('');
    expect(await view.newNotes.inputValue()).toBe('');
    // Chosen for this task, likely the next one's too: they stay until changed.
    expect(await view.newPriority.inputValue()).toBe('high');
    expect(await view.newDueDate.inputValue()).toBe(due);
    await eventually(async () => expect((await view.flash.textContent())?.trim()).toBe('Added “Buy milk”'));

    const [stored] = await suite.api.list();
    expect(stored).toMatchObject({
      title: 'Buy milk',
      notes: 'Two litres, semi-skimmed',
      priority: 'high',
      due_date: due,
      status: 'open',
    });
    const item = view.item(stored?.id ?? 0);
    expect((await item.locator('.task-notes').textContent())?.trim()).toBe('Two litres, semi-skimmed');
    expect(await item.textContent()).toMatch(/high/i);
    expect(await item.locator('time').getAttribute('datetime')).toBe(due);
    await expectCountsMatchStore(view, suite.api);

    // Focus stayed in the form, so the next task can be typed straight away.
    await noFullNavigation(page, async () => {
      await page.keyboard.type('Call the bank');
      await page.keyboard.press('Enter');
      await eventually(async () => expect((await view.titles())[0]).toBe('Call the bank'));
    });
    await expectListMatchesStore(view, suite.api);
    await expectCountsMatchStore(view, suite.api);
    expectCleanPage(recorder);
  });

  test('add with a bad title: 422, message by the field, aria-invalid, other input kept, nothing stored', async () => {
    await suite.api.create({ title: 'Existing task' });
    const { page, recorder, view } = await openPage();
    const due = dayFromToday(3);
    const cases = [
      { title: '', message: 'must not be empty' },
      { title: '   ', message: 'must not be empty' },
      { title: 'x'.repeat(201), message: 'at most 200 characters' },
    ];
    await noFullNavigation(page, async () => {
      for (const { title, message } of cases) {
        await view.fillNewTask({ title, notes: 'Keep these notes', priority: 'high', due_date: due });
        // The previous attempt's form may show the same message: wait until the answer has replaced it.
        const previous = await view.newForm.elementHandle();
        const response = await answerTo(page, 'POST', /^\/tasks$/, () => view.addButton.click());
        expect(response.status()).toBe(422);
        await previous?.waitForElementState('hidden');
        const error = view.newForm.getByText(message);
        await eventually(async () => expect(await error.isVisible()).toBe(true));
        await expectNextTo(error, view.newTitle);
        expect(await view.newTitle.getAttribute('aria-invalid')).toBe('true');
        expect(await view.newTitle.inputValue()).toBe(title);
        expect(await view.newNotes.inputValue()).toBe('Keep these notes');
        expect(await view.newPriority.inputValue()).toBe('high');
        expect(await view.newDueDate.inputValue()).toBe(due);
        expect(await view.titles()).toEqual(['Existing task']);
        if (title === '') expect(await axeViolations(page)).toEqual([]);
      }
    });
    expect(await storedTitles(suite.api)).toEqual(['Existing task']);

    await view.newTitle.fill('Fixed title');
    await view.addButton.click();
    await eventually(async () => expect(await view.titles()).toEqual(['Fixed title', 'Existing task']));
    expect(await view.newTitle.getAttribute('aria-invalid')).not.toBe('true');
    expect(await view.newForm.getByText('must not be empty').count()).toBe(0);
    expect(await storedTitles(suite.api)).toEqual(['Fixed title', 'Existing task']);
    expectCleanPage(recorder);
  });

  test('status filter: swaps the list in place, the URL follows, Back/Forward and reload agree', async () => {
    await seedTasks(suite.api);
    const { page, recorder, view } = await openPage();
    expect(await view.counts()).toEqual({ All: 4, Open: 3, Done: 1 });

    await noFullNavigation(page, async () => {
      await view.filter('Open').click();
      await page.waitForURL(/\/\?status=open$/);
      await expectListMatchesStore(view, suite.api, { status: 'open' });
      await eventually(async () => expect(await view.currentFilter()).toEqual(['Open']));

      await view.filter('Done').click();
      await page.waitForURL(/\/\?status=done$/);
      await expectListMatchesStore(view, suite.api, { status: 'done' });
      await eventually(async () => expect(await view.currentFilter()).toEqual(['Done']));
    });

    await page.goBack();
    await page.waitForURL(/\/\?status=open$/);
    await expectListMatchesStore(view, suite.api, { status: 'open' });
    await eventually(async () => expect(await view.currentFilter()).toEqual(['Open']));

    await page.goBack();
    await page.waitForURL((url) => url.search === '');
    await expectListMatchesStore(view, suite.api);
    await eventually(async () => expect(await view.currentFilter()).toEqual(['All']));

    await page.goForward();
    await page.waitForURL(/\/\?status=open$/);
    await expectListMatchesStore(view, suite.api, { status: 'open' });

    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    await expectListMatchesStore(view, suite.api, { status: 'open' });
    expect(await view.currentFilter()).toEqual(['Open']);
    expect(await view.counts()).toEqual({ All: 4, Open: 3, Done: 1 });
    expectCleanPage(recorder);
  });

  test('search: filters as you type (debounced) and on submit; the URL follows; "No tasks match"', async () => {
    await seedTasks(suite.api);
    const { page, recorder, view } = await openPage();
    const searches: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/' && url.searchParams.has('q')) searches.push(url.search);
    });

    await noFullNavigation(page, async () => {
      await view.searchBox.pressSequentially('cert', { delay: 40 });
      await page.waitForURL((url) => url.searchParams.get('q') === 'cert');
      await expectListMatchesStore(view, suite.api, { q: 'cert' });
      expect(await view.titles()).toEqual(['Renew the TLS certificate']);
      // Four keystrokes inside the debounce window make one request, not four.
      expect(searches.length).toBeLessThanOrEqual(2);

      await view.searchBox.fill('nothing like this');
      await view.searchButton.click();
      await page.waitForURL((url) => url.searchParams.get('q') === 'nothing like this');
      await eventually(async () => expect(await page.getByText('No tasks match').isVisible()).toBe(true));
      expect(await view.items.count()).toBe(0);
    });

    await page.reload();
    expect(await view.searchBox.inputValue()).toBe('nothing like this');
    expect(await page.getByText('No tasks match').isVisible()).toBe(true);

    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('q') === 'cert');
    await expectListMatchesStore(view, suite.api, { q: 'cert' });
    expectCleanPage(recorder);
  });

  test("an item's controls act in place at the first touch, though htmx wires them up only then: a click, Enter, a bare click event", async () => {
    const [tls, offsite, plants, notes] = await seedTasks(suite.api);
    if (!tls || !offsite || !plants || !notes) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();
    // At load no item's controls are wired up (three an item: a long task on a phone).
    expect(await view.items.locator('[data-htmx-powered]').count()).toBe(0);

    await noFullNavigation(page, async () => {
      // A pointer, straight onto an item nothing has reached yet.
      await view.actionsOf(notes.title).complete.click();
      await eventually(async () => expect(await view.actionsOf(notes.title).reopen.isVisible()).toBe(true));
      // The keyboard: the focus reaches Edit, Enter follows it.
      await view.actionsOf(offsite.title).edit.focus();
      await page.keyboard.press('Enter');
      await eventually(async () => expect(await editFormOf(view.item(offsite.id)).save.isVisible()).toBe(true));
      // A click with neither pointer nor focus before it, as assistive technology may send.
      await view.actionsOf(tls.title).complete.dispatchEvent('click');
      await eventually(async () => expect(await view.actionsOf(tls.title).reopen.isVisible()).toBe(true));
    });
    expect((await suite.api.get(tls.id)).status).toBe('done');
    expect((await suite.api.get(notes.id)).status).toBe('done');
    // The item nothing reached is still as it came.
    expect(await view.item(plants.id).locator('[data-htmx-powered]').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('complete and reopen: the item and counts swap in place; under "Open" a completed task leaves', async () => {
    await seedTasks(suite.api);
    const { page, recorder, view } = await openPage();
    const order = await view.titles();
    const notes = view.actionsOf('Write release notes');

    await noFullNavigation(page, async () => {
      await notes.complete.click();
      await eventually(async () => expect(await notes.reopen.isVisible()).toBe(true));
      await eventually(async () => expect(await view.statusMessage()).toBe('Completed “Write release notes” Undo'));
      expect((await suite.api.list()).find((task) => task.title === 'Write release notes')?.status).toBe('done');
      await expectCountsMatchStore(view, suite.api);
      expect(await view.titles()).toEqual(order);

      await notes.reopen.click();
      await eventually(async () => expect(await notes.complete.isVisible()).toBe(true));
      await eventually(async () =>
        expect((await view.flash.textContent())?.trim()).toBe('Reopened “Write release notes”'),
      );
      expect((await suite.api.list()).find((task) => task.title === 'Write release notes')?.status).toBe('open');
      await expectCountsMatchStore(view, suite.api);

      await view.filter('Open').click();
      await page.waitForURL(/status=open/);
      await expectListMatchesStore(view, suite.api, { status: 'open' });
      await view.actionsOf('Book the team offsite').complete.click();
      await eventually(async () => expect(await view.titles()).not.toContain('Book the team offsite'));
      await expectListMatchesStore(view, suite.api, { status: 'open' });
      await expectCountsMatchStore(view, suite.api);

      await view.filter('Done').click();
      await page.waitForURL(/status=done/);
      await view.actionsOf('Water the plants').reopen.click();
      await eventually(async () => expect(await view.titles()).not.toContain('Water the plants'));
      await expectListMatchesStore(view, suite.api, { status: 'done' });
      await expectCountsMatchStore(view, suite.api);
    });
    expectCleanPage(recorder);
  });

  test('edit inline: the form replaces the item; Escape and Cancel restore it; Save swaps in the update', async () => {
    const [tls] = await seedTasks(suite.api);
    if (!tls) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();
    const item = view.item(tls.id);
    const actions = view.actionsOf(tls.title);
    const edit = editFormOf(item);

    await noFullNavigation(page, async () => {
      await actions.edit.click();
      await edit.title.waitFor();
      expect(await edit.title.inputValue()).toBe(tls.title);
      expect(await edit.notes.inputValue()).toBe(tls.notes);
      expect(await edit.priority.inputValue()).toBe(tls.priority);
      expect(await edit.dueDate.inputValue()).toBe(tls.due_date ?? '');
      expect(await view.items.count()).toBe(4);
      expect(await axeViolations(page)).toEqual([]);

      await edit.title.fill('Typed but abandoned');
      await edit.title.press('Escape');
      await actions.edit.waitFor();
      expect(await edit.form.count()).toBe(0);
      expect(await item.locator('.task-title').textContent()).toBe(tls.title);

      await actions.edit.click();
      await edit.cancel.click();
      await actions.edit.waitFor();
      expect(await edit.form.count()).toBe(0);

      await actions.edit.click();
      const due = dayFromToday(10);
      await edit.title.fill('Renew the TLS certificate (both listeners)');
      await edit.notes.fill('Public and internal ALB.');
      await edit.priority.selectOption('low');
      await edit.dueDate.fill(due);
      const response = await answerTo(page, 'POST', new RegExp(`^/tasks/${tls.id}$`), () => edit.save.click());
      expect(response.status()).toBe(200);
      await view.actionsOf('Renew the TLS certificate (both listeners)').edit.waitFor();
      expect(await edit.form.count()).toBe(0);
      await eventually(async () =>
        expect((await view.flash.textContent())?.trim()).toBe('Saved “Renew the TLS certificate (both listeners)”'),
      );
      expect((await item.locator('.task-notes').textContent())?.trim()).toBe('Public and internal ALB.');
      expect(await item.locator('time').getAttribute('datetime')).toBe(due);
      expect(await item.getAttribute('class')).not.toMatch(/\boverdue\b/);
    });
    expect(await suite.api.get(tls.id)).toMatchObject({
      title: 'Renew the TLS certificate (both listeners)',
      notes: 'Public and internal ALB.',
      priority: 'low',
      due_date: dayFromToday(10),
      version: tls.version + 1,
    });
    await expectListMatchesStore(view, suite.api);
    expectCleanPage(recorder);
  });

  test('edit inline with a bad title: 422, message by the field, aria-invalid, input kept, nothing saved', async () => {
    const [tls] = await seedTasks(suite.api);
    if (!tls) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();
    const edit = editFormOf(view.item(tls.id));
    await noFullNavigation(page, async () => {
      await view.actionsOf(tls.title).edit.click();
      for (const { title, message } of [
        { title: ' ', message: 'must not be empty' },
        { title: 'y'.repeat(201), message: 'at most 200 characters' },
      ]) {
        await edit.title.fill(title);
        await edit.notes.fill('Notes I typed');
        const response = await answerTo(page, 'POST', new RegExp(`^/tasks/${tls.id}$`), () => edit.save.click());
        expect(response.status()).toBe(422);
        const error = edit.form.getByText(message);
        await eventually(async () => expect(await error.isVisible()).toBe(true));
        await expectNextTo(error, edit.title);
        expect(await edit.title.getAttribute('aria-invalid')).toBe('true');
        expect(await edit.title.inputValue()).toBe(title);
        expect(await edit.notes.inputValue()).toBe('Notes I typed');
      }
      expect(await axeViolations(page)).toEqual([]);
    });
    expect(await suite.api.get(tls.id)).toEqual(tls);
    expectCleanPage(recorder);
  });

  test('edit after a change elsewhere: "changed elsewhere", current values, my input kept; Save again applies', async () => {
    const [tls] = await seedTasks(suite.api);
    if (!tls) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();
    const item = view.item(tls.id);
    const edit = editFormOf(item);

    await noFullNavigation(page, async () => {
      await view.actionsOf(tls.title).edit.click();
      await edit.title.waitFor();
      await suite.api.update(tls.id, { title: 'Changed by a script', priority: 'normal' });
      await edit.title.fill('My own title');
      await edit.notes.fill('My own notes');
      const first = await answerTo(page, 'POST', new RegExp(`^/tasks/${tls.id}$`), () => edit.save.click());
      expect(first.status()).toBe(409);
      await eventually(async () =>
        expect(await item.getByText('This task was changed elsewhere').isVisible()).toBe(true),
      );
      expect(await item.getByText('Changed by a script').isVisible()).toBe(true);
      expect(await edit.title.inputValue()).toBe('My own title');
      expect(await edit.notes.inputValue()).toBe('My own notes');
      expect((await suite.api.get(tls.id)).title).toBe('Changed by a script');
      expect(await axeViolations(page)).toEqual([]);

      const second = await answerTo(page, 'POST', new RegExp(`^/tasks/${tls.id}$`), () => edit.save.click());
      expect(second.status()).toBe(200);
      await view.actionsOf('My own title').edit.waitFor();
    });
    expect(await suite.api.get(tls.id)).toMatchObject({
      // The whole form as the user sent it the second time, including the priority they never touched.
      title: 'My own title',
      notes: 'My own notes',
      priority: tls.priority,
      version: tls.version + 2,
    });
    expectCleanPage(recorder);
  });

  test('delete: confirm names the task; dismissing keeps it; accepting removes it, counts and store follow', async () => {
    await seedTasks(suite.api);
    const { page, recorder, view } = await openPage();
    const offsite = view.actionsOf('Book the team offsite');
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.url());
    });

    await noFullNavigation(page, async () => {
      recorder.confirmAnswer = 'dismiss';
      await offsite.delete.click();
      await eventually(() => expect(recorder.dialogs).toHaveLength(1));
      expect(recorder.dialogs[0]).toEqual({
        type: 'confirm',
        message: expect.stringContaining('Book the team offsite'),
      });
      await Bun.sleep(200);
      expect(posts).toEqual([]);
      expect(await view.titles()).toContain('Book the team offsite');

      recorder.confirmAnswer = 'accept';
      await offsite.delete.click();
      await eventually(async () => expect(await view.titles()).not.toContain('Book the team offsite'));
      await eventually(async () => expect(await view.statusMessage()).toBe('Deleted “Book the team offsite” Undo'));
    });
    expect(await storedTitles(suite.api)).not.toContain('Book the team offsite');
    await expectListMatchesStore(view, suite.api);
    await expectCountsMatchStore(view, suite.api);
    expectCleanPage(recorder);
  });

  test('errors: acting on a task deleted or changed elsewhere shows a message in the alert region, not an error page', async () => {
    const [tls, offsite, plants, notes] = await seedTasks(suite.api);
    if (!tls || !offsite || !plants || !notes) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();

    await noFullNavigation(page, async () => {
      await suite.api.remove(tls.id);
      const completed = await answerTo(page, 'POST', new RegExp(`^/tasks/${tls.id}/complete$`), () =>
        view.actionsOf(tls.title).complete.click(),
      );
      expect(completed.status()).toBe(404);
      await expectReadableAlert(view.alerts);
      expect(await view.list.locator('h1, main, footer, [role="alert"]').count()).toBe(0);

      await suite.api.remove(offsite.id);
      await view.alerts.evaluate((region) => region.replaceChildren());
      const edited = await answerTo(page, 'GET', new RegExp(`^/tasks/${offsite.id}/edit$`), () =>
        view.actionsOf(offsite.title).edit.click(),
      );
      expect(edited.status()).toBe(404);
      await expectReadableAlert(view.alerts);
      expect(await view.list.locator('h1, main, footer').count()).toBe(0);

      await suite.api.update(notes.id, { title: 'Renamed by a script' });
      await view.alerts.evaluate((region) => region.replaceChildren());
      const stale = await answerTo(page, 'POST', new RegExp(`^/tasks/${notes.id}/complete$`), () =>
        view.actionsOf(notes.title).complete.click(),
      );
      expect(stale.status()).toBe(409);
      await eventually(async () => expect(await view.alerts.textContent()).toContain('changed elsewhere'));
      await eventually(async () =>
        expect(await view.item(notes.id).locator('.task-title').textContent()).toBe('Renamed by a script'),
      );
      expect((await suite.api.get(notes.id)).status).toBe('open');
    });
    expectCleanPage(recorder);
  });

  test('delete after a change elsewhere: 409, a message, and the task stays on the page with its latest values', async () => {
    const [, , , notes] = await seedTasks(suite.api);
    if (!notes) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();
    await suite.api.update(notes.id, { notes: 'Edited by a script' });

    await noFullNavigation(page, async () => {
      const response = await answerTo(page, 'POST', new RegExp(`^/tasks/${notes.id}/delete$`), () =>
        view.actionsOf(notes.title).delete.click(),
      );
      expect(response.status()).toBe(409);
      await eventually(async () => expect(await view.alerts.textContent()).toContain('changed elsewhere'));
    });
    expect(await suite.api.find(notes.id)).toMatchObject({ notes: 'Edited by a script' });
    // Nothing was deleted, so the list must still show the task (now with the script's notes).
    await Bun.sleep(300);
    await expectListMatchesStore(view, suite.api);
    expect((await view.item(notes.id).locator('.task-notes').textContent())?.trim()).toBe('Edited by a script');
    expectCleanPage(recorder);
  });

  test('overdue, due dates and priorities are shown; the full page passes axe', async () => {
    const [tls, offsite, plants] = await seedTasks(suite.api);
    if (!tls || !offsite || !plants) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();

    const overdue = view.item(tls.id);
    expect(await overdue.getAttribute('class')).toMatch(/\boverdue\b/);
    expect(await overdue.getByText('Overdue', { exact: true }).isVisible()).toBe(true);
    expect(await overdue.locator('time').getAttribute('datetime')).toBe(tls.due_date);
    expect(await overdue.textContent()).toMatch(/high/i);
    expect((await overdue.locator('.task-notes').textContent())?.trim()).toBe(tls.notes);

    for (const task of [offsite, plants]) {
      const item = view.item(task.id);
      expect(await item.getAttribute('class')).not.toMatch(/\boverdue\b/);
      expect(await item.getByText('Overdue', { exact: true }).count()).toBe(0);
      expect(await item.locator('time').getAttribute('datetime')).toBe(task.due_date);
    }
    expect(await view.actionsOf(plants.title).reopen.isVisible()).toBe(true);
    expect(await view.actionsOf(plants.title).complete.count()).toBe(0);
    expect(await view.actionsOf(tls.title).complete.isVisible()).toBe(true);
    await expectListMatchesStore(view, suite.api);

    await view.fillNewTask({ title: 'One more' });
    await view.addButton.click();
    await eventually(async () => expect(await view.flash.textContent()).toContain('One more'));
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('empty states follow changes: deleting the last task says "No tasks yet"; emptying a filter says "No tasks match"', async () => {
    const only = await suite.api.create({ title: 'The only task' });
    const { page, recorder, view } = await openPage('/?status=open');
    const emptyText = () => page.locator('main').getByText(/No tasks (yet|match)/);

    await noFullNavigation(page, async () => {
      await view.actionsOf(only.title).complete.click();
      await eventually(async () => expect(await view.items.count()).toBe(0));
      await eventually(async () => expect(await emptyText().textContent()).toContain('No tasks match'));
      expect(await emptyText().isVisible()).toBe(true);

      await view.filter('Done').click();
      await page.waitForURL(/status=done/);
      await eventually(async () => expect(await view.titles()).toEqual([only.title]));
      expect(await emptyText().count()).toBe(0);
      await view.actionsOf(only.title).delete.click();
      await eventually(async () => expect(await view.items.count()).toBe(0));
      await eventually(async () => expect(await emptyText().textContent()).toContain('No tasks yet'));
    });
    expect(await suite.api.list()).toEqual([]);
    expectCleanPage(recorder);
  });

  test('search keeps the status filter chosen with JavaScript, and the filter keeps the search', async () => {
    await seedTasks(suite.api);
    const { page, recorder, view } = await openPage();
    await noFullNavigation(page, async () => {
      await view.filter('Done').click();
      await page.waitForURL(/status=done/);
      await view.searchBox.fill('the');
      await view.searchButton.click();
      await page.waitForURL((url) => url.searchParams.get('q') === 'the');
      expect(new URL(page.url()).searchParams.get('status')).toBe('done');
      await expectListMatchesStore(view, suite.api, { status: 'done', q: 'the' });
      expect(await view.currentFilter()).toEqual(['Done']);

      await view.filter('Open').click();
      await page.waitForURL(/status=open/);
      expect(new URL(page.url()).searchParams.get('q')).toBe('the');
      await expectListMatchesStore(view, suite.api, { status: 'open', q: 'the' });
    });
    expectCleanPage(recorder);
  });

  test('Back after changes shows the stored state, not a stale snapshot', async () => {
    const [tls] = await seedTasks(suite.api);
    if (!tls) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();
    await view.filter('Open').click();
    await page.waitForURL(/status=open/);
    await view.actionsOf(tls.title).complete.click();
    await eventually(async () => expect(await view.titles()).not.toContain(tls.title));
    await view.fillNewTask({ title: 'Added under Open' });
    await view.addButton.click();
    await eventually(async () => expect(await view.titles()).toContain('Added under Open'));

    await page.goBack();
    await page.waitForURL((url) => url.search === '');
    await expectListMatchesStore(view, suite.api);
    await eventually(async () => expect(await view.actionsOf(tls.title).reopen.isVisible()).toBe(true));
    await expectCountsMatchStore(view, suite.api);
    expectCleanPage(recorder);
  });

  test('a failing server (503, 500) or an unreachable one: a message in the alert region, the item stays intact', async () => {
    const [tls] = await seedTasks(suite.api);
    if (!tls) throw new Error('seed failed');
    const { page, recorder, view } = await openPage();
    const complete = `**/tasks/${tls.id}/complete`;
    const item = view.item(tls.id);
    // Reached first (htmx wires up an item's controls then, static/app.js), so that only a swap would change it.
    await view.actionsOf(tls.title).complete.focus();
    const before = await item.innerHTML();

    await noFullNavigation(page, async () => {
      for (const status of [503, 500]) {
        await page.route(complete, (route) =>
          route.fulfill({ status, contentType: 'text/html', body: '<html><body><h1>Bad Gateway</h1></body></html>' }),
        );
        await view.alerts.evaluate((region) => region.replaceChildren());
        await view.actionsOf(tls.title).complete.click();
        await expectReadableAlert(view.alerts);
        expect(await item.innerHTML()).toBe(before);
        expect(await page.getByText('Bad Gateway').count()).toBe(0);
        await page.unroute(complete);
      }

      await page.route(complete, (route) => route.abort('connectionrefused'));
      await view.alerts.evaluate((region) => region.replaceChildren());
      await view.actionsOf(tls.title).complete.click();
      await expectReadableAlert(view.alerts);
      expect(await item.innerHTML()).toBe(before);
      await page.unroute(complete);
    });
    expect((await suite.api.get(tls.id)).status).toBe('open');
    // These failures are the point of the test; anything else recorded is still a problem.
    // (htmx itself logs the refused connection as a console error.)
    expectCleanPage(recorder, [
      /^50[03] POST .*\/complete$/,
      /htmx:error: Failed to fetch/,
      /ERR_CONNECTION_REFUSED/,
      /status of 50[03]/,
    ]);
  });

  test('keyboard focus is visible on every control the Tab key reaches', async () => {
    await seedTasks(suite.api);
    const { page, recorder } = await openPage();
    const seen: string[] = [];
    for (let step = 0; step < 20; step++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        if (!element || element === document.body) return null;
        const style = getComputedStyle(element);
        const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
        const ring = style.boxShadow !== 'none';
        const label = element.getAttribute('aria-label') ?? element.textContent?.trim() ?? '';
        return {
          name: `${element.tagName.toLowerCase()} ${label || element.getAttribute('name') || ''}`.trim(),
          visible: outline || ring,
        };
      });
      if (!focused) continue;
      seen.push(focused.name);
      expect(focused).toEqual({ name: focused.name, visible: true });
    }
    expect(seen.length).toBeGreaterThan(10);
    expectCleanPage(recorder);
  });

  test('the page icon is a content-hashed, immutable /static asset too', async () => {
    const { page, recorder } = await openPage();
    const icons = await page
      .locator('link[rel~="icon"]')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(icons).toHaveLength(1);
    for (const href of icons) {
      const response = await page.request.get(suite.url(href ?? ''));
      expect({ href, cache: response.headers()['cache-control'] }).toEqual({
        href: expect.stringMatching(/^\/static\/[\w.-]*[.-][0-9a-f]{8,}\.\w+$/),
        cache: expect.stringContaining('immutable'),
      });
    }
    expectCleanPage(recorder);
  });

  test('load more: 50 per page; the next page is appended below without a page load', async () => {
    for (let n = 1; n <= 105; n++) await suite.api.create({ title: `Task ${String(n).padStart(3, '0')}` });
    const { page, recorder, view } = await openPage();
    const stored = await storedTitles(suite.api);
    expect(await view.titles()).toEqual(stored.slice(0, 50));
    expect(await view.counts()).toEqual({ All: 105, Open: 105, Done: 0 });

    await noFullNavigation(page, async () => {
      await view.loadMore.click();
      await eventually(async () => expect(await view.titles()).toEqual(stored.slice(0, 100)));
      await view.loadMore.click();
      await eventually(async () => expect(await view.titles()).toEqual(stored));
      // Items from a later page work like the first ones.
      await view.actionsOf('Task 001').complete.click();
      await eventually(async () => expect(await view.actionsOf('Task 001').reopen.isVisible()).toBe(true));
    });
    expect((await suite.api.list({ q: 'Task 001' }))[0]?.status).toBe('done');
    await eventually(async () => expect(await view.loadMore.count()).toBe(0));
    expectCleanPage(recorder);
  });

  test('the edit page (GET /tasks/:id/edit) passes axe', async () => {
    const [tls] = await seedTasks(suite.api);
    if (!tls) throw new Error('seed failed');
    const { page, recorder } = await openPage(`/tasks/${tls.id}/edit`);
    const edit = editFormOf(page);
    expect(await edit.title.inputValue()).toBe(tls.title);
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('at 360 px wide nothing overflows sideways; dark mode follows prefers-color-scheme', async () => {
    await seedTasks(suite.api);
    await suite.api.create({
      title: 'Read the runbook for the database failover drill before Thursday',
      notes: 'https://wiki.example.com/operations/runbooks/database-failover-drill-2026-checklist-and-rollback',
      priority: 'high',
      due_date: dayFromToday(1),
    });
    const { page, recorder, view } = await openPage('/', { viewport: { width: 360, height: 740 } });
    expect(await horizontalOverflow(page)).toEqual({ scrollWidth: 360, widest: [] });

    await view.fillNewTask({ title: 'x', notes: 'open the optional fields' });
    expect(await horizontalOverflow(page)).toEqual({ scrollWidth: 360, widest: [] });

    await view.newTitle.fill('');
    await view.addButton.click();
    await view.newForm.getByText('must not be empty').waitFor();
    expect(await horizontalOverflow(page)).toEqual({ scrollWidth: 360, widest: [] });

    const [first] = await suite.api.list();
    await view.actionsOf(first?.title ?? '').edit.click();
    await editFormOf(page).title.waitFor();
    expect(await horizontalOverflow(page)).toEqual({ scrollWidth: 360, widest: [] });

    await page.goto(suite.url(`/tasks/${first?.id}/edit`));
    expect(await horizontalOverflow(page)).toEqual({ scrollWidth: 360, widest: [] });
    expectCleanPage(recorder);

    const background = async (colorScheme: 'light' | 'dark') => {
      const { page, recorder } = await suite.newPage({ colorScheme });
      await page.goto(suite.url('/'));
      const colors = await page.evaluate(() => ({
        background: getComputedStyle(document.body).backgroundColor,
        text: getComputedStyle(document.body).color,
      }));
      expectCleanPage(recorder);
      await page.close();
      return colors;
    };
    const light = await background('light');
    const dark = await background('dark');
    expect(dark.background).not.toBe(light.background);
    expect(dark.text).not.toBe(light.text);
  });

  test(`XSS: a task titled ${EVIL} is text on the page, in fragments, the edit form, the flash and confirm`, async () => {
    const { page, recorder, view } = await openPage();
    const scriptedImages = () => page.locator('img[src="x"]').count();

    await view.fillNewTask({ title: EVIL, notes: EVIL });
    await view.addButton.click();
    await eventually(async () => expect(await view.titles()).toEqual([EVIL]));
    await eventually(async () => expect((await view.flash.textContent())?.trim()).toBe(`Added “${EVIL}”`));
    const [task] = await suite.api.list();
    if (!task) throw new Error('the task was not stored');
    expect(task.title).toBe(EVIL);
    expect((await view.item(task.id).locator('.task-notes').textContent())?.trim()).toBe(EVIL);

    const edit = editFormOf(view.item(task.id));
    await view.actionsOf(EVIL).edit.click();
    await edit.title.waitFor();
    expect(await edit.title.inputValue()).toBe(EVIL);
    expect(await edit.notes.inputValue()).toBe(EVIL);
    await edit.title.fill(`${EVIL} edited`);
    await edit.save.click();
    await eventually(async () => expect(await view.titles()).toEqual([`${EVIL} edited`]));
    await eventually(async () => expect((await view.flash.textContent())?.trim()).toBe(`Saved “${EVIL} edited”`));

    await view.actionsOf(`${EVIL} edited`).edit.click();
    await edit.title.waitFor();
    await suite.api.update(task.id, { title: `${EVIL} elsewhere` });
    await edit.save.click();
    await eventually(async () =>
      expect(await view.item(task.id).getByText('This task was changed elsewhere').count()).toBe(1),
    );
    expect(await view.item(task.id).getByText(`${EVIL} elsewhere`, { exact: true }).count()).toBe(1);
    await edit.cancel.click();
    await view.actionsOf(`${EVIL} elsewhere`).edit.waitFor();

    recorder.confirmAnswer = 'dismiss';
    await view.actionsOf(`${EVIL} elsewhere`).delete.click();
    await eventually(() => expect(recorder.dialogs.map((dialog) => dialog.type)).toEqual(['confirm']));
    expect(recorder.dialogs[0]?.message).toContain(`${EVIL} elsewhere`);

    await page.goto(suite.url(`/?q=${encodeURIComponent(EVIL)}`));
    expect(await view.titles()).toEqual([`${EVIL} elsewhere`]);
    expect(await view.searchBox.inputValue()).toBe(EVIL);
    expect(await scriptedImages()).toBe(0);

    await page.goto(suite.url('/'));
    expect(await view.titles()).toEqual([`${EVIL} elsewhere`]);
    expect(await scriptedImages()).toBe(0);
    expect(recorder.dialogs.map((dialog) => dialog.type)).toEqual(['confirm']);
    expectCleanPage(recorder);
  });

  test('odd text round-trips: the edit form shows it exactly, Save without a change keeps it, confirm names it', async () => {
    const tasks = [];
    for (const input of ODD_TEXTS) tasks.push(await suite.api.create(input));
    const { page, recorder, view } = await openPage();
    recorder.confirmAnswer = 'dismiss';
    for (const task of tasks) {
      const item = view.item(task.id);
      const editLink = item.getByText('Edit', { exact: true });
      expect(await editLink.getAttribute('aria-label')).toBe(`Edit ${task.title}`);
      await editLink.click();
      const edit = editFormOf(item);
      await edit.title.waitFor();
      expect({ title: await edit.title.inputValue(), notes: await edit.notes.inputValue() }).toEqual({
        title: task.title,
        notes: task.notes,
      });
      const saved = await answerTo(page, 'POST', new RegExp(`^/tasks/${task.id}$`), () => edit.save.click());
      expect(saved.status()).toBe(200);
      await editLink.waitFor();
      expect(await suite.api.get(task.id)).toMatchObject({ title: task.title, notes: task.notes });

      const dialogs = recorder.dialogs.length;
      await item.getByText('Delete', { exact: true }).click();
      await eventually(() => expect(recorder.dialogs).toHaveLength(dialogs + 1));
      expect(recorder.dialogs.at(-1)).toEqual({ type: 'confirm', message: `Delete “${task.title}”?` });
    }
    expect(await storedTitles(suite.api)).toEqual(tasks.map((task) => task.title).reverse());
    expectCleanPage(recorder);
  }, 90_000); // nine round trips, each a few page loads
});

/** The alert region says something a person can read: not empty, not JSON, not markup. */
async function expectReadableAlert(alerts: Locator): Promise<void> {
  await eventually(async () => expect(((await alerts.textContent()) ?? '').trim()).not.toBe(''));
  const text = ((await alerts.textContent()) ?? '').trim();
  expect(text).not.toMatch(/^[{[]|<\w|"error"|stack|Error:/);
  expect(await alerts.isVisible()).toBe(true);
}
