import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type App, createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import type { Task } from '../../src/tasks/model';
import { createTaskStore, type ImportedTask } from '../../src/tasks/store';
import { EXPORT_FORMAT, IMPORT_MAX_BYTES } from '../../src/tasks/transfer';
import { EXPORT_BATCH } from '../../src/tasks/transfer-service';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { type Credentials, createApiClient, expectErrorReply, ORIGIN, signUp } from '../support/http';
import { TODOIST_SAMPLE } from '../support/import-files';

/**
 * Export and import through the app, on both engines: the files a user downloads, the same tasks
 * back in another account, all or nothing, twice adding nothing, Todoist's export, and files made
 * to hurt.
 */

const today = () => new Date().toISOString().slice(0, 10);
/** What a task is, apart from what the account it lives in gives it (id, times of its own life, version). */
const content = ({ title, notes, status, priority, due_date, completed_at }: Task) => ({
  title,
  notes,
  status,
  priority,
  due_date,
  completed_at,
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

for (const engine of ENGINES) {
  describe(`export and import on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
    });
    afterAll(() => database.cleanup());

    async function send(path: string, init: RequestInit = {}): Promise<Answer> {
      const response = await app.handle(new Request(`${ORIGIN}${path}`, init));
      // As the bytes came: Response.text() would take a byte-order mark off.
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, text };
    }
    const bearer = (who: Credentials) => ({ authorization: `Bearer ${who.token}` });
    const importFile = (who: Credentials, body: BodyInit, type = 'text/csv') =>
      send('/api/import', { method: 'POST', headers: { ...bearer(who), 'content-type': type }, body });
    const exportOf = (who: Credentials, kind: 'csv' | 'json') => send(`/api/export.${kind}`, { headers: bearer(who) });
    const tasksOf = (who: Credentials) => createApiClient(app, { as: who }).listAll();
    const ownerId = async (who: Credentials) =>
      Number((await database.client.query<{ id: number }>('SELECT id FROM users WHERE email = ?', [who.email]))[0]?.id);
    const countOf = async (who: Credentials) =>
      Number(
        (
          await database.client.query<{ n: number }>('SELECT COUNT(*) AS n FROM tasks WHERE owner_id = ?', [
            await ownerId(who),
          ])
        )[0]?.n,
      );

    /** An account holding tasks that test every corner of the formats. */
    async function accountWithOddTasks(): Promise<{ who: Credentials; tasks: Task[] }> {
      const who = await signUp(app);
      const api = createApiClient(app, { as: who });
      await api.createTask({
        title: '=HYPERLINK("http://evil.example","Click")',
        notes: '+1\n-2\n@me',
        priority: 'high',
      });
      await api.createTask({
        title: '\'Quoted\', with "commas"',
        notes: 'line one\r\nline two',
        due_date: '2026-12-31',
      });
      const done = await api.createTask({ title: 'Émoji 😀 and ünïcödé', priority: 'low' });
      await api.send('PATCH', `/api/tasks/${done.id}`, { json: { status: 'done' } });
      await api.createTask({ title: 'Tabbed', notes: '\tTabbed start' });
      return { who, tasks: await api.listAll() };
    }

    describe('export', () => {
      test('CSV and JSON are downloads, named for the day, never kept by a cache; the same on the page and the API', async () => {
        const { who } = await accountWithOddTasks();
        for (const kind of ['csv', 'json'] as const) {
          const answers = [
            await exportOf(who, kind),
            await send(`/export.${kind}`, { headers: { cookie: who.cookie } }),
          ];
          for (const answer of answers) {
            expect({
              status: answer.status,
              type: answer.headers.get('content-type'),
              disposition: answer.headers.get('content-disposition'),
              cache: answer.headers.get('cache-control'),
            }).toEqual({
              status: 200,
              type: kind === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/json; charset=utf-8',
              disposition: `attachment; filename="tasks-${today()}.${kind}"`,
              cache: 'no-store',
            });
          }
          // Exported a moment apart, the JSON differs only in its exported_at.
          const [api, page] = answers.map((answer) => answer.text.replace(/"exported_at":"[^"]+"/, ''));
          expect(page).toBe(api);
        }
      });

      test('the JSON is a versioned document of every task as the API shows it, newest first', async () => {
        const { who, tasks } = await accountWithOddTasks();
        const document = JSON.parse((await exportOf(who, 'json')).text);
        expect(document.format).toBe(EXPORT_FORMAT);
        expect(Date.now() - Date.parse(document.exported_at)).toBeLessThan(60_000);
        expect(document.tasks).toEqual(tasks);
      });

      test('the CSV is RFC 4180 with a header, and no cell a spreadsheet would run as a formula', async () => {
        const { who } = await accountWithOddTasks();
        const csv = (await exportOf(who, 'csv')).text;
        expect(csv).toStartWith('\ufeffid,title,notes,status,priority,due_date,created_at,updated_at,completed_at\r\n');
        expect(csv).toContain(`,"'=HYPERLINK(""http://evil.example"",""Click"")","'+1\n-2\n@me",open,high,`);
        expect(csv).toContain(`,"''Quoted', with ""commas""","line one\r\nline two",open,normal,2026-12-31,`);
        expect(csv).toContain(",Tabbed,'\tTabbed start,open,normal,,");
        // Every cell, unquoted, starts with something no spreadsheet runs.
        const cells = csv.split(/,|\r\n/).map((cell) => cell.replace(/^"/, ''));
        expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
      });

      test(`pages through every task, ${EXPORT_BATCH} at a time, each once, newest first`, async () => {
        const who = await signUp(app);
        const owner = await ownerId(who);
        const count = 2 * EXPORT_BATCH + 234;
        const many: ImportedTask[] = Array.from({ length: count }, (_, index) => ({
          title: `Task ${index}`,
          notes: '',
          priority: 'normal',
          due_date: null,
          status: 'open',
          completed_at: null,
          request: { key: `seed-${index}`, fingerprint: 'f'.repeat(64) },
        }));
        await createTaskStore(database.client).insertMany(owner, many.reverse(), new Date());
        const lines = (await exportOf(who, 'csv')).text.trimEnd().split('\r\n');
        expect(lines).toHaveLength(count + 1);
        expect(lines.slice(1).map((line) => line.split(',')[1])).toEqual(
          Array.from({ length: count }, (_, index) => `Task ${index}`),
        );
        const json = JSON.parse((await exportOf(who, 'json')).text);
        expect(json.tasks.map((task: Task) => task.title)).toEqual(
          Array.from({ length: count }, (_, index) => `Task ${index}`),
        );
      });

      test('an account with no tasks exports a header, or an empty list', async () => {
        const who = await signUp(app);
        expect((await exportOf(who, 'csv')).text).toBe(
          '\ufeffid,title,notes,status,priority,due_date,created_at,updated_at,completed_at\r\n',
        );
        expect(JSON.parse((await exportOf(who, 'json')).text).tasks).toEqual([]);
      });
    });

    describe('import', () => {
      for (const kind of ['csv', 'json'] as const) {
        test(`an export (${kind}) imported into another account gives the same tasks, in the same order`, async () => {
          const { who: from, tasks } = await accountWithOddTasks();
          const file = (await exportOf(from, kind)).text;
          const into = await signUp(app);
          const answer = await importFile(into, file, kind === 'csv' ? 'text/csv' : 'application/json');
          expect({ status: answer.status, body: JSON.parse(answer.text) }).toEqual({
            status: 200,
            body: { added: tasks.length, already_imported: 0, notices: [] },
          });
          const imported = await tasksOf(into);
          expect(imported.map(content)).toEqual(tasks.map(content));
          // And the copy exports as the original did, but for what belongs to each account.
          const again = (await exportOf(into, kind)).text;
          const withoutOwnLife = (text: string) =>
            kind === 'csv'
              ? text
                  .split('\r\n')
                  .map((line) => line.replace(/^\d+,/, '').replace(/,[^,]*Z,[^,]*Z,/, ','))
                  .join('\r\n')
              : JSON.stringify(JSON.parse(text).tasks.map(content));
          expect(withoutOwnLife(again)).toBe(withoutOwnLife(file));
        });
      }

      test('importing the same file again adds nothing; a later export adds only its new tasks', async () => {
        const { who: from } = await accountWithOddTasks();
        const first = (await exportOf(from, 'csv')).text;
        const into = await signUp(app);
        expect(JSON.parse((await importFile(into, first)).text)).toMatchObject({ added: 4, already_imported: 0 });
        expect(JSON.parse((await importFile(into, first)).text)).toMatchObject({ added: 0, already_imported: 4 });
        await createApiClient(app, { as: from }).createTask({ title: 'Made after the first export' });
        const later = (await exportOf(from, 'json')).text;
        expect(JSON.parse((await importFile(into, later, 'application/json')).text)).toMatchObject({
          added: 1,
          already_imported: 4,
        });
        expect(await countOf(into)).toBe(5);
      });

      test('two tasks alike in one file are two tasks, and stay two when imported again', async () => {
        const into = await signUp(app);
        const file = 'title\r\nBuy milk\r\nBuy milk\r\n';
        expect(JSON.parse((await importFile(into, file)).text)).toMatchObject({ added: 2 });
        expect(JSON.parse((await importFile(into, file)).text)).toMatchObject({ added: 0, already_imported: 2 });
        expect((await tasksOf(into)).map((task) => task.title)).toEqual(['Buy milk', 'Buy milk']);
      });

      test('one bad row refuses the whole file: every bad row listed by line, nothing stored', async () => {
        const into = await signUp(app);
        const before = await countOf(into);
        const file = [
          'title,priority,due_date',
          'Fine,high,',
          'Also fine,,2026-01-31',
          ',low,',
          'Late,normal,2026-02-30',
        ];
        const answer = await importFile(into, file.join('\r\n'));
        const body = expectErrorReplyWithLines(answer, 422);
        expect(body.message).toBe('Nothing was imported: 2 rows cannot be imported as written');
        expect(body.details).toEqual([
          { line: 4, field: 'title', message: 'must not be empty' },
          { line: 5, field: 'due_date', message: 'must be a real date as YYYY-MM-DD' },
        ]);
        expect(await countOf(into)).toBe(before);
      });

      test('a Todoist export: its tasks with their priorities and dates, a date in words left out and said', async () => {
        const into = await signUp(app);
        const answer = await importFile(into, TODOIST_SAMPLE);
        expect({ status: answer.status, body: JSON.parse(answer.text) }).toEqual({
          status: 200,
          body: {
            added: 4,
            already_imported: 0,
            notices: [
              {
                line: 5,
                field: 'DATE',
                message: '“every monday” is not a calendar date: imported without a due date',
              },
            ],
          },
        });
        const tasks = await tasksOf(into);
        expect(tasks.map(({ title, priority, due_date }) => [title, priority, due_date])).toEqual([
          ['Buy milk @errands', 'high', '2026-05-04'],
          ['Water the plants', 'low', null],
          ['Call Bob, about "the plan"', 'normal', '2026-05-06'],
          ['File taxes', 'normal', null],
        ]);
        // Found by search like any task.
        expect((await createApiClient(app, { as: into }).listAll({ q: 'milk' })).map((task) => task.title)).toEqual([
          'Buy milk @errands',
        ]);
      });

      test('imported tasks count in the status filter, and a cached list shows them at once', async () => {
        const into = await signUp(app);
        const api = createApiClient(app, { as: into });
        expect((await api.listPage()).body.items).toEqual([]);
        await importFile(into, 'title,status\r\nOpen one,open\r\nDone one,done\r\nDone two,done\r\n');
        expect((await api.listPage()).body.items.map((task) => task.title)).toEqual([
          'Open one',
          'Done one',
          'Done two',
        ]);
        const page = await send('/', { headers: { cookie: into.cookie } });
        const counts = [...page.text.matchAll(/<span class="count">(\d+)<\/span>/g)].map((match) => match[1]);
        expect(counts).toEqual(['3', '1', '2', '0', '0', '0']); // all, open, done; overdue, today, week
      });

      test('the same file imported twice at once stores each task once', async () => {
        const into = await signUp(app);
        const file = `title\r\n${Array.from({ length: 300 }, (_, index) => `Task ${index}`).join('\r\n')}\r\n`;
        const answers = await Promise.all([importFile(into, file), importFile(into, file), importFile(into, file)]);
        const bodies = answers.map((answer) => ({ status: answer.status, ...JSON.parse(answer.text) }));
        expect(bodies.map((body) => body.status)).toEqual([200, 200, 200]);
        expect(bodies.reduce((sum, body) => sum + body.added, 0)).toBe(300);
        expect(await countOf(into)).toBe(300);
      });
    });

    describe('files made to hurt', () => {
      test(`a file over ${IMPORT_MAX_BYTES / 1024 / 1024} MB is refused (413) before or while it is read`, async () => {
        const into = await signUp(app);
        const big = `title\r\n${'x'.repeat(IMPORT_MAX_BYTES)}`;
        const declared = await importFile(into, big);
        expect(expectErrorReplyWithLines(declared, 413).message).toBe('The file is larger than 5 MB');
        // Sent as a stream, with no Content-Length to refuse it by.
        const streamed = await importFile(into, new Blob([big]).stream());
        expect(expectErrorReplyWithLines(streamed, 413).message).toBe('The file is larger than 5 MB');
        // Just under the limit is read (and refused for what it holds, not for its size).
        const under = await importFile(into, `title\r\n${'y'.repeat(IMPORT_MAX_BYTES - 100)}`);
        expect(under.status).toBe(422);
        expect(await countOf(into)).toBe(0);
      });

      test('anything but text/csv or application/json is 415', async () => {
        const into = await signUp(app);
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
          expect({ type, status: (await importFile(into, 'title\r\nA\r\n', type)).status }).toEqual({
            type,
            status: 415,
          });
        }
      });

      test('binary junk, a million columns and a quote never closed are refused with a reason, quickly', async () => {
        const into = await signUp(app);
        const junk = new Uint8Array(1024 * 1024).map((_, index) => (index * 2_654_435_761) % 251);
        const started = performance.now();
        const refusals = [
          await importFile(into, junk),
          await importFile(into, `${'a,'.repeat(1_000_000)}a\r\n`),
          await importFile(into, 'title,notes\r\nA,"never closed\r\nB,x\r\n'),
          await importFile(into, junk, 'application/json'),
        ].map((answer) => expectErrorReplyWithLines(answer, 422).details);
        expect(performance.now() - started).toBeLessThan(5_000);
        expect(refusals.map((details) => details.map(({ line, field }) => [line, field]))).toEqual([
          [[null, 'file']],
          [[1, 'file']],
          [[2, 'file']],
          [[null, 'file']],
        ]);
        expect(refusals[1]?.[0]?.message).toBe('has more than 100 columns');
        expect(refusals[2]?.[0]?.message).toBe('opens a quoted field that is never closed');
        expect(await countOf(into)).toBe(0);
      });

      test('formula cells come back exactly as typed, and a spreadsheet never sees them as formulas', async () => {
        const { who: from, tasks } = await accountWithOddTasks();
        const into = await signUp(app);
        await importFile(into, (await exportOf(from, 'csv')).text);
        expect((await tasksOf(into)).map((task) => [task.title, task.notes])).toEqual(
          tasks.map((task) => [task.title, task.notes]),
        );
      });

      test('JSON nested a hundred thousand deep is refused as a file, not a crash', async () => {
        const into = await signUp(app);
        const deep = `{"format":"task-manager/1","tasks":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
        const answer = await importFile(into, deep, 'application/json');
        expect(expectErrorReplyWithLines(answer, 422).details).toEqual([
          { line: 1, field: 'file', message: 'is not a task object' },
        ]);
      });
    });

    describe('the import pages', () => {
      const browser = (who: Credentials, headers: Record<string, string> = {}) => ({ cookie: who.cookie, ...headers });
      const upload = (who: Credentials, text: string | null, name = 'tasks.csv') => {
        const form = new FormData();
        if (text !== null) form.set('file', new File([text], name, { type: 'text/csv' }));
        return send('/import', { method: 'POST', headers: browser(who), body: form });
      };
      const confirm = (who: Credentials, content: string, headers: Record<string, string> = {}) =>
        send('/import/confirm', {
          method: 'POST',
          headers: browser(who, { 'content-type': 'application/x-www-form-urlencoded', ...headers }),
          body: new URLSearchParams({ content }).toString(),
        });
      const hiddenContent = (html: string) => /name="content" value="([^"]*)"/.exec(html)?.[1];
      const flashOf = (answer: Answer) => {
        const cookie = answer.headers.getSetCookie().find((line) => line.startsWith('flash='));
        const value = cookie?.slice('flash='.length).split(';')[0] ?? '';
        return JSON.parse(Buffer.from(value, 'base64url').toString('utf8')).text;
      };
      const text = (html: string) =>
        html
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .replaceAll('&quot;', '"')
          .replaceAll('&#39;', "'");

      test('GET /import: a file input labelled File and a Preview import button, posting multipart', async () => {
        const who = await signUp(app);
        const page = await send('/import', { headers: browser(who) });
        expect(page.status).toBe(200);
        expect(page.text).toContain('<label for="import-file">File</label>');
        expect(page.text).toContain('enctype="multipart/form-data"');
        expect(page.text).toMatch(/<button type="submit" class="primary">\s*Preview import\s*<\/button>/);
      });

      test('upload, preview, import: 303 to the list with a message; the same file again adds nothing', async () => {
        const who = await signUp(app);
        const preview = await upload(who, TODOIST_SAMPLE, 'todoist <export>.csv');
        expect(preview.status).toBe(200);
        const shown = text(preview.text);
        expect(preview.text).toContain('Preview of todoist &lt;export&gt;.csv');
        expect(shown).toContain('Read as Todoist CSV.');
        expect(shown).toContain('4 new tasks will be added');
        expect(shown).toContain('3 rows are not a task (sections, comments) and skipped');
        expect(shown).toContain('Line 5: DATE “every monday” is not a calendar date: imported without a due date');
        expect(shown).toContain('Import 4 tasks');
        expect(await countOf(who)).toBe(0);

        const content = hiddenContent(preview.text) ?? '';
        expect(Buffer.from(content, 'base64url').toString('utf8')).toBe(TODOIST_SAMPLE);
        const imported = await confirm(who, content);
        expect({ status: imported.status, location: imported.headers.get('location') }).toEqual({
          status: 303,
          location: '/',
        });
        expect(flashOf(imported)).toBe('Import finished: 4 new, 0 already imported.');
        expect(await countOf(who)).toBe(4);

        const again = await upload(who, TODOIST_SAMPLE);
        expect(text(again.text)).toContain('Nothing new to import: every task in this file is here already.');
        expect(text(again.text)).toContain('4 tasks were already imported');
        expect(hiddenContent(again.text)).toBeUndefined();
        // The confirmation sent twice (Back, then the button again) adds nothing either.
        expect(flashOf(await confirm(who, content))).toBe('Import finished: 0 new, 4 already imported.');
        expect(await countOf(who)).toBe(4);
      });

      test('a file with bad rows: 422, each by its line, and no import button', async () => {
        const who = await signUp(app);
        const answer = await upload(who, 'title,priority\r\nFine,high\r\n,low\r\nAlso fine,urgent\r\n');
        expect(answer.status).toBe(422);
        const shown = text(answer.text);
        expect(shown).toContain('Nothing can be imported yet: 2 rows cannot be imported as written.');
        expect(shown).toContain('Line 3: title must not be empty');
        expect(shown).toContain('Line 4: priority must be one of: low, normal, high');
        expect(hiddenContent(answer.text)).toBeUndefined();
      });

      test('a hundred refused rows are listed one by one, the rest counted; the API lists every one', async () => {
        const who = await signUp(app);
        const file = `title\r\n${Array.from({ length: 150 }, () => '\u200b').join('\r\n')}\r\n`;
        const page = await upload(who, file);
        expect(page.status).toBe(422);
        expect([...page.text.matchAll(/<li>Line \d+: title must not be empty<\/li>/g)]).toHaveLength(100);
        expect(text(page.text)).toContain('150 rows cannot be imported as written.');
        expect(text(page.text)).toContain('And 50 more.');
        expect(expectErrorReplyWithLines(await importFile(who, file), 422).details).toHaveLength(150);
      });

      test('the confirmation is checked again from scratch: a changed file is refused, nothing stored', async () => {
        const who = await signUp(app);
        const forged = Buffer.from('title,notes\r\nGood,\r\n\r\n,x\r\n').toString('base64url');
        const answer = await confirm(who, forged);
        expect(answer.status).toBe(422);
        expect(text(answer.text)).toContain('Line 4: title must not be empty');
        expect(await countOf(who)).toBe(0);
        const garbage = await confirm(who, '%%%not base64%%%');
        expect(garbage.status).toBe(422);
        expect(await countOf(who)).toBe(0);
      });

      test('no file chosen, or one too large: the form again, with why', async () => {
        const who = await signUp(app);
        const none = await upload(who, null);
        expect(none.status).toBe(422);
        expect(text(none.text)).toContain('Choose a file to import.');
        expect(none.text).toContain('aria-invalid="true"');
        const tooLarge = await upload(who, `title\r\n${'x'.repeat(IMPORT_MAX_BYTES)}`);
        expect(tooLarge.status).toBe(413);
        expect(text(tooLarge.text)).toContain('The file is larger than 5 MB');
      });

      test('a form from another site cannot import', async () => {
        const who = await signUp(app);
        const content = Buffer.from('title\r\nPlanted\r\n').toString('base64url');
        expect((await confirm(who, content, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
        expect(await countOf(who)).toBe(0);
      });

      test('the settings page links to both exports and the import', async () => {
        const who = await signUp(app);
        const settings = await send('/settings', { headers: browser(who) });
        for (const href of ['/export.csv', '/export.json', '/import'])
          expect(settings.text).toContain(`href="${href}"`);
      });
    });
  });
}

/** The API's error contract, whose details also carry the line of each refused row. */
function expectErrorReplyWithLines(answer: Answer, status: number) {
  const body = JSON.parse(answer.text) as {
    error: string;
    message: string;
    details: { line: number | null; field: string; message: string }[];
  };
  expectErrorReply(
    {
      status: answer.status,
      headers: answer.headers,
      text: answer.text,
      body: { ...body, details: body.details.map(({ field, message }) => ({ field, message })) },
    },
    status,
  );
  return body;
}
