import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { APP_MIGRATIONS, type App, createApp } from '../../src/app';
import { openDatabase } from '../../src/db/open-database';
import type { SqlClient } from '../../src/db/sql-client';
import { createLogger } from '../../src/lib/logger';
import { type Credentials, ORIGIN, signUp } from '../support/http';
import { INVISIBLE_TITLES } from '../support/invisible-titles';

/**
 * Property tests with fast-check against the whole app (app.handle, a real SQLite database).
 * Requests carry a signed-in account's credentials (its token to /api, its session cookie to pages),
 * so fuzzed input reaches the handlers rather than stopping at the accounts gate; one property fuzzes
 * the credentials themselves. CI runs FUZZ_RUNS (default 500) cases per property; `bun run fuzz`
 * runs 2,500 per property, and prints the seed so any failure can be replayed with FUZZ_SEED.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
let casesRun = 0;

let db: SqlClient;
let app: App;
let errorsLogged = 0;
/** Whose requests these are; replaced when a fuzzed request signs it out or revokes its token. */
let account: Credentials;

beforeAll(async () => {
  db = await openDatabase({ engine: 'sqlite', path: ':memory:' }, APP_MIGRATIONS);
  app = createApp({ db, logger: createLogger('error', () => errorsLogged++) });
  account = await signUp(app);
});
afterAll(async () => {
  await db.close();
  process.stdout.write(`fuzz: ${casesRun} cases passed across 6 properties (seed ${SEED}, FUZZ_RUNS=${RUNS})\n`);
});

const check = async (property: fc.IAsyncProperty<unknown[]> | fc.IAsyncPropertyWithHooks<unknown[]>) => {
  await fc.assert(property, { numRuns: RUNS, seed: SEED, endOnFailure: true });
  casesRun += RUNS;
};

/** A request as nobody: no credentials but those in `headers`. */
const sendAsNobody = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array) =>
  app.handle(
    new Request(`${ORIGIN}${path}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : (body as BodyInit | undefined),
    }),
  );

/** What a signed-in client sends: its token to /api, its session cookie to pages. */
const credentialsFor = (path: string): Record<string, string> =>
  path.startsWith('/api/') ? { authorization: `Bearer ${account.token}` } : { cookie: account.cookie };

const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array) =>
  sendAsNobody(method, path, { ...credentialsFor(path), ...headers }, body);

/** Whether an answer is the accounts gate's refusal, i.e. the request never reached its handler. */
const stoppedAtGate = (response: Response) =>
  response.status === 401 || (response.headers.get('location') ?? '').startsWith('/signin');

/** After a fuzzed sign-out, password change or revoke: signs a new account in if ours stopped working. */
async function stayCredentialed(): Promise<void> {
  const api = await sendAsNobody('GET', '/api/tokens', { authorization: `Bearer ${account.token}` });
  const page = await sendAsNobody('GET', '/settings', { cookie: account.cookie });
  await Promise.all([api.arrayBuffer(), page.arrayBuffer()]);
  if (api.status !== 200 || page.status !== 200) account = await signUp(app);
}
const MAY_END_CREDENTIALS = /^\/(signout|settings\/(password|sign-out-everywhere|tokens\/[^/]*\/revoke)|api\/tokens\/)/;

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
  fc.constantFrom('/api/tokens', '/settings', '/settings/tokens', '/signin', '/signup', '/signout'),
  fc.constantFrom('/settings/password', '/settings/sign-out-everywhere'),
  segment.map((id) => `/api/tokens/${id}`),
  segment.map((id) => `/settings/tokens/${id}/revoke`),
  fc.string({ maxLength: 30 }).map((to) => `/signin?${new URLSearchParams({ return_to: to })}`),
);

describe('fuzzing the whole app', () => {
  test('no input yields a 5xx', async () => {
    let reachedHandlers = 0;
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
        fc.constantFrom(true, true, true, false),
        async (method, target, contentType, body, extra, signedIn) => {
          const headers: Record<string, string> = { ...extra };
          if (contentType) headers['content-type'] = contentType;
          const response = await (signedIn ? send : sendAsNobody)(method, target, headers, body);
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
          if (signedIn && !stoppedAtGate(response)) reachedHandlers++;
          if (MAY_END_CREDENTIALS.test(target)) await stayCredentialed();
        },
      ),
    );
    expect(errorsLogged).toBe(0);
    // Signed in, most fuzzed requests get past the gate to the code that reads their input.
    expect(reachedHandlers).toBeGreaterThan(RUNS / 2);
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
        const formType = { 'content-type': 'application/x-www-form-urlencoded' };
        const region = { ...formType, 'hx-request': 'true', 'hx-target': 'section#task-region' };
        // A bulk change at a version the task is not at names it in the refusal; delete and its Undo name it too.
        const staleBulk = `action=complete&task=${id}:2`;
        const pages = [
          fragment,
          await send('GET', `/?${new URLSearchParams({ q: query })}`),
          await send('GET', `/tasks/${id}/edit`),
          await send('GET', `/tasks/${id}/edit`, { 'hx-request': 'true' }),
          await send('POST', '/tasks/bulk', formType, staleBulk),
          await send('POST', '/tasks/bulk', region, staleBulk),
          await send('POST', `/tasks/${id}/delete`, { ...formType, 'hx-request': 'true' }, 'version=1'),
          await send('POST', `/tasks/${id}/restore`, region, ''),
        ];
        for (const page of pages) expect(await injectedMarkup(await page.text())).toEqual([]);
        await send('POST', `/tasks/${id}/delete`, formType, 'version=2');
      }),
    );
  }, 120_000);

  test('no account page contains user input unescaped', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    await check(
      fc.asyncProperty(anyText, anyText, async (name, email) => {
        // A token's name shows in the new-token notice and the list (or, past the limit, in the form).
        const made = await send('POST', '/settings/tokens', form, new URLSearchParams({ name }).toString());
        // An email is typed back into the form; with no password it is refused before any hashing.
        const refused = await sendAsNobody(
          'POST',
          '/signin',
          form,
          new URLSearchParams({ email, password: '' }).toString(),
        );
        const signup = await sendAsNobody(
          'POST',
          '/signup',
          form,
          new URLSearchParams({ email, password: '' }).toString(),
        );
        const returning = await sendAsNobody('GET', `/signin?${new URLSearchParams({ return_to: email })}`);
        for (const page of [made, refused, signup, returning, await send('GET', '/settings')])
          expect(await injectedMarkup(await page.text())).toEqual([]);
      }),
    );
  }, 120_000);

  test('forged Authorization and Cookie headers never authenticate and never break anything', async () => {
    await check(
      fc.asyncProperty(
        fc.constantFrom('/api/tasks', '/api/tokens', '/api/tasks/1', '/', '/settings', '/tasks/1/edit', '/?q=a'),
        fc.option(forgedAuthorization(account.token), { nil: undefined }),
        fc.option(forgedCookie(account.cookie), { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        async (path, authorization, cookie, realCookieBeside, htmx) => {
          const api = path.startsWith('/api/');
          const headers: Record<string, string> = htmx ? { 'hx-request': 'true' } : {};
          // A real session beside a forged Authorization must not rescue it on the API.
          const cookies = [cookie, api && authorization !== undefined && realCookieBeside ? account.cookie : undefined];
          const cookieHeader = cookies.filter(Boolean).join('; ');
          if (cookieHeader) headers.cookie = cookieHeader;
          if (authorization !== undefined) headers.authorization = authorization;
          const response = await sendAsNobody('GET', path, { ...headers, 'sec-fetch-site': 'same-origin' });
          await response.arrayBuffer();
          if (api) expect({ path, headers, status: response.status }).toEqual({ path, headers, status: 401 });
          else {
            expect({ path, headers, status: response.status }).toEqual({ path, headers, status: htmx ? 401 : 303 });
            const target =
              response.headers.get('location') ?? JSON.parse(response.headers.get('hx-location') ?? '{}').path;
            expect(target).toStartWith('/signin');
          }
        },
      ),
    );
    expect(errorsLogged).toBe(0);
  }, 120_000);
});

/** Printable ASCII, as a header value can hold it. */
const headerText = (maxLength = 60) =>
  fc.string({ maxLength, unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) });
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE64URL = `${BASE62}-_`;

/**
 * Near misses of a real secret: one character changed, cut, extended, its case changed, or random
 * text of its shape. None contains the secret itself, so none may be taken for it.
 */
function nearMisses(secret: string, alphabet: string) {
  const character = fc.constantFrom(...alphabet);
  return fc
    .oneof(
      fc
        .tuple(fc.nat({ max: secret.length - 1 }), character)
        .map(([at, c]) => `${secret.slice(0, at)}${c}${secret.slice(at + 1)}`),
      fc.nat({ max: secret.length - 1 }).map((length) => secret.slice(0, length)),
      fc.nat({ max: secret.length - 1 }).map((from) => secret.slice(from + 1)),
      fc.string({ minLength: 1, maxLength: 3, unit: character }).map((extra) => `${secret.slice(1)}${extra}`),
      fc.constant(secret.toUpperCase()),
      fc.constant(secret.toLowerCase()),
      fc.string({ minLength: secret.length, maxLength: secret.length, unit: character }),
      headerText(),
    )
    .filter((candidate) => !candidate.includes(secret));
}

function forgedAuthorization(token: string) {
  const body = token.slice('tm_'.length);
  const forgedToken = fc.oneof(
    nearMisses(token, BASE62),
    nearMisses(body, BASE62).map((rest) => `tm_${rest}`),
  );
  return fc.oneof(
    forgedToken.map((value) => `Bearer ${value}`),
    fc
      .tuple(
        fc.constantFrom('bearer', 'BEARER', 'Bearer', 'Token', 'Basic', ''),
        fc.constantFrom(' ', '  ', '\t', ''),
        forgedToken,
      )
      .map(([scheme, space, value]) => `${scheme}${space}${value}`),
    // The real token, but not as the one Bearer credential.
    fc.constantFrom(
      `Bearer ${token} ${token}`,
      `Bearer ${token},x`,
      `Bearer "${token}"`,
      `Token ${token}`,
      token,
      `Bearer=${token}`,
    ),
    headerText(),
  );
}

function forgedCookie(realCookie: string) {
  const sessionId = realCookie.split('=')[1] as string;
  const forgedId = nearMisses(sessionId, BASE64URL);
  return fc.oneof(
    forgedId.map((id) => `tm_session=${id}`),
    forgedId.map((id) => `__Host-tm_session=${id}`),
    fc
      .tuple(
        headerText(12).filter((junk) => !junk.includes(';')),
        forgedId,
      )
      .map(([junk, id]) => `${junk}; tm_session=${id}`),
    // The real id under a name that is not ours, or not as a whole value.
    fc.constantFrom(
      `xtm_session=${sessionId}`,
      `tm_sessionx=${sessionId}`,
      `Host-tm_session=${sessionId}`,
      `__host-tm_session=${sessionId}`,
      `TM_SESSION=${sessionId}`,
      `tm_session =${sessionId}`,
      `tm_session=${sessionId}x`,
      `tm_session=x${sessionId}`,
      `flash=tm_session=${sessionId}`,
    ),
    headerText(),
  );
}

// Elements and attributes our templates use. Anything else in a page came from user input.
const OUR_ELEMENTS = new Set(
  'html head meta title link script body a header p main footer h1 h2 code div form input label details summary textarea select option button search nav ul li span section time strong dl dt dd kbd dialog hx-partial'.split(
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
