import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Locator, Page } from 'playwright';
import { createLiveApi, type LiveAccount, signUpLive } from '../../harness/live-server';
import { axeViolations, expectCleanPage, horizontalOverflow, useBrowserSuite } from '../support/browser';
import { answerTo, editFormOf, eventually, expectNextTo, submitForm, taskPageOf } from '../support/task-page';

/**
 * Accounts as a person meets them in a real browser: signing up, in and out through the forms
 * (with and without JavaScript), coming back to the page they were headed for, two people side by
 * side who never see each other's tasks, a session ended elsewhere in the middle of an htmx click,
 * and the settings page's API tokens and "Sign out everywhere".
 */

setDefaultTimeout(30_000);
const suite = useBrowserSuite();

const PASSWORD = 'correct horse battery staple';
const WRONG_PASSWORD = 'not my password at all';
let emails = 0;
const newEmail = (who: string) => `${who}-${process.pid}-${++emails}@example.test`;

/** The sign-up and sign-in forms, by label and button name. */
function credentialsFormOf(page: Page) {
  return {
    email: page.getByLabel('Email', { exact: true }),
    password: page.getByLabel('Password', { exact: true }),
    createAccount: page.getByRole('button', { name: 'Create account', exact: true }),
    signIn: page.getByRole('button', { name: 'Sign in', exact: true }),
    alert: page.getByRole('alert'),
    fieldErrors: page.locator('.field-error'),
  };
}

/** The header's account navigation: who is signed in, and the way out. */
function accountNavOf(page: Page) {
  const nav = page.getByRole('navigation', { name: 'Account' });
  return { nav, signOut: nav.getByRole('button', { name: 'Sign out', exact: true }) };
}

const pathOf = (page: Page) => {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
};

const signInPath = (returnTo: string) => `/signin?return_to=${encodeURIComponent(returnTo)}`;

/** Fills the sign-in form and submits it; returns how the POST was answered and where the browser landed. */
async function signInThroughForm(page: Page, email: string, password: string) {
  const form = credentialsFormOf(page);
  await form.email.fill(email);
  await form.password.fill(password);
  return submitForm(page, () => form.signIn.click());
}

/** A second session of the same account (another browser), signed in as the form does it. */
async function signInAgain(account: LiveAccount): Promise<LiveAccount> {
  const answer = await fetch(suite.url('/signin'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: account.email, password: account.password }),
    redirect: 'manual',
  });
  const cookie = answer.headers.getSetCookie().find((line) => line.startsWith(`${account.cookieName}=`));
  if (answer.status !== 303 || !cookie) throw new Error(`signing in again answered ${answer.status}`);
  const sessionId = (cookie.split(';')[0] ?? '').slice(account.cookieName.length + 1);
  return { ...account, sessionId, cookie: `${account.cookieName}=${sessionId}` };
}

/** What a script sees with this token: the status of GET /api/tasks and the titles it lists. */
async function tasksSeenWith(token: string): Promise<{ status: number; titles: string[] }> {
  const answer = await fetch(suite.url('/api/tasks'), { headers: { authorization: `Bearer ${token}` } });
  if (answer.status !== 200) return { status: answer.status, titles: [] };
  const { items } = (await answer.json()) as { items: { title: string }[] };
  return { status: 200, titles: items.map((task) => task.title) };
}

/** The ids a control's aria-describedby points at, and the texts of those elements. */
async function descriptionOf(control: Locator): Promise<{ ids: string[]; texts: string[] }> {
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const texts = await Promise.all(
    ids.map(async (id) => ((await control.page().locator(`#${id}`).textContent()) ?? '').trim()),
  );
  return { ids, texts };
}

const hasFocus = (control: Locator) => control.evaluate((element) => element === document.activeElement);

for (const javaScriptEnabled of [true, false]) {
  describe(`accounts with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    const signedOutPage = () => suite.newPage({ account: null, javaScriptEnabled });

    test('sign up lands on my task page signed in; sign out, / sends me to sign in; a wrong password gets one message; the right one lets me back', async () => {
      const { page, recorder } = await signedOutPage();
      const email = newEmail('ada');
      const form = credentialsFormOf(page);
      await page.goto(suite.url('/signup'));
      await form.email.fill(email);
      await form.password.fill(PASSWORD);
      expect(await submitForm(page, () => form.createAccount.click())).toEqual({
        status: 303,
        location: '/',
        landedOn: '/',
      });
      const header = accountNavOf(page);
      expect((await header.nav.textContent()) ?? '').toContain(email);
      expect(await header.signOut.isVisible()).toBe(true);
      expect(await taskPageOf(page).list.count()).toBe(1);

      expect(await submitForm(page, () => header.signOut.click())).toEqual({
        status: 303,
        location: '/signin',
        landedOn: '/signin',
      });
      expect(await header.nav.count()).toBe(0);
      // Back, right after signing out (a shared computer), must not bring the task list back from a cache.
      await page.goBack();
      expect(pathOf(page)).toBe('/signin');
      expect({ list: await taskPageOf(page).list.count(), email: (await page.content()).includes(email) }).toEqual({
        list: 0,
        email: false,
      });
      const again = await page.goto(suite.url('/'));
      expect({ status: again?.status(), at: pathOf(page) }).toEqual({ status: 200, at: '/signin' });
      expect(again?.request().redirectedFrom()?.url()).toBe(suite.url('/'));

      expect(await signInThroughForm(page, email, WRONG_PASSWORD)).toEqual({
        status: 401,
        location: null,
        landedOn: '/signin',
      });
      expect((await form.alert.textContent())?.trim()).toBe('Email or password is incorrect');
      expect(await form.fieldErrors.count()).toBe(0);
      expect(await form.email.inputValue()).toBe(email);
      expect(await form.password.inputValue()).toBe('');
      expect(await page.content()).not.toContain(WRONG_PASSWORD);

      expect(await signInThroughForm(page, email, PASSWORD)).toEqual({ status: 303, location: '/', landedOn: '/' });
      expect((await header.nav.textContent()) ?? '').toContain(email);
      expectCleanPage(recorder);
    });

    test('a short password: 422, the message at the field (aria-describedby), focus on it, my email kept, nobody signed in', async () => {
      const { page, recorder } = await signedOutPage();
      const email = newEmail('short');
      const form = credentialsFormOf(page);
      await page.goto(suite.url('/signup'));
      await form.email.fill(email);
      await form.password.fill('short');
      const sent = await submitForm(page, () => form.createAccount.click());
      expect(sent).toEqual({ status: 422, location: null, landedOn: '/signup' });

      const error = form.fieldErrors;
      expect(await error.count()).toBe(1);
      const message = ((await error.textContent()) ?? '').trim();
      expect(message).toMatch(/12 characters/);
      expect(await descriptionOf(form.password)).toMatchObject({
        ids: expect.arrayContaining([await error.getAttribute('id')]),
      });
      expect((await descriptionOf(form.password)).texts).toContain(message);
      expect(await form.password.getAttribute('aria-invalid')).toBe('true');
      await expectNextTo(error, form.password);
      expect(await hasFocus(form.password)).toBe(true);
      expect(await form.email.inputValue()).toBe(email);
      expect(await form.password.inputValue()).toBe('');
      expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain('tm_session');
      expectCleanPage(recorder);
    });

    test('signed out, a filtered search or an edit page sends me to sign in, and back to exactly that address after', async () => {
      const account = await signUpLive(suite.origin, newEmail('return'));
      const api = createLiveApi(suite.origin, account);
      const milk = await api.create({ title: 'Buy oat milk' });
      await api.update(milk.id, { status: 'done' });
      await api.create({ title: 'Buy bread' });

      const { page, recorder } = await signedOutPage();
      const filtered = '/?status=done&q=milk';
      await page.goto(suite.url(filtered));
      expect(pathOf(page)).toBe(signInPath(filtered));
      expect(await signInThroughForm(page, account.email, account.password)).toEqual({
        status: 303,
        location: filtered,
        landedOn: filtered,
      });
      const view = taskPageOf(page);
      expect(await view.titles()).toEqual(['Buy oat milk']);
      expect(await view.searchBox.inputValue()).toBe('milk');
      expect(await view.currentFilter()).toEqual(['Done']);

      const { page: other, recorder: otherRecorder } = await signedOutPage();
      const edit = `/tasks/${milk.id}/edit`;
      await other.goto(suite.url(edit));
      expect(pathOf(other)).toBe(signInPath(edit));
      expect(await signInThroughForm(other, account.email, account.password)).toEqual({
        status: 303,
        location: edit,
        landedOn: edit,
      });
      expect(await editFormOf(other).title.inputValue()).toBe('Buy oat milk');
      expectCleanPage(recorder);
      expectCleanPage(otherRecorder);
    });
  });
}

describe('accounts side by side (JavaScript on)', () => {
  test('two people at once: neither sees the other’s tasks on the page, in search, in counts or through an edit URL', async () => {
    const [ada, bob] = await Promise.all([
      signUpLive(suite.origin, newEmail('ada')),
      signUpLive(suite.origin, newEmail('bob')),
    ]);
    const [a, b] = await Promise.all([suite.newPage({ account: ada }), suite.newPage({ account: bob })]);
    await Promise.all([a.page.goto(suite.url('/')), b.page.goto(suite.url('/'))]);
    const [viewA, viewB] = [taskPageOf(a.page), taskPageOf(b.page)];

    const add = async (view: typeof viewA, title: string) => {
      await view.fillNewTask({ title });
      await answerTo(view.page, 'POST', /^\/tasks$/, () => view.addButton.click());
      await eventually(async () => expect(await view.titles()).toContain(title));
    };
    // Interleaved, as two people using the app at the same time would.
    await add(viewA, 'Ada: milk for the lab');
    await add(viewB, 'Bob: milk for the cat');
    await add(viewA, 'Ada: private plans');
    await add(viewB, 'Bob: surprise party');

    const adaTitles = ['Ada: private plans', 'Ada: milk for the lab'];
    const bobTitles = ['Bob: surprise party', 'Bob: milk for the cat'];
    const people = [
      { view: viewA, own: adaTitles, milk: 'Ada: milk for the lab' },
      { view: viewB, own: bobTitles, milk: 'Bob: milk for the cat' },
    ];
    for (const { view, own, milk } of people) {
      await view.page.reload();
      expect(await view.titles()).toEqual(own);
      expect(await view.counts()).toEqual({ All: 2, Open: 2, Done: 0 });
      await view.searchBox.fill('milk');
      await answerTo(view.page, 'GET', /^\/$/, () => view.searchButton.click());
      await eventually(async () => expect(await view.titles()).toEqual([milk]));
      expect(await view.counts()).toEqual({ All: 1, Open: 1, Done: 0 });
    }
    // The whole document, markup and text: a title in an attribute (an aria-label) counts too.
    const allText = (page: Page) => page.content();
    for (const title of bobTitles) expect(await allText(a.page)).not.toContain(title);
    for (const title of adaTitles) expect(await allText(b.page)).not.toContain(title);

    // Bob types the address of one of Ada's tasks: the same 404 as a task that does not exist.
    const adaTask = (await createLiveApi(suite.origin, ada).list())[0];
    const answer = await b.page.goto(suite.url(`/tasks/${adaTask?.id}/edit`));
    expect(answer?.status()).toBe(404);
    expect(await b.page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
    expect(await allText(b.page)).not.toContain(adaTask?.title ?? '?');
    const missing = await b.page.goto(suite.url('/tasks/999999/edit'));
    expect(missing?.status()).toBe(404);

    expectCleanPage(a.recorder);
    expectCleanPage(b.recorder);
  });
});

describe('a session ended elsewhere (JavaScript on)', () => {
  test('clicking Complete after "Sign out everywhere" in another browser lands on the sign-in page, whole; signing in returns', async () => {
    const account = await signUpLive(suite.origin, newEmail('ended'));
    const api = createLiveApi(suite.origin, account);
    await api.create({ title: 'Pay the invoice' });
    const { page, recorder } = await suite.newPage({ account });
    await page.goto(suite.url('/?status=open'));
    const view = taskPageOf(page);
    expect(await view.titles()).toEqual(['Pay the invoice']);

    const { page: elsewhere } = await suite.newPage({ account: await signInAgain(account) });
    await elsewhere.goto(suite.url('/settings'));
    const out = await submitForm(elsewhere, () =>
      elsewhere.getByRole('button', { name: 'Sign out everywhere', exact: true }).click(),
    );
    expect(out.landedOn).toBe('/signin');

    const refused = await answerTo(page, 'POST', /\/complete$/, () =>
      view.actionsOf('Pay the invoice').complete.click(),
    );
    expect(refused.status()).toBe(401);
    await page.waitForURL((url) => url.pathname === '/signin');
    const form = credentialsFormOf(page);
    await form.email.waitFor();
    expect(pathOf(page)).toBe(signInPath('/?status=open'));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    // The whole page was replaced: one header, one main, no task list left over, no error text.
    const shape = await page.evaluate(() => ({
      bodies: document.querySelectorAll('body').length,
      headers: document.querySelectorAll('header').length,
      mains: document.querySelectorAll('main').length,
      taskLists: document.querySelectorAll('#task-items').length,
      title: document.title,
    }));
    expect(shape).toEqual({ bodies: 1, headers: 1, mains: 1, taskLists: 0, title: 'Sign in · Tasks' });
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toMatch(/Pay the invoice|at .*\(.*:\d+:\d+\)|Error:|unauthorized|sign_in_required/);
    expect((await api.list())[0]?.status).toBe('open');

    expect(await signInThroughForm(page, account.email, account.password)).toEqual({
      status: 303,
      location: '/?status=open',
      landedOn: '/?status=open',
    });
    expect(await view.titles()).toEqual(['Pay the invoice']);
    await view.actionsOf('Pay the invoice').complete.click();
    await eventually(async () => expect((await api.list())[0]?.status).toBe('done'));
    expectCleanPage(recorder);
  });
});

describe('the settings page (JavaScript on)', () => {
  test('a new token is shown once, works for the API, stops at once when revoked', async () => {
    const account = await signUpLive(suite.origin, newEmail('tokens'));
    await createLiveApi(suite.origin, account).create({ title: 'Seen by my script' });
    const { page, recorder } = await suite.newPage({ account });
    await page.goto(suite.url('/settings'));
    await page.getByLabel('Token name', { exact: true }).fill('deploy script');
    const created = await submitForm(page, () =>
      page.getByRole('button', { name: 'Create token', exact: true }).click(),
    );
    expect(created).toMatchObject({ status: 201, landedOn: '/settings/tokens' });

    const shown = page.getByLabel('New token', { exact: true });
    const token = await shown.inputValue();
    expect(token).toMatch(/^tm_/);
    expect(await hasFocus(shown)).toBe(true);
    expect(await tasksSeenWith(token)).toEqual({ status: 200, titles: ['Seen by my script'] });

    await page.goto(suite.url('/settings'));
    expect(await shown.count()).toBe(0);
    expect(await page.content()).not.toContain(token);
    const revoke = page.getByRole('button', { name: 'Revoke token deploy script', exact: true });
    expect(await revoke.textContent()).toBe('Revoke');

    expect(await submitForm(page, () => revoke.click())).toMatchObject({ status: 303, landedOn: '/settings' });
    expect((await page.getByRole('status').textContent())?.trim()).toBe('Token revoked.');
    expect(await revoke.count()).toBe(0);
    const refused = await fetch(suite.url('/api/tasks'), { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
    expect(await tasksSeenWith(account.token)).toEqual({ status: 200, titles: ['Seen by my script'] });
    expectCleanPage(recorder);
  });

  test('"Sign out everywhere" signs out this browser and another one; API tokens keep working', async () => {
    const account = await signUpLive(suite.origin, newEmail('everywhere'));
    const { page, recorder } = await suite.newPage({ account });
    const { page: other } = await suite.newPage({ account: await signInAgain(account) });
    await Promise.all([page.goto(suite.url('/settings')), other.goto(suite.url('/'))]);
    expect(await accountNavOf(other).nav.isVisible()).toBe(true);

    const out = await submitForm(page, () =>
      page.getByRole('button', { name: 'Sign out everywhere', exact: true }).click(),
    );
    expect(out).toEqual({ status: 303, location: '/signin', landedOn: '/signin' });
    await other.goto(suite.url('/settings'));
    expect(pathOf(other)).toBe(signInPath('/settings'));
    await page.goto(suite.url('/'));
    expect(pathOf(page)).toBe('/signin');
    expect((await tasksSeenWith(account.token)).status).toBe(200);
    expectCleanPage(recorder);
  });
});

describe('account pages for everyone', () => {
  test('axe finds nothing on /signup, /signin with an error shown, and /settings with a token listed and a new one shown', async () => {
    const { page, recorder } = await suite.newPage({ account: null });
    await page.goto(suite.url('/signup'));
    expect(await axeViolations(page)).toEqual([]);
    await credentialsFormOf(page).password.fill('short');
    await submitForm(page, () => credentialsFormOf(page).createAccount.click());
    expect(await credentialsFormOf(page).fieldErrors.count()).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(suite.url('/signin'));
    expect(await axeViolations(page)).toEqual([]);
    expect((await signInThroughForm(page, newEmail('nobody'), WRONG_PASSWORD)).status).toBe(401);
    expect(await axeViolations(page)).toEqual([]);

    const account = await signUpLive(suite.origin, newEmail('axe'));
    const { page: settings, recorder: settingsRecorder } = await suite.newPage({ account });
    await settings.goto(suite.url('/settings'));
    await settings.getByLabel('Token name', { exact: true }).fill('laptop');
    await submitForm(settings, () => settings.getByRole('button', { name: 'Create token', exact: true }).click());
    expect(await settings.getByLabel('New token', { exact: true }).count()).toBe(1);
    expect(await settings.getByRole('button', { name: /^Revoke token / }).count()).toBe(2);
    expect(await axeViolations(settings)).toEqual([]);
    expectCleanPage(recorder);
    expectCleanPage(settingsRecorder);
  });

  test('at phone width (390×844) /signin and /settings scroll only up and down', async () => {
    const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
    const { page, recorder } = await suite.newPage({ ...phone, account: null });
    await page.goto(suite.url('/signin'));
    expect(await horizontalOverflow(page)).toEqual({ scrollWidth: 390, widest: [] });
    await signInThroughForm(page, newEmail('phone'), WRONG_PASSWORD);
    expect(await horizontalOverflow(page)).toEqual({ scrollWidth: 390, widest: [] });

    const account = await signUpLive(suite.origin, newEmail('a-rather-long-name.for-a-phone'));
    const { page: settings, recorder: settingsRecorder } = await suite.newPage({ ...phone, account });
    await settings.goto(suite.url('/settings'));
    expect(await horizontalOverflow(settings)).toEqual({ scrollWidth: 390, widest: [] });
    await settings.getByLabel('Token name', { exact: true }).fill('a token with a fairly long descriptive name');
    await submitForm(settings, () => settings.getByRole('button', { name: 'Create token', exact: true }).click());
    expect(await horizontalOverflow(settings)).toEqual({ scrollWidth: 390, widest: [] });
    expectCleanPage(recorder);
    expectCleanPage(settingsRecorder);
  });
});
