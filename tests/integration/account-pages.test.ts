import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { createAccountService } from '../../src/accounts/service';
import { createAccountStore } from '../../src/accounts/store';
import { type App, createApp } from '../../src/app';
import type { SignUp } from '../../src/config';
import { createLogger } from '../../src/lib/logger';
import { rebuildTaskCounts } from '../../src/tasks/schema';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { type Credentials, ORIGIN, PASSWORD, sessionCookieOf, signUp, uniqueEmail } from '../support/http';

/**
 * The account pages as a browser without JavaScript meets them: sign-up, sign-in, sign-out and
 * settings, over app.handle on both engines. What a user notices (where they land, what the form
 * says, whether their cookie still works) and what an attacker would try (a stolen cookie after
 * sign-out, a lock-out, an open redirect, a cross-site form, a secret in the logs).
 */

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const NEW_PASSWORD = 'a completely different passphrase';
const SESSION_SET_COOKIE = /^tm_session=([A-Za-z0-9_-]{43}); Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Answer {
  status: number;
  headers: Headers;
  html: string;
}

/** What a form page shows: each input's attributes by id, each field's error and the alert, as text. */
async function formOf(html: string) {
  const inputs: Record<string, Record<string, string>> = {};
  const texts: Record<string, string> = {};
  let textOf = '';
  await new HTMLRewriter()
    .on('input', {
      element(element) {
        const key = element.getAttribute('id') ?? element.getAttribute('name') ?? '?';
        inputs[key] = Object.fromEntries(element.attributes);
      },
    })
    .on('.field-error, [role=alert], [role=status]', {
      element(element) {
        // The two message regions by their role (alert, status), a field's error by its id.
        textOf = element.getAttribute('role') ?? element.getAttribute('id') ?? '?';
        texts[textOf] = '';
      },
      text(chunk) {
        texts[textOf] += chunk.text;
      },
    })
    .transform(new Response(html))
    .text();
  const trimmed = Object.fromEntries(Object.entries(texts).map(([key, value]) => [key, value.trim()]));
  return { inputs, texts: trimmed };
}

for (const engine of ENGINES) {
  describe(`account pages on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;
    const logLines: string[] = [];
    const opened: TestDatabase[] = [];

    /** A fresh database and app, for what depends on the accounts that exist. */
    async function freshApp(signup: SignUp = 'open') {
      const fresh = await openTestDatabase(engine);
      opened.push(fresh);
      return { database: fresh, app: createApp({ db: fresh.client, logger: createLogger('error', () => {}), signup }) };
    }

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      app = createApp({ db: database.client, logger: createLogger('info', (line) => logLines.push(line)) });
    });
    afterAll(async () => {
      await database.cleanup();
      for (const fresh of opened) await fresh.cleanup();
    });

    async function send(
      method: string,
      path: string,
      headers: Record<string, string> = {},
      fields?: Record<string, string>,
      on: App = app,
    ): Promise<Answer> {
      const body = fields ? new URLSearchParams(fields).toString() : undefined;
      const response = await on.handle(
        new Request(`${ORIGIN}${path}`, { method, headers: fields ? { ...FORM, ...headers } : headers, body }),
      );
      return { status: response.status, headers: response.headers, html: await response.text() };
    }
    const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}, on = app) =>
      send('POST', path, headers, fields, on);
    const signIn = (email: string, password: string, headers: Record<string, string> = {}) =>
      post('/signin', { email, password }, headers);
    const cookieOf = (answer: Answer) => sessionCookieOf(new Response(null, { headers: answer.headers }));
    /** Whether a browser with this cookie is signed in: the task list, or a redirect to sign in. */
    const isSignedIn = async (cookie: string) => {
      const answer = await send('GET', '/', { cookie });
      expect([200, 303]).toContain(answer.status);
      return answer.status === 200;
    };
    const apiStatus = async (token: string) =>
      (await send('GET', '/api/tasks', { authorization: `Bearer ${token}` })).status;

    test('the sign-up and sign-in pages ask for an email and a password', async () => {
      for (const [path, button] of [
        ['/signup', 'Create account'],
        ['/signin', 'Sign in'],
      ] as const) {
        const answer = await send('GET', path);
        expect(answer.status).toBe(200);
        const { inputs } = await formOf(answer.html);
        const kind = path.slice(1);
        expect(inputs[`${kind}-email`]).toMatchObject({ name: 'email', type: 'email', autocomplete: 'username' });
        expect(inputs[`${kind}-password`]).toMatchObject({ name: 'password', type: 'password' });
        expect(answer.html).toContain(`action="${path}"`);
        expect(answer.html).toContain(button);
      }
    });

    test('signing up lands on the list with a session cookie whose id only the browser holds', async () => {
      const email = uniqueEmail('new');
      const answer = await post('/signup', { email, password: PASSWORD });
      expect({ status: answer.status, location: answer.headers.get('location') }).toEqual({
        status: 303,
        location: '/',
      });
      const setCookies = answer.headers.getSetCookie();
      expect(setCookies).toHaveLength(1);
      const sessionId = SESSION_SET_COOKIE.exec(setCookies[0] ?? '')?.[1];
      expect(setCookies[0]).toMatch(SESSION_SET_COOKIE);
      // 43 base64url characters: 258 bits, of which 256 random.
      expect(sessionId).toHaveLength(43);
      const rows = await database.client.query<{ id_hash: string }>('SELECT id_hash FROM sessions');
      const stored = rows.map((row) => row.id_hash);
      expect(stored).toContain(sha256(sessionId as string));
      expect(stored).not.toContain(sessionId as string);
      const list = await send('GET', '/', { cookie: `tm_session=${sessionId}` });
      expect(list.status).toBe(200);
      expect(list.html).toContain(email);
    });

    test('a refused sign-up says why at the field, keeps the email and never echoes the password', async () => {
      const password = 'short pw';
      const cases = [
        { fields: { email: 'not-an-email', password }, errors: ['signup-email-error', 'signup-password-error'] },
        { fields: { email: '', password: '' }, errors: ['signup-email-error', 'signup-password-error'] },
        { fields: { email: 'fine@example.test', password: 'password1234' }, errors: ['signup-password-error'] },
      ];
      const taken = await signUp(app);
      cases.push({
        fields: { email: taken.email, password: 'another fine passphrase' },
        errors: ['signup-email-error'],
      });
      for (const { fields, errors } of cases) {
        const answer = await post('/signup', fields);
        expect({ fields, status: answer.status, cookies: answer.headers.getSetCookie() }).toEqual({
          fields,
          status: 422,
          cookies: [],
        });
        const { inputs, texts } = await formOf(answer.html);
        expect(Object.keys(texts).filter((key) => key.endsWith('-error'))).toEqual(errors);
        for (const error of errors) expect(texts[error]).not.toBe('');
        expect(inputs['signup-email']?.value).toBe(fields.email);
        expect(inputs['signup-password']?.value).toBeUndefined();
        if (fields.password) expect(answer.html).not.toContain(fields.password);
      }
    });

    test('a wrong password and an unknown email get one and the same answer', async () => {
      const account = await signUp(app);
      const wrongPassword = await signIn(account.email, 'not the right passphrase');
      const unknownEmail = await signIn('nobody-here@example.test', 'not the right passphrase');
      for (const answer of [wrongPassword, unknownEmail]) {
        expect({ status: answer.status, cookies: answer.headers.getSetCookie() }).toEqual({ status: 401, cookies: [] });
        expect(answer.html).not.toContain('not the right passphrase');
      }
      const [wrong, unknown] = [await formOf(wrongPassword.html), await formOf(unknownEmail.html)];
      expect(wrong.texts).toEqual(unknown.texts);
      expect(wrong.texts.alert).toBe('Email or password is incorrect');
      expect(wrong.inputs['signin-email']?.value).toBe(account.email);
      // The pages differ only in the email typed back.
      expect(wrongPassword.html.replaceAll(account.email, 'EMAIL')).toBe(
        unknownEmail.html.replaceAll('nobody-here@example.test', 'EMAIL'),
      );
    });

    test('the 11th failure on one account within 15 minutes is refused with when to try again, even with the right password', async () => {
      const account = await signUp(app);
      for (let attempt = 1; attempt <= 10; attempt++)
        expect((await signIn(account.email, `wrong guess ${attempt}`)).status).toBe(401);
      for (const password of ['wrong guess 11', account.password]) {
        const refused = await signIn(account.email, password);
        expect({ password, status: refused.status, cookies: refused.headers.getSetCookie() }).toEqual({
          password,
          status: 429,
          cookies: [],
        });
        const retryAfter = Number(refused.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
        expect((await formOf(refused.html)).texts.alert).toBe('Too many failed attempts. Try again in 15 minutes.');
      }
      // Another account is not locked by this one's failures.
      const bystander = await signUp(app);
      expect((await signIn(bystander.email, bystander.password)).status).toBe(303);
    });

    test('signing in gives a new session id and ends the one the browser had', async () => {
      const account = await signUp(app);
      const signedIn = await signIn(account.email, account.password, { cookie: account.cookie });
      expect({ status: signedIn.status, location: signedIn.headers.get('location') }).toEqual({
        status: 303,
        location: '/',
      });
      expect(signedIn.headers.getSetCookie()[0]).toMatch(SESSION_SET_COOKIE);
      const fresh = cookieOf(signedIn);
      expect(fresh).not.toBe(account.cookie);
      expect(await isSignedIn(fresh)).toBe(true);
      expect(await isSignedIn(account.cookie)).toBe(false);
    });

    test("signing up in a browser signed in as another account ends that account's session there", async () => {
      const first = await signUp(app);
      const second = await post(
        '/signup',
        { email: uniqueEmail('second'), password: PASSWORD },
        { cookie: first.cookie },
      );
      expect(second.status).toBe(303);
      expect(await isSignedIn(cookieOf(second))).toBe(true);
      expect(await isSignedIn(first.cookie)).toBe(false);
    });

    test('where to go after signing in: a path on this site, and never another site', async () => {
      const account = await signUp(app);
      const local = ['/?q=milk&status=open', '/settings', '/tasks/12/edit?return_to=%2F'];
      for (const returnTo of local) {
        const withReturn = await post('/signin', {
          email: account.email,
          password: account.password,
          return_to: returnTo,
        });
        expect({ returnTo, location: withReturn.headers.get('location') }).toEqual({ returnTo, location: returnTo });
      }
      const foreign = [
        '//evil.example',
        'https://evil.example',
        '/\\evil.example',
        'javascript:alert(1)',
        '///evil.example',
      ];
      for (const returnTo of foreign) {
        const signedIn = await post('/signin', {
          email: account.email,
          password: account.password,
          return_to: returnTo,
        });
        expect({ returnTo, location: signedIn.headers.get('location') }).toEqual({ returnTo, location: '/' });
        const signedUp = await post('/signup', { email: uniqueEmail('r'), password: PASSWORD, return_to: returnTo });
        expect({ returnTo, location: signedUp.headers.get('location') }).toEqual({ returnTo, location: '/' });
        // Nor does the form carry it on to the next request.
        const form = await send('GET', `/signin?return_to=${encodeURIComponent(returnTo)}`);
        expect(form.html).not.toContain('evil.example');
        expect(form.html).not.toContain('javascript:');
      }
    });

    test('signing out ends the session on the server and clears the cookie', async () => {
      const account = await signUp(app);
      const sessionsBefore = await database.client.query('SELECT id_hash FROM sessions');
      const answer = await post('/signout', {}, { cookie: account.cookie });
      expect({ status: answer.status, location: answer.headers.get('location') }).toEqual({
        status: 303,
        location: '/signin',
      });
      const cleared = answer.headers.getSetCookie();
      expect(cleared).toContain('tm_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
      expect(cleared).toContain('__Host-tm_session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0');
      // A copy of the cookie (a stolen one) is worth nothing now.
      expect(await isSignedIn(account.cookie)).toBe(false);
      expect(await database.client.query('SELECT id_hash FROM sessions')).toHaveLength(sessionsBefore.length - 1);
      // The API token is not a session: it keeps working until revoked.
      expect(await apiStatus(account.token)).toBe(200);
    });

    test('forms posted from another site are refused (403) and change nothing', async () => {
      const account = await signUp(app);
      const tokenId = (
        (await (
          await app.handle(
            new Request(`${ORIGIN}/api/tokens`, { headers: { authorization: `Bearer ${account.token}` } }),
          )
        ).json()) as { id: number }[]
      )[0]?.id;
      const posts: [string, Record<string, string>][] = [
        ['/signin', { email: account.email, password: account.password }],
        ['/signup', { email: uniqueEmail('csrf'), password: PASSWORD }],
        ['/signout', {}],
        ['/settings/tokens', { name: 'planted' }],
        [`/settings/tokens/${tokenId}/revoke`, {}],
        ['/settings/password', { current_password: account.password, new_password: NEW_PASSWORD }],
        ['/settings/sign-out-everywhere', {}],
      ];
      for (const site of <Record<string, string>[]>[
        { 'sec-fetch-site': 'cross-site' },
        { origin: 'https://evil.example' },
      ]) {
        for (const [path, fields] of posts) {
          const answer = await post(path, fields, { cookie: account.cookie, ...site });
          expect({ path, site, status: answer.status, cookies: answer.headers.getSetCookie() }).toEqual({
            path,
            site,
            status: 403,
            cookies: [],
          });
        }
      }
      expect(await isSignedIn(account.cookie)).toBe(true);
      expect(await apiStatus(account.token)).toBe(200);
      expect((await signIn(account.email, account.password)).status).toBe(303);
      const settings = await send('GET', '/settings', { cookie: account.cookie });
      expect(settings.html).not.toContain('planted');
    });

    test('the first account claims the tasks made before accounts existed; the second does not', async () => {
      const fresh = await freshApp();
      for (const title of ['Made before accounts', 'Also from before']) {
        await fresh.database.client.execute(
          `INSERT INTO tasks (title, notes, status, priority, created_at, updated_at, version)
           VALUES (?, '', 'open', 2, '2025-06-01 10:00:00', '2025-06-01 10:00:00', 1)`,
          [title],
        );
      }
      await rebuildTaskCounts(fresh.database.client);
      const first = await signUp(fresh.app);
      const second = await signUp(fresh.app);
      const titles = async (who: Credentials) => {
        const response = await fresh.app.handle(
          new Request(`${ORIGIN}/api/tasks`, { headers: { authorization: `Bearer ${who.token}` } }),
        );
        return ((await response.json()) as { items: { title: string }[] }).items.map((task) => task.title).sort();
      };
      expect(await titles(first)).toEqual(['Also from before', 'Made before accounts']);
      expect(await titles(second)).toEqual([]);
      const page = await send('GET', '/', { cookie: first.cookie }, undefined, fresh.app);
      expect(page.html).toContain('Made before accounts');
      expect([...page.html.matchAll(/<span class="count">(\d+)<\/span>/g)].map((match) => match[1])).toEqual([
        '2', // all, open, done
        '2',
        '0',
        '0', // overdue, today, this week
        '0',
        '0',
      ]);
    });

    test('SIGNUP=closed: the sign-up page works until the first account exists, then answers 403', async () => {
      const closed = await freshApp('closed');
      expect((await send('GET', '/signup', {}, undefined, closed.app)).status).toBe(200);
      const first = await post('/signup', { email: uniqueEmail('first'), password: PASSWORD }, {}, closed.app);
      expect(first.status).toBe(303);
      const page = await send('GET', '/signup', {}, undefined, closed.app);
      expect(page.status).toBe(403);
      expect(page.html).toContain('not taking new accounts');
      expect((await formOf(page.html)).inputs['signup-email']).toBeUndefined();
      const second = await post('/signup', { email: uniqueEmail('second'), password: PASSWORD }, {}, closed.app);
      expect({ status: second.status, cookies: second.headers.getSetCookie() }).toEqual({ status: 403, cookies: [] });
      // The sign-in page no longer offers to create an account.
      expect((await send('GET', '/signin', {}, undefined, closed.app)).html).not.toContain('href="/signup');
      expect(await closed.database.client.query('SELECT id FROM users')).toHaveLength(1);
    });

    test('a token made in settings is shown once (201, no-store), listed by name only, and dies when revoked', async () => {
      const account = await signUp(app);
      const made = await post('/settings/tokens', { name: 'Backup script' }, { cookie: account.cookie });
      expect({ status: made.status, cacheControl: made.headers.get('cache-control') }).toEqual({
        status: 201,
        cacheControl: 'no-store',
      });
      const token = (await formOf(made.html)).inputs['new-token']?.value ?? '';
      expect(token).toMatch(/^tm_[0-9A-Za-z]{43}$/);
      expect(await apiStatus(token)).toBe(200);

      const settings = await send('GET', '/settings', { cookie: account.cookie });
      expect(settings.status).toBe(200);
      expect(settings.html).toContain('Backup script');
      expect(settings.html).not.toContain(token);
      expect(settings.html).not.toMatch(/tm_[0-9A-Za-z]{43}/);

      // The token's Revoke form follows its name.
      const tokenId = /action="\/settings\/tokens\/(\d+)\/revoke"/.exec(
        settings.html.slice(settings.html.indexOf('Backup script')),
      )?.[1];
      expect(tokenId).toBeDefined();
      const revoked = await post(`/settings/tokens/${tokenId}/revoke`, {}, { cookie: account.cookie });
      expect({ status: revoked.status, location: revoked.headers.get('location') }).toEqual({
        status: 303,
        location: '/settings',
      });
      expect(await apiStatus(token)).toBe(401);
      expect(await apiStatus(account.token)).toBe(200);
      const after = await send('GET', '/settings', {
        cookie: `${account.cookie}; ${revoked.headers.getSetCookie()[0]?.split(';')[0]}`,
      });
      expect(after.html).not.toContain('Backup script');
      expect((await formOf(after.html)).texts.status).toBe('Token revoked.');
      // A bad name is said at the field.
      const unnamed = await post('/settings/tokens', { name: '   ' }, { cookie: account.cookie });
      expect(unnamed.status).toBe(422);
      expect((await formOf(unnamed.html)).texts['token-name-error']).toBe('Must not be empty');
    });

    test('changing the password: a wrong current one is said at the field; success renews this session and ends the others', async () => {
      const account = await signUp(app);
      const elsewhere = cookieOf(await signIn(account.email, account.password));
      const wrong = await post(
        '/settings/password',
        { current_password: 'not my passphrase', new_password: NEW_PASSWORD },
        { cookie: account.cookie },
      );
      expect(wrong.status).toBe(401);
      expect((await formOf(wrong.html)).texts['current-password-error']).toBe('Current password is incorrect');
      expect(wrong.html).not.toContain(NEW_PASSWORD);
      expect(await isSignedIn(elsewhere)).toBe(true);

      const changed = await post(
        '/settings/password',
        { current_password: account.password, new_password: NEW_PASSWORD },
        { cookie: account.cookie },
      );
      expect({ status: changed.status, location: changed.headers.get('location') }).toEqual({
        status: 303,
        location: '/settings',
      });
      // This browser goes on with a new session id; the one it had, like every other, has ended.
      const renewed = cookieOf(changed);
      expect(renewed).not.toBe(account.cookie);
      expect(await isSignedIn(renewed)).toBe(true);
      expect(await isSignedIn(account.cookie)).toBe(false);
      expect(await isSignedIn(elsewhere)).toBe(false);
      expect((await signIn(account.email, account.password)).status).toBe(401);
      expect((await signIn(account.email, NEW_PASSWORD)).status).toBe(303);
    });

    test('signing out everywhere ends every session of the account, this one too', async () => {
      const account = await signUp(app);
      const elsewhere = cookieOf(await signIn(account.email, account.password));
      const bystander = await signUp(app);
      const answer = await post('/settings/sign-out-everywhere', {}, { cookie: account.cookie });
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toStartWith('/signin');
      expect(answer.headers.getSetCookie()).toContain('tm_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
      expect(await isSignedIn(account.cookie)).toBe(false);
      expect(await isSignedIn(elsewhere)).toBe(false);
      expect(await isSignedIn(bystander.cookie)).toBe(true);
    });

    test('where the account is: the browser reports it at sign-in and after; settings pin it, or refuse nonsense at the field', async () => {
      const accounts = createAccountService(createAccountStore(database.client));
      const regionOf = async (cookie: string) => {
        const account = await accounts.accountOfSession(cookie.split('=')[1] ?? '');
        return [account?.time_zone, account?.locale, account?.region_from_browser];
      };
      const account = await signUp(app);
      expect(await regionOf(account.cookie)).toEqual(['UTC', 'en-GB', true]);

      // What the page's script fills in at sign-in, kept as Intl spells it.
      const signedIn = await post('/signin', {
        email: account.email,
        password: account.password,
        time_zone: 'asia/kolkata',
        locale: 'de-ch',
      });
      const cookie = cookieOf(signedIn);
      expect(await regionOf(cookie)).toEqual(['Asia/Kolkata', 'de-CH', true]);
      // Later reports: a real one is kept, nonsense changes nothing.
      expect(
        (await post('/settings/browser-region', { time_zone: 'America/New_York', locale: 'en-US' }, { cookie })).status,
      ).toBe(204);
      expect(
        (await post('/settings/browser-region', { time_zone: 'Mars/Olympus', locale: 'en-US' }, { cookie })).status,
      ).toBe(204);
      expect(
        (await post('/settings/browser-region', { time_zone: 'UTC', locale: 'x'.repeat(500) }, { cookie })).status,
      ).toBe(204);
      expect(await regionOf(cookie)).toEqual(['America/New_York', 'en-US', true]);

      // Pinned in the settings: the browser's reports no longer move it.
      const settings = await send('GET', '/settings', { cookie });
      expect(settings.html).toContain('<option value="America/New_York" selected>');
      const pinned = await post('/settings/region', { time_zone: 'Pacific/Auckland', locale: 'ja-JP' }, { cookie });
      expect([pinned.status, pinned.headers.get('location')]).toEqual([303, '/settings']);
      await post('/settings/browser-region', { time_zone: 'Europe/Paris', locale: 'fr-FR' }, { cookie });
      expect(await regionOf(cookie)).toEqual(['Pacific/Auckland', 'ja-JP', false]);

      const refused = await post('/settings/region', { time_zone: 'Nowhere/Land', locale: 'ja-JP' }, { cookie });
      expect(refused.status).toBe(422);
      expect((await formOf(refused.html)).texts['time-zone-error']).toBe('Must be a time zone from the list');
      expect(await regionOf(cookie)).toEqual(['Pacific/Auckland', 'ja-JP', false]);

      // Following the browser again.
      await post(
        '/settings/region',
        { time_zone: 'Pacific/Auckland', locale: 'ja-JP', follow_browser: 'on' },
        { cookie },
      );
      await post('/settings/browser-region', { time_zone: 'Europe/Paris', locale: 'fr-FR' }, { cookie });
      expect(await regionOf(cookie)).toEqual(['Europe/Paris', 'fr-FR', true]);
    });

    test('an account given a one-time password is sent to choose a new one from every task page', async () => {
      const account = await signUp(app);
      const operator = createAccountService(createAccountStore(database.client));
      const oneTime = await operator.resetPassword(account.email);
      expect(await isSignedIn(account.cookie)).toBe(false);
      const cookie = cookieOf(await signIn(account.email, oneTime));
      const taskPages = app.routes.filter((route) => route.path === '/' || route.path.startsWith('/tasks'));
      expect(taskPages.length).toBeGreaterThan(5);
      for (const route of taskPages) {
        const path = route.path.replace(':id', '1');
        const fields = route.method === 'POST' ? { title: 'x', version: '1' } : undefined;
        const page = await send(route.method, path, { cookie }, fields);
        expect({
          route: `${route.method} ${route.path}`,
          status: page.status,
          location: page.headers.get('location'),
        }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 303,
          location: '/settings#password',
        });
        const htmx = await send(route.method, path, { cookie, 'hx-request': 'true' }, fields);
        expect({ route: `${route.method} ${route.path}`, status: htmx.status }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 403,
        });
        expect(JSON.parse(htmx.headers.get('hx-location') ?? '{}').path).toBe('/settings#password');
      }
      // Nothing else opens with it: not the API with the session, not making a token.
      const api = await send('GET', '/api/tasks', { cookie });
      expect([api.status, JSON.parse(api.html).error]).toEqual([403, 'password_change_required']);
      const token = await post('/settings/tokens', { name: 'made with a one-time password' }, { cookie });
      expect([token.status, token.headers.get('location')]).toEqual([303, '/settings#password']);
      const settings = await send('GET', '/settings', { cookie });
      expect(settings.status).toBe(200);
      expect(settings.html).toContain('You signed in with a one-time password. Choose a new password');
      const changed = await post(
        '/settings/password',
        { current_password: oneTime, new_password: NEW_PASSWORD },
        { cookie },
      );
      expect(changed.status).toBe(303);
      expect((await send('GET', '/', { cookie: cookieOf(changed) })).status).toBe(200);
    });

    test('no log line holds a password, a session id, its hash or a token', async () => {
      logLines.length = 0;
      const email = uniqueEmail('logs');
      const signedUp = await post('/signup', { email, password: PASSWORD });
      const secrets = [PASSWORD, 'a wrong passphrase here'];
      const sessionIds = [cookieOf(signedUp).split('=')[1] as string];
      await signIn(email, 'a wrong passphrase here');
      const signedIn = await signIn(email, PASSWORD, { cookie: cookieOf(signedUp) });
      sessionIds.push(cookieOf(signedIn).split('=')[1] as string);
      const cookie = cookieOf(signedIn);
      const made = await post('/settings/tokens', { name: 'logged?' }, { cookie });
      const token = (await formOf(made.html)).inputs['new-token']?.value ?? '';
      expect(await apiStatus(token)).toBe(200);
      const listed = await app.handle(
        new Request(`${ORIGIN}/api/tokens`, { headers: { authorization: `Bearer ${token}` } }),
      );
      const { id } =
        ((await listed.json()) as { id: number; name: string }[]).find((entry) => entry.name === 'logged?') ?? {};
      await post(`/settings/tokens/${id}/revoke`, {}, { cookie });
      expect(await apiStatus(token)).toBe(401);
      await post('/settings/password', { current_password: PASSWORD, new_password: NEW_PASSWORD }, { cookie });
      secrets.push(NEW_PASSWORD, token, ...sessionIds, ...sessionIds.map(sha256), sha256(token));
      expect(logLines.length).toBeGreaterThan(5);
      const leaks = logLines.filter((line) => secrets.some((secret) => line.includes(secret)));
      expect(leaks).toEqual([]);
    });
  });
}
