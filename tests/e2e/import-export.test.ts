import { beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright';
import { axeViolations, type BrowserPage, expectCleanPage, useBrowserSuite } from '../support/browser';
import { TODOIST_SAMPLE } from '../support/import-files';
import { submitForm, taskPageOf } from '../support/task-page';

/**
 * Export and import in Chromium, with JavaScript on and off: the downloads behind the Settings
 * page's links, and the import as a user goes through it — choose a file, read the preview,
 * import, land on the list with a message. Plain forms both ways; axe checks each page with
 * JavaScript on (it cannot run without).
 */

setDefaultTimeout(60_000);
const suite = useBrowserSuite();
beforeEach(() => suite.api.removeAll());

const CSV_HEADER = 'id,title,notes,status,priority,due_date,created_at,updated_at,completed_at';

function importPageOf(page: Page) {
  return {
    file: page.getByLabel('File', { exact: true }),
    previewButton: page.getByRole('button', { name: 'Preview import', exact: true }),
    importButton: page.getByRole('button', { name: /^Import \d+ tasks?$/ }),
    preview: page.locator('#import-preview'),
    alerts: page.locator('#alerts[role="alert"]'),
  };
}

async function chooseAndPreview(page: Page, name: string, content: string) {
  const view = importPageOf(page);
  await view.file.setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
  return submitForm(page, () => view.previewButton.click());
}

async function downloadOf(page: Page, linkName: string) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: linkName, exact: true }).click(),
  ]);
  return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
}

for (const javaScript of [true, false]) {
  describe(`export and import with JavaScript ${javaScript ? 'on' : 'off'}`, () => {
    const open = async (path: string): Promise<BrowserPage> => {
      const opened = await suite.newPage({ javaScriptEnabled: javaScript, acceptDownloads: true });
      expect((await opened.page.goto(suite.url(path)))?.status()).toBe(200);
      return opened;
    };
    const expectAccessible = async (page: Page) => {
      if (javaScript) expect(await axeViolations(page)).toEqual([]);
    };

    test('Settings links to exports that download every task as CSV and as JSON', async () => {
      await suite.api.create({ title: '=SUM(1,2) looks like a formula', notes: 'two\nlines' });
      await suite.api.create({ title: 'Renew the certificate', priority: 'high', due_date: '2026-12-01' });
      const { page, recorder } = await open('/settings');
      const today = new Date().toISOString().slice(0, 10);

      const csv = await downloadOf(page, 'Export as CSV');
      expect(csv.name).toBe(`tasks-${today}.csv`);
      const [header, newest, oldest] = csv.text.replace(/^\ufeff/, '').split('\r\n');
      expect(header).toBe(CSV_HEADER);
      expect(newest).toContain(',Renew the certificate,,open,high,2026-12-01,');
      expect(oldest).toContain(`,"'=SUM(1,2) looks like a formula","two`);

      const json = await downloadOf(page, 'Export as JSON');
      expect(json.name).toBe(`tasks-${today}.json`);
      const document = JSON.parse(json.text);
      expect(document.format).toBe('task-manager/1');
      expect(document.tasks).toEqual(await suite.api.list());
      await expectAccessible(page);
      expectCleanPage(recorder);
    });

    test('import a Todoist export: preview, import, the list with a message; the same file again adds nothing', async () => {
      const { page, recorder } = await open('/settings');
      await Promise.all([page.waitForURL(/\/import$/), page.getByRole('link', { name: 'Import tasks' }).click()]);
      await expectAccessible(page);

      expect(await chooseAndPreview(page, 'todoist.csv', TODOIST_SAMPLE)).toMatchObject({ status: 200 });
      const view = importPageOf(page);
      const preview = ((await view.preview.textContent()) ?? '').replace(/\s+/g, ' ');
      expect(preview).toContain('Preview of todoist.csv');
      expect(preview).toContain('4 new tasks will be added');
      expect(preview).toContain('Line 5: DATE “every monday” is not a calendar date: imported without a due date');
      expect(await suite.api.list()).toEqual([]);
      await expectAccessible(page);

      // No need to choose the file again: the preview carries it to the import.
      const sent = await submitForm(page, () => view.importButton.click());
      expect(sent).toEqual({ status: 303, location: '/', landedOn: '/' });
      const list = taskPageOf(page);
      expect((await list.flash.textContent())?.trim()).toBe('Import finished: 4 new, 0 already imported.');
      expect(await list.titles()).toEqual([
        'Buy milk @errands',
        'Water the plants',
        'Call Bob, about "the plan"',
        'File taxes',
      ]);

      await page.goto(suite.url('/import'));
      await chooseAndPreview(page, 'todoist.csv', TODOIST_SAMPLE);
      const again = ((await view.preview.textContent()) ?? '').replace(/\s+/g, ' ');
      expect(again).toContain('4 tasks were already imported');
      expect(again).toContain('Nothing new to import');
      expect(await view.importButton.count()).toBe(0);
      expect(await suite.api.list()).toHaveLength(4);
      expectCleanPage(recorder);
    });

    test('a file with bad rows: each refused row by its line, no import button, nothing stored', async () => {
      const { page, recorder } = await open('/import');
      const file = 'title,priority,due_date\r\nFine,high,\r\n,low,\r\nLate,normal,2026-02-30\r\n';
      expect(await chooseAndPreview(page, 'mine.csv', file)).toMatchObject({ status: 422 });
      const view = importPageOf(page);
      const rows = await view.preview.getByRole('list', { name: 'Rows that cannot be imported' }).getByRole('listitem');
      expect((await rows.allTextContents()).map((row) => row.trim())).toEqual([
        'Line 3: title must not be empty',
        'Line 4: due_date must be a real date as YYYY-MM-DD',
      ]);
      expect(await view.importButton.count()).toBe(0);
      expect(await suite.api.list()).toEqual([]);
      await expectAccessible(page);
      expectCleanPage(recorder);
    });

    test('no file chosen: the form again, saying so beside the field', async () => {
      const { page, recorder } = await open('/import');
      const view = importPageOf(page);
      expect(await submitForm(page, () => view.previewButton.click())).toMatchObject({ status: 422 });
      expect((await view.alerts.textContent())?.trim()).toBe('Choose a file to import.');
      expect(await view.file.getAttribute('aria-invalid')).toBe('true');
      await expectAccessible(page);
      expectCleanPage(recorder);
    });
  });
}
