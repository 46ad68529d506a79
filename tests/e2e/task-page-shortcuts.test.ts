import { beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright';
import { axeViolations, expectCleanPage, noFullNavigation, useBrowserSuite } from '../support/browser';
import { editFormOf, eventually, focusedElement, openTaskPage } from '../support/task-page';

/**
 * Keyboard shortcuts on the task page (issue 13): n, /, j, k, x, c, e, #, u and ?, never while
 * typing in a field nor with Ctrl, Alt or Meta held; listed on GET /shortcuts, which works without
 * JavaScript, and with it in a dialog that ? opens (Escape closes it, the focus goes back).
 */

setDefaultTimeout(30_000);
const suite = useBrowserSuite();
beforeEach(() => suite.api.removeAll());

/** Creates tasks oldest first, so the list (newest first) shows them in the order given. */
async function createListed(titles: string[]) {
  const tasks = [];
  for (const title of [...titles].reverse()) tasks.unshift(await suite.api.create({ title }));
  return tasks;
}

/** Nothing has the focus, as after a click on the page's background. */
const blur = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');

describe('with JavaScript', () => {
  test('? opens the shortcuts in a dialog, Escape closes it and gives the focus back; so does its link', async () => {
    const [first] = await createListed(['First', 'Second']);
    const { page, recorder } = await openTaskPage(suite);
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(await dialog.isVisible()).toBe(false);

    await noFullNavigation(page, async () => {
      await page.keyboard.press('j');
      await eventually(async () => expect(await focusedElement(page)).toBe(`li#task-${first?.id}`));
      await page.keyboard.press('?');
      await eventually(async () => expect(await dialog.isVisible()).toBe(true));
      expect(await dialog.getByText('Next task').isVisible()).toBe(true);
      expect(await axeViolations(page)).toEqual([]);
      // The page behind is out of reach: j does not move its focus.
      await page.keyboard.press('j');
      await page.keyboard.press('Escape');
      await eventually(async () => expect(await dialog.isVisible()).toBe(false));
      expect(await focusedElement(page)).toBe(`li#task-${first?.id}`);

      const link = page.getByRole('link', { name: 'Keyboard shortcuts' });
      await link.click();
      await eventually(async () => expect(await dialog.isVisible()).toBe(true));
      await dialog.getByRole('button', { name: 'Close' }).click();
      await eventually(async () => expect(await dialog.isVisible()).toBe(false));
      expect(await focusedText(page)).toBe('Keyboard shortcuts');
    });
    expectCleanPage(recorder);
  });

  test('j and k move through the tasks; x ticks, c completes, u undoes, e edits, # deletes the task in focus', async () => {
    const [first, second, third] = await createListed(['First', 'Second', 'Third']);
    if (!first || !second || !third) throw new Error('seed failed');
    const { page, recorder, view } = await openTaskPage(suite);
    const press = async (key: string) => page.keyboard.press(key);
    const expectFocus = (selector: string) => eventually(async () => expect(await focusedElement(page)).toBe(selector));

    await noFullNavigation(page, async () => {
      await press('j');
      await expectFocus(`li#task-${first.id}`);
      await press('j');
      await press('j');
      await press('j'); // past the last task it stays there
      await expectFocus(`li#task-${third.id}`);
      await press('k');
      await expectFocus(`li#task-${second.id}`);

      await press('x');
      expect(await view.select('Second').isChecked()).toBe(true);
      await eventually(async () => expect(await page.locator('#bulk-selection').textContent()).toBe('1 task selected'));
      await press('x');
      expect(await view.select('Second').isChecked()).toBe(false);

      await press('c');
      await eventually(async () => expect(await view.actionsOf('Second').reopen.isVisible()).toBe(true));
      expect((await suite.api.get(second.id)).status).toBe('done');
      await press('u');
      await eventually(async () => expect(await view.actionsOf('Second').complete.isVisible()).toBe(true));
      await expectFocus(`li#task-${second.id}`);
      expect((await suite.api.get(second.id)).status).toBe('open');

      await press('e');
      const edit = editFormOf(view.item(second.id));
      await eventually(async () => expect(await focusedElement(page)).toBe(`input#edit-${second.id}-title`));
      // Typing in a field is typing: none of the letters is a shortcut there.
      await press('End');
      await page.keyboard.type(' jkxce#u?');
      expect(await edit.title.inputValue()).toBe('Second jkxce#u?');
      await press('Escape');
      await eventually(async () => expect(await view.titles()).toEqual(['First', 'Second', 'Third']));

      await view.item(second.id).focus();
      await press('#');
      await eventually(async () => expect(await view.titles()).toEqual(['First', 'Third']));
      await expectFocus(`li#task-${third.id}`);
      await press('u');
      await eventually(async () => expect(await view.titles()).toEqual(['First', 'Second', 'Third']));
      await expectFocus(`li#task-${second.id}`);
    });
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });

  test('n and / put the cursor in the new task and the search; nothing happens with Ctrl, Alt or Meta held', async () => {
    await createListed(['First']);
    const { page, recorder, view } = await openTaskPage(suite);
    await page.keyboard.press('n');
    expect(await focusedElement(page)).toBe('input#new-title');
    expect(await view.newTitle.inputValue()).toBe(''); // the n itself is not typed
    await page.keyboard.type('n/jk');
    expect(await view.newTitle.inputValue()).toBe('n/jk');

    await blur(page);
    await page.keyboard.press('/');
    expect(await focusedElement(page)).toBe('input#search-q');
    expect(await view.searchBox.inputValue()).toBe('');

    await blur(page);
    for (const key of ['Alt+j', 'Control+j', 'Meta+j', 'Alt+n', 'Control+u']) await page.keyboard.press(key);
    expect(await focusedElement(page)).toBe('body');
    expectCleanPage(recorder);
  });
});

describe('without JavaScript', () => {
  test('the "Keyboard shortcuts" link leads to a page that lists them; it is for signed-in people only', async () => {
    await createListed(['First']);
    const { page, recorder } = await openTaskPage(suite, '/', { javaScriptEnabled: false });
    expect(await page.getByRole('dialog').count()).toBe(0);
    await Promise.all([
      page.waitForURL(/\/shortcuts$/),
      page.getByRole('link', { name: 'Keyboard shortcuts' }).click(),
    ]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Keyboard shortcuts');
    for (const does of ['Next task', 'Previous task', 'Delete the task', 'Show these shortcuts'])
      expect(await page.getByText(does, { exact: true }).isVisible()).toBe(true);
    await Promise.all([page.waitForURL(/\/$/), page.getByRole('link', { name: 'Back to your tasks' }).click()]);
    expectCleanPage(recorder);

    const { page: stranger } = await suite.newPage({ account: null, javaScriptEnabled: false });
    await stranger.goto(suite.url('/shortcuts'));
    expect(new URL(stranger.url()).pathname).toBe('/signin');
  });

  test('the shortcuts page passes axe', async () => {
    const { page, recorder } = await openTaskPage(suite, '/shortcuts');
    expect(await axeViolations(page)).toEqual([]);
    expectCleanPage(recorder);
  });
});
