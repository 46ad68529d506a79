import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { type App, createApp } from '../../src/app';
import { openDatabase } from '../../src/db/open-database';
import type { SqlClient } from '../../src/db/sql-client';
import { createLogger } from '../../src/lib/logger';
import { TASK_MIGRATIONS } from '../../src/tasks/schema';
import { ORIGIN } from '../support/http';
import { INVISIBLE_TITLES } from '../support/invisible-titles';

/**
 * Property tests with fast-check against the whole app (app.handle, a real SQLite database).
 * CI runs FUZZ_RUNS (default 500) cases per property; `bun run fuzz` runs 2,500 per property,
 * 10,000 in all, and prints the seed so any failure can be replayed with FUZZ_SEED.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
let casesRun = 0;

let db: SqlClient;
let app: App;
let errorsLogged = 0;

beforeAll(async () => {
  db = await openDatabase({ engine: 'sqlite', path: ':memory:' }, TASK_MIGRATIONS);
  app = createApp({ db, logger: createLogger('error', () => errorsLogged++) });
});
afterAll(async () => {
  await db.close();
  process.stdout.write(`fuzz: ${casesRun} cases passed across 4 properties (seed ${SEED}, FUZZ_RUNS=${RUNS})\n`);
});

const check = async (property: fc.IAsyncProperty<unknown[]> | fc.IAsyncPropertyWithHooks<unknown[]>) => {
  await fc.assert(property, { numRuns: RUNS, seed: SEED, endOnFailure: true });
  casesRun += RUNS;
};

const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array) =>
  app.handle(
    new Request(`${ORIGIN}${path}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : (body as BodyInit | undefined),
    }),
  );

const taskCount = async () => Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM tasks'))[0]?.n);

// Text as people type it, and as attackers do.
const nasty = fc.constantFrom(
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "'; DROP TABLE tasks; --",
  '{{7*7}}',
  '\u0000',
  '\u202e',
  '👨‍👩‍👧',
  '&amp;',
  '%',
  '_',
);
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  nasty,
  fc.tuple(fc.string(), nasty).map(([a, b]) => a + b),
);
// What the rules accept: a title that shows something, no control characters but tabs, and line
// breaks in notes.
const visible = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Mn}\u2800]/u;
const validTitle = anyText.filter(
  (text) => visible.test(text) && !/(?!\t)\p{Cc}/u.test(text.trim()) && [...text.trim()].length <= 200,
);
// Titles of nothing visible, mixed from the invisible ones the API tests name.
const invisibleTitle = fc
  .array(fc.constantFrom(...INVISIBLE_TITLES.map(([, title]) => title)), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));
const validNotes = anyText.filter((text) => !/(?![\t\n\r])\p{Cc}/u.test(text) && [...text].length <= 5_000);

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const segment = fc.oneof(
  fc.constantFrom('1', '0', '-1', 'abc', '1.5', '99999999999999999999', '%00', '..'),
  fc.nat().map(String),
  fc.string({ maxLength: 8 }).map(encodeURIComponent),
);
const path = fc.oneof(
  fc.constantFrom('/api/tasks', '/', '/tasks', '/health', '/metrics', '/pool-stats', '/swagger/json'),
  segment.map((id) => `/api/tasks/${id}`),
  segment.map((id) => `/tasks/${id}`),
  fc
    .tuple(segment, fc.constantFrom('complete', 'reopen', 'delete', 'edit'))
    .map(([id, action]) => `/tasks/${id}/${action}`),
  fc
    .dictionary(
      fc.constantFrom('status', 'q', 'priority', 'sort', 'limit', 'cursor', 'x'),
      fc.string({ maxLength: 30 }),
    )
    .map((query) => `/api/tasks?${new URLSearchParams(query)}`),
  fc
    .dictionary(fc.constantFrom('status', 'q', 'cursor'), fc.string({ maxLength: 30 }))
    .map((query) => `/?${new URLSearchParams(query)}`),
);

describe('fuzzing the whole app', () => {
  test('no input yields a 5xx', async () => {
    await check(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'),
        path,
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
          'application/json; charset=utf-16',
          '',
        ),
        fc.oneof(
          jsonValue.map((value) => JSON.stringify(value)),
          fc.string(),
          fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes),
        ),
        fc.record(
          {
            'hx-request': fc.constantFrom('true', 'false'),
            'if-match': fc.constantFrom('"1"', '*', 'W/"2"', 'garbage'),
          },
          { requiredKeys: [] },
        ),
        async (method, target, contentType, body, extra) => {
          const headers: Record<string, string> = { ...extra };
          if (contentType) headers['content-type'] = contentType;
          const response = await send(method, target, headers, body);
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        },
      ),
    );
    expect(errorsLogged).toBe(0);
  }, 120_000);

  test('invalid input yields 4xx and stores nothing', async () => {
    const invalidTask = fc.oneof(
      fc.record({ title: fc.constantFrom('', '   ', '\n\t') }),
      fc.record({ title: invisibleTitle }),
      fc.record({
        title: fc.string({ minLength: 201, maxLength: 300 }).filter((title) => [...title.trim()].length > 200),
      }),
      fc.record({ title: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string())) }),
      fc.record({ title: fc.constant('ok'), notes: fc.string({ minLength: 5_001, maxLength: 5_100 }) }),
      fc.record({
        title: fc.constant('ok'),
        priority: fc.string().filter((value) => !['low', 'normal', 'high'].includes(value)),
      }),
      fc.record({
        title: fc.constant('ok'),
        due_date: fc.oneof(fc.constantFrom('2026-02-30', 'yesterday', '2026-13-01', '0999-01-01'), fc.integer()),
      }),
      fc.record({ title: fc.constant('ok'), x_bogus: jsonValue }),
      fc.record({
        title: fc
          .tuple(fc.string(), fc.constantFrom('\u0000', '\n', '\u001b', '\u007f'))
          .map(([text, control]) => `ok${control}${text}ok`),
      }),
    );
    await check(
      fc.asyncProperty(invalidTask, async (input) => {
        const before = await taskCount();
        const response = await send(
          'POST',
          '/api/tasks',
          { 'content-type': 'application/json' },
          JSON.stringify(input),
        );
        const body = await response.json();
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(body.details.length).toBeGreaterThan(0);
        expect(await taskCount()).toBe(before);
      }),
    );
  }, 120_000);

  test('what was created reads back identical', async () => {
    const dueDate = fc.option(
      fc
        .date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
        .map((date) => date.toISOString().slice(0, 10)),
    );
    await check(
      fc.asyncProperty(
        validTitle,
        validNotes,
        fc.constantFrom('low', 'normal', 'high'),
        dueDate,
        async (taskTitle, taskNotes, priority, due) => {
          const input = { title: taskTitle, notes: taskNotes, priority, due_date: due };
          const created = await send(
            'POST',
            '/api/tasks',
            { 'content-type': 'application/json' },
            JSON.stringify(input),
          );
          expect(created.status).toBe(201);
          const location = created.headers.get('location') ?? '';
          const stored = await (await send('GET', location)).json();
          expect(stored).toMatchObject({
            title: taskTitle.trim(),
            notes: taskNotes,
            priority,
            due_date: due,
            status: 'open',
            version: 1,
          });
        },
      ),
    );
  }, 120_000);

  test('no HTML response contains user input unescaped', async () => {
    await check(
      fc.asyncProperty(validTitle, anyText, async (taskTitle, query) => {
        const form = new URLSearchParams({ title: taskTitle, notes: taskTitle });
        const fragment = await send(
          'POST',
          '/tasks',
          { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
          form.toString(),
        );
        const id = /id="task-(\d+)"/.exec(await fragment.clone().text())?.[1];
        const pages = [
          fragment,
          await send('GET', `/?${new URLSearchParams({ q: query })}`),
          await send('GET', `/tasks/${id}/edit`),
          await send('GET', `/tasks/${id}/edit`, { 'hx-request': 'true' }),
        ];
        for (const page of pages) expect(await injectedMarkup(await page.text())).toEqual([]);
        await send('POST', `/tasks/${id}/delete`, { 'content-type': 'application/x-www-form-urlencoded' }, 'version=1');
      }),
    );
  }, 120_000);
});

// Elements and attributes our templates use. Anything else in a page came from user input.
const OUR_ELEMENTS = new Set(
  'html head meta title link script body a header p main footer h1 div form input label details summary textarea select option button search nav ul li span section time strong dl dt dd hx-partial'.split(
    ' ',
  ),
);

async function injectedMarkup(html: string): Promise<string[]> {
  const found: string[] = [];
  await new HTMLRewriter()
    .on('*', {
      element(element) {
        if (!OUR_ELEMENTS.has(element.tagName)) found.push(`<${element.tagName}>`);
        for (const [name] of element.attributes) if (name.startsWith('on')) found.push(`${element.tagName}[${name}]`);
        if (element.tagName === 'script' && !element.getAttribute('src')) found.push('inline <script>');
      },
    })
    .transform(new Response(html))
    .text();
  return found;
}
