import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type App, createApp } from '../../src/app';
import { addDays, todayIn } from '../../src/lib/calendar-date';
import { createLogger } from '../../src/lib/logger';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { createApiClient, signUp } from '../support/http';

/**
 * The task page's due views, order, priority filter, dates in the person's time zone and locale,
 * and quick add, over HTTP without a browser (tests/e2e/task-page-views.test.ts has the browser
 * side). Each test signs up an account of its own: its time zone and locale are part of the test.
 */

const HTMX = { 'hx-request': 'true' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const FROM_THE_FORM = { ...HTMX, 'hx-source': 'form#list-controls' };
const FROM_A_LINK = { ...HTMX, 'hx-source': 'a' };

/** A time zone whose date is not UTC's right now (one of them always is: they are 25 hours apart). */
function zoneOtherThanUtc(): string {
  const zone = ['Pacific/Kiritimati', 'Pacific/Pago_Pago'].find((candidate) => todayIn(candidate) !== todayIn('UTC'));
  if (!zone) throw new Error('no zone differs from UTC today');
  return zone;
}

/** The counts the filter links show, by name: { All: 3, Open: 2, …, "This week": 1 }. */
function filterCounts(html: string): Record<string, number> {
  const links = html.matchAll(/>([A-Z][a-z]+(?: [a-z]+)?) <span class="count">(\d+)<\/span>/g);
  return Object.fromEntries([...links].map((match) => [match[1], Number(match[2])]));
}

/** The titles of the list's items, in order. */
const titlesIn = (html: string) =>
  [...html.matchAll(/<p class="task-title" dir="auto">([^<]*)<\/p>/g)].map((m) => m[1]);
/** Which filter link is marked as the current page. */
const currentFilter = (html: string) => /aria-current="page">([A-Z][a-z]+(?: [a-z]+)?) </.exec(html)?.[1];

for (const engine of ENGINES) {
  describe(`due views and quick add on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
    });
    afterAll(() => database.cleanup());

    /** A new account, its client, and a way to read its pages. */
    async function newAccount() {
      const client = createApiClient(app, { as: await signUp(app) });
      const page = async (path: string, headers: Record<string, string> = {}) => {
        const reply = await client.get(path, headers);
        return { status: reply.status, html: reply.text, headers: reply.headers };
      };
      const postForm = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
        client.post(path, { body: new URLSearchParams(fields).toString(), headers: { ...FORM, ...headers } });
      const setRegion = async (time_zone: string, locale: string) =>
        expect((await postForm('/settings/region', { time_zone, locale })).status).toBe(303);
      return { client, page, postForm, setRegion };
    }

    test('Overdue, Today and This week: open tasks by due date, counted, marked current, soonest first', async () => {
      const { client, page } = await newAccount();
      const today = todayIn('UTC');
      for (const [title, due_date, status] of [
        ['Pay the rent', addDays(today, -2), 'open'],
        ['File the report', addDays(today, -1), 'done'],
        ['Call the bank', today, 'open'],
        ['Renew the passport', addDays(today, 3), 'open'],
        ['Book the flights', addDays(today, 6), 'open'],
        ['Plan the summer', addDays(today, 7), 'open'],
        ['Someday', null, 'open'],
      ] as const) {
        const task = await client.createTask({ title, due_date });
        if (status === 'done') await client.patch(`/api/tasks/${task.id}`, { json: { status } });
      }
      const all = await page('/');
      expect(filterCounts(all.html)).toEqual({ All: 7, Open: 6, Done: 1, Overdue: 1, Today: 1, 'This week': 3 });
      expect(currentFilter(all.html)).toBe('All');
      expect(all.html).toContain('<a href="/?due=overdue" hx-get="/?due=overdue"');

      const views = {
        overdue: { heading: 'Overdue tasks', titles: ['Pay the rent'] },
        today: { heading: 'Due today', titles: ['Call the bank'] },
        week: { heading: 'Due this week', titles: ['Call the bank', 'Renew the passport', 'Book the flights'] },
      };
      for (const [due, { heading, titles }] of Object.entries(views)) {
        for (const headers of [{}, FROM_A_LINK]) {
          const view = await page(`/?due=${due}`, headers);
          expect({ due, status: view.status, titles: titlesIn(view.html) }).toEqual({ due, status: 200, titles });
          expect(view.html).toContain(`>${heading}</h2>`);
          // The sort select shows the order the view has: due date.
          expect(view.html).toMatch(/<option value="due" selected>Due date<\/option>/);
        }
      }
      const week = await page('/?due=week');
      expect(currentFilter(week.html)).toBe('This week');
      // Back to All: its own order, newest first, so a plain "/".
      expect(week.html).toContain('<a href="/" hx-get="/"');

      const empty = await newAccount();
      expect((await empty.page('/?due=today')).html).toContain('>Nothing due today.</p>');
    });

    test('the order and the priority filter combine with a search and a due view, and every link keeps them', async () => {
      const { client, page } = await newAccount();
      const today = todayIn('UTC');
      await client.createTask({ title: 'Fix the roof', priority: 'low', due_date: addDays(today, 2) });
      await client.createTask({ title: 'Fix the sink', priority: 'high', due_date: addDays(today, 5) });
      await client.createTask({ title: 'Fix the door', priority: 'high', due_date: addDays(today, 1) });
      await client.createTask({ title: 'Paint the fence', priority: 'high' });

      expect(titlesIn((await page('/?sort=priority&q=fix')).html)).toEqual([
        'Fix the door',
        'Fix the sink',
        'Fix the roof',
      ]);
      expect(titlesIn((await page('/?sort=due')).html)).toEqual([
        'Fix the door',
        'Fix the roof',
        'Fix the sink',
        'Paint the fence',
      ]);
      const high = await page('/?priority=high&q=fix');
      expect(titlesIn(high.html)).toEqual(['Fix the door', 'Fix the sink']);
      expect(filterCounts(high.html)).toEqual({ All: 2, Open: 2, Done: 0, Overdue: 0, Today: 0, 'This week': 2 });
      expect(high.html).toContain('<option value="high" selected>High only</option>');
      // Every filter link keeps the search and the priority.
      expect(high.html).toContain('href="/?status=open&amp;q=fix&amp;priority=high"');
      expect(high.html).toContain('href="/?due=week&amp;q=fix&amp;priority=high"');

      // A due view is in due-date order, always: its index serves no other (owner-indexes.test.ts).
      const weekByPriority = await page('/?due=week&sort=priority');
      expect(titlesIn(weekByPriority.html)).toEqual(['Fix the door', 'Fix the roof', 'Fix the sink']);
      expect(weekByPriority.html).toContain('<select id="list-sort" name="sort" disabled>');
      expect((await page('/?sort=priority')).html).toContain('href="/?due=week" hx-get="/?due=week"');
      expect((await page('/?due=week')).html).toContain('<a href="/" hx-get="/"');
    });

    test('values a link cannot mean fall back to the defaults, never an error', async () => {
      const { client, page } = await newAccount();
      await client.createTask({ title: 'Water the plants' });
      const plain = await page('/');
      for (const query of [
        'due=tomorrow',
        'sort=random',
        'priority=urgent',
        'due=today&status=done',
        'sort=',
        'due=',
      ]) {
        const reply = await page(`/?${query}`);
        expect({ query, status: reply.status }).toEqual({ query, status: 200 });
        if (!query.startsWith('due=today')) expect(titlesIn(reply.html)).toEqual(titlesIn(plain.html));
      }
      // A due view lists open tasks: a status beside it gives way.
      expect(currentFilter((await page('/?due=today&status=done')).html)).toBe('Today');
    });

    test('htmx: the region answer names the URL to push; a link answer brings the form its view, the form its own answer', async () => {
      const { page } = await newAccount();
      // What the GET form sends with every field, defaults and all: the pushed URL leaves those out.
      const fromForm = await page('/?q=&status=open&sort=created&priority=', FROM_THE_FORM);
      expect(fromForm.headers.get('hx-push-url')).toBe('/?status=open');
      expect(fromForm.html).toStartWith('<section id="task-region"');
      // Replacing the selects the user is changing could take back a newer choice.
      expect(fromForm.html).not.toContain('id="list-options"');

      const fromLink = await page('/?due=week&priority=low', FROM_A_LINK);
      expect(fromLink.headers.get('hx-push-url')).toBe('/?due=week&priority=low');
      const options = fromLink.html.slice(fromLink.html.indexOf('<div id="list-options"'));
      expect(options).toStartWith('<div id="list-options" class="list-options" hx-swap-oob="true">');
      expect(options).toContain('<input type="hidden" name="due" value="week"/>');
      expect(options).toContain('<option value="due" selected>Due date</option>');
      expect(options).toContain('<option value="low" selected>Low only</option>');
      expect((await page('/', FROM_A_LINK)).html).toContain('<option value="created" selected>Newest first</option>');
    });

    test('"today" is the account\'s: due views, overdue marks and the kept pages follow its time zone', async () => {
      const { client, page, setRegion } = await newAccount();
      const zone = zoneOtherThanUtc();
      const [utcToday, zoneToday] = [todayIn('UTC'), todayIn(zone)];
      await client.createTask({ title: 'Due in the zone today', due_date: zoneToday });
      await client.createTask({ title: 'Due in UTC today', due_date: utcToday });

      const inUtc = await page('/?due=today');
      expect(titlesIn(inUtc.html)).toEqual(['Due in UTC today']);
      const utcPage = (await page('/')).html;
      // Kept for this list version: the change of zone alone must not serve it again.
      expect((await page('/')).html).toBe(utcPage);

      await setRegion(zone, 'en-GB');
      const inZone = await page('/?due=today');
      expect(titlesIn(inZone.html)).toEqual(['Due in the zone today']);
      const zonePage = (await page('/')).html;
      expect(zonePage).not.toBe(utcPage);
      // Ahead of UTC, UTC's today is already overdue; behind it, the zone's today is still to come.
      const overdue = zoneToday > utcToday ? 'Due in UTC today' : null;
      const marked = [
        ...zonePage.matchAll(
          /<li id="task-\d+" class="[^"]*overdue[^"]*"[^>]*>(?:(?!<\/li>)[\s\S])*?<p class="task-title" dir="auto">([^<]*)</g,
        ),
      ];
      expect(marked.map((match) => match[1])).toEqual(overdue ? [overdue] : []);
    });

    test("dates are written one way, in the account's locale, with a machine-readable <time>", async () => {
      const { client, page, setRegion } = await newAccount();
      const today = todayIn('UTC');
      const near = addDays(today, 3);
      const far = addDays(today, 400);
      await client.createTask({ title: 'Soon', due_date: near });
      await client.createTask({ title: 'Next year', due_date: far });
      const inUk = (await page('/')).html;
      const written = (locale: string, date: string, year: boolean) =>
        new Intl.DateTimeFormat(locale, {
          weekday: 'short',
          day: 'numeric',
          month: 'short',
          timeZone: 'UTC',
          ...(year ? { year: 'numeric' } : {}),
        }).format(new Date(`${date}T00:00:00Z`));
      expect(inUk).toContain(
        `<time datetime="${near}" lang="en-GB" dir="auto">${written('en-GB', near, false)}</time>`,
      );
      expect(inUk).toContain(`<time datetime="${far}" lang="en-GB" dir="auto">${written('en-GB', far, true)}</time>`);

      await setRegion('UTC', 'de-DE');
      const inGermany = (await page('/')).html;
      expect(inGermany).toContain(
        `<time datetime="${near}" lang="de-DE" dir="auto">${written('de-DE', near, false)}</time>`,
      );
      // The item cache keeps items per locale too: no English date survives the change.
      expect(inGermany).not.toContain(written('en-GB', near, false));
    });

    test('quick add: words in the title set due date and priority over the fields, "today" in the account\'s zone', async () => {
      const { client, page, postForm, setRegion } = await newAccount();
      const zone = zoneOtherThanUtc();
      await setRegion(zone, 'en-GB');
      const tomorrow = addDays(todayIn(zone), 1);

      const added = await postForm('/tasks', { title: 'Call the bank tomorrow !high', priority: 'low', due_date: '' });
      expect(added.status).toBe(303);
      const [task] = await client.listAll();
      expect(task).toMatchObject({ title: 'Call the bank', priority: 'high', due_date: tomorrow });
      // Without JavaScript, the message after the add says what the words set.
      const cookie = added.headers.get('set-cookie')?.split(';')[0] ?? '';
      const next = await page('/', { cookie });
      const tomorrowWritten = new Intl.DateTimeFormat('en-GB', {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        timeZone: 'UTC',
      }).format(new Date(`${tomorrow}T00:00:00Z`));
      expect(next.html).toContain(`Added “Call the bank”: due ${tomorrowWritten} · priority high`);

      // A quoted word stays a word; a plain title's message is the plain one.
      const htmx = await postForm('/tasks', { title: 'Watch "Today" tonight' }, HTMX);
      expect(htmx.status).toBe(201);
      expect(htmx.text).toContain('Added “Watch &quot;Today&quot; tonight”</p>');
      expect((await client.listAll())[0]).toMatchObject({ title: 'Watch "Today" tonight', due_date: null });

      // The JSON API takes fields as sent: its title is stored as typed.
      const literal = await client.createTask({ title: 'Call the bank tomorrow !high' });
      expect(literal).toMatchObject({ title: 'Call the bank tomorrow !high', priority: 'normal', due_date: null });
    });

    test('a refused quick add comes back as typed, and says what its words would set', async () => {
      const { postForm } = await newAccount();
      const refused = await postForm('/tasks', { title: `${'x'.repeat(201)} !low` });
      expect(refused.status).toBe(422);
      expect(refused.text).toContain(`value="${'x'.repeat(201)} !low"`);
      expect(refused.text).toContain(
        '<p id="new-title-hint" class="field-hint quick-add-preview" aria-live="polite"><span>Will set: priority low</span></p>',
      );
    });

    test("the preview says what an add will set, in the account's words; only htmx asks for it", async () => {
      const { page, setRegion } = await newAccount();
      await setRegion('UTC', 'en-US');
      const soon = addDays(todayIn('UTC'), 3);
      const preview = await page(
        `/tasks/preview?${new URLSearchParams({ title: `Buy a tree due ${soon} !high` })}`,
        HTMX,
      );
      expect(preview.status).toBe(200);
      const written = new Intl.DateTimeFormat('en-US', {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        timeZone: 'UTC',
      });
      expect(preview.html).toBe(
        `<span>Will set: due ${written.format(new Date(`${soon}T00:00:00Z`))} · priority high</span>`,
      );
      expect((await page('/tasks/preview?title=Buy+a+tree', HTMX)).html).toBe('');
      expect((await page('/tasks/preview?title=%22today%22', HTMX)).html).toBe('');
      // Longer than any title: cut, never refused (app.js asks for none past 300 characters).
      expect((await page(`/tasks/preview?title=${'a'.repeat(3_000)}%20!low`, HTMX)).status).toBe(200);
      const plain = await page('/tasks/preview?title=today');
      expect([plain.status, plain.headers.get('location')]).toEqual([303, '/']);
    });

    test('priority and due date stay chosen from one add to the next: without JavaScript through the redirect', async () => {
      const { page, postForm } = await newAccount();
      const due = addDays(todayIn('UTC'), 4);
      const added = await postForm('/tasks', { title: 'First of the batch', priority: 'low', due_date: due });
      const cookie = added.headers.get('set-cookie')?.split(';')[0] ?? '';
      const next = await page('/', { cookie });
      expect(next.html).toContain('<option value="low" selected>Low</option>');
      expect(next.html).toMatch(new RegExp(`<input id="new-due" name="due_date" type="date" value="${due}"`));
      // The fields are on show, not hidden in a closed <details>.
      expect(next.html).toContain('<details class="more-fields" open>');
      expect(next.html).toMatch(/<input id="new-title" name="title" type="text" value=""/);

      // A forged cookie can only choose among the real values: anything else is the default.
      const forged = Buffer.from(
        JSON.stringify({ kind: 'status', text: 'hi', keep: { priority: 'urgent', due_date: '2026-02-30', x: 1 } }),
      ).toString('base64url');
      const defaults = await page('/', { cookie: `flash=${forged}` });
      expect(defaults.status).toBe(200);
      expect(defaults.html).toContain('<option value="normal" selected>Normal</option>');
      expect(defaults.html).toMatch(/<input id="new-due" name="due_date" type="date" value=""/);
    });

    test('with htmx, an add to a list in due-date order brings the region back with the task in its place', async () => {
      const { client, postForm } = await newAccount();
      const today = todayIn('UTC');
      await client.createTask({ title: 'Later', due_date: addDays(today, 5) });
      await client.createTask({ title: 'Sooner', due_date: addDays(today, 1) });
      const inOrder = await postForm(
        '/tasks',
        { title: 'In between', due_date: addDays(today, 3) },
        { ...HTMX, 'hx-current-url': 'http://localhost/?due=week' },
      );
      expect(inOrder.status).toBe(201);
      expect(inOrder.headers.get('hx-retarget')).toBe('#task-region');
      expect(titlesIn(inOrder.text)).toEqual(['Sooner', 'In between', 'Later']);
      expect(inOrder.text).toContain('Added “In between”');

      // Not due this week: not in this view, so no item; the counts still move.
      const elsewhere = await postForm(
        '/tasks',
        { title: 'Undated' },
        { ...HTMX, 'hx-current-url': 'http://localhost/?due=week' },
      );
      expect(elsewhere.status).toBe(201);
      expect(titlesIn(elsewhere.text)).toEqual([]);
      expect(filterCounts(elsewhere.text)).toMatchObject({ All: 4, 'This week': 3 });
    });
  });
}
