import { describe, expect, test } from 'bun:test';
import {
  type CredentialsValues,
  SettingsPage,
  type SettingsPageProps,
  SignInPage,
  SignUpPage,
} from '../../components/account-pages';
import { Layout, utcOffsetMinutes } from '../../components/layout';

/**
 * The account views as a browser reads them: parsed, then looked up by label, role and accessible
 * name, with hostile values in every place the user's own text can reach.
 */

const HOSTILE = `<script>alert("x")</script>' & "quotes"`;
const HOSTILE_EMAIL = `"><img src=x onerror=alert(1)>&@example.com`;
const PASSWORD = 'correct horse battery staple';
const assets = { css: '/static/app.css', htmx: '/static/htmx.js', app: '/static/app.js', icon: '/favicon.ico' };

interface Node {
  tag: string;
  attributes: Record<string, string>;
  text: string;
  parent: Node | null;
}

const REFERENCES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (raw: string) =>
  raw.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(\w+));/gi, (whole, decimal, hex, name) => {
    if (decimal) return String.fromCodePoint(Number(decimal));
    if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
    return REFERENCES[name.toLowerCase()] ?? whole;
  });

/** Every element with its decoded attributes and text, as a browser's parser sees them (HTMLRewriter). */
async function parse(html: string | Promise<string>) {
  const source = await html;
  const nodes: Node[] = [];
  const open: Node[] = [];
  await new HTMLRewriter()
    .on('*', {
      element(element) {
        const attributes: Record<string, string> = {};
        for (const [name, value] of element.attributes) attributes[name] = decode(value);
        const node: Node = { tag: element.tagName, attributes, text: '', parent: open.at(-1) ?? null };
        nodes.push(node);
        if (!element.canHaveContent) return;
        open.push(node);
        element.onEndTag(() => {
          open.pop();
        });
      },
    })
    .onDocument({
      text(chunk) {
        const text = decode(chunk.text);
        for (const node of open) node.text += text;
      },
    })
    .transform(new Response(source))
    .text();

  const byId = (id: string) => nodes.find((node) => node.attributes.id === id);
  const within = (node: Node, ancestor: Node) => {
    for (let at: Node | null = node; at; at = at.parent) if (at === ancestor) return true;
    return false;
  };
  const accessibleName = (node: Node) => node.attributes['aria-label'] ?? node.text.trim();
  /** The control a label names, found the way a screen reader does: label[for] → id. */
  const control = (label: string) => {
    const labels = nodes.filter((node) => node.tag === 'label' && node.text.trim() === label);
    expect(labels).toHaveLength(1);
    const found = byId(labels[0]?.attributes.for ?? '');
    if (!found) throw new Error(`no control for the label "${label}"`);
    return found;
  };
  const buttons = (name: string | RegExp) =>
    nodes.filter((node) => node.tag === 'button' && new RegExp(name).test(accessibleName(node)));
  const button = (name: string) => {
    const found = nodes.filter((node) => node.tag === 'button' && accessibleName(node) === name);
    expect(found).toHaveLength(1);
    return found[0] as Node;
  };
  const formOf = (node: Node) => {
    for (let at: Node | null = node; at; at = at.parent) if (at.tag === 'form') return at;
    throw new Error(`<${node.tag}> is in no form`);
  };
  /** What a control's aria-describedby points at, as one string. */
  const description = (node: Node) =>
    (node.attributes['aria-describedby'] ?? '')
      .split(' ')
      .filter(Boolean)
      .map((id) => {
        const target = byId(id);
        if (!target) throw new Error(`aria-describedby points at a missing #${id}`);
        return target.text.trim();
      })
      .join(' ');
  const autofocused = () => nodes.filter((node) => 'autofocus' in node.attributes);
  const link = (name: string) => nodes.find((node) => node.tag === 'a' && node.text.trim() === name);
  const text = nodes.find((node) => node.tag === 'body')?.text ?? '';
  return { source, nodes, byId, within, control, button, buttons, link, formOf, description, autofocused, text };
}

/** Hostile text comes out as text or an attribute's value: never markup, and exactly as it was typed. */
function expectEscaped(page: Awaited<ReturnType<typeof parse>>, hostile: string) {
  expect(page.source).not.toContain('<script>alert');
  expect(page.source).not.toContain('<img');
  expect(page.nodes.some((node) => node.tag === 'script' && node.text.includes('alert'))).toBe(false);
  expect(page.nodes.some((node) => node.tag === 'img')).toBe(false);
  expect(page.nodes.some((node) => Object.keys(node.attributes).some((name) => name.startsWith('on')))).toBe(false);
  const shown =
    page.text.includes(hostile) || page.nodes.some((node) => Object.values(node.attributes).includes(hostile));
  expect(shown).toBe(true);
}

describe('the site header', () => {
  test('shows the email, Settings and Sign out only when someone is signed in', async () => {
    const signedIn = await parse(Layout({ title: 'Tasks', assets, account: { email: HOSTILE_EMAIL }, children: '' }));
    const header = signedIn.nodes.find((node) => node.tag === 'header') as Node;
    const signOut = signedIn.button('Sign out');
    expect(signedIn.within(signOut, header)).toBe(true);
    expect(signedIn.formOf(signOut).attributes).toMatchObject({ method: 'post', action: '/signout' });
    expect(signOut.attributes.type).toBe('submit');
    const settings = signedIn.link('Settings') as Node;
    expect(settings.attributes.href).toBe('/settings');
    expect(signedIn.within(settings, header)).toBe(true);
    expect(header.text).toContain(HOSTILE_EMAIL);
    expectEscaped(signedIn, HOSTILE_EMAIL);

    const signedOut = await parse(Layout({ title: 'Sign in', assets, children: '' }));
    expect(signedOut.buttons(/Sign out/)).toEqual([]);
    expect(signedOut.text).not.toContain('Settings');
    expect(signedOut.nodes.some((node) => node.attributes.action === '/signout')).toBe(false);
  });
});

describe('the head of a page, as search engines and a phone read it', () => {
  const scriptsOf = (page: Awaited<ReturnType<typeof parse>>) =>
    page.nodes.filter((node) => node.tag === 'script').map((node) => node.attributes.src);
  const descriptionOf = (page: Awaited<ReturnType<typeof parse>>) =>
    page.nodes.find((node) => node.tag === 'meta' && node.attributes.name === 'description')?.attributes.content;

  test('every page has a description for search results', async () => {
    const pages = [
      Layout({ title: 'Tasks', assets, account: { email: 'a@example.com' }, children: '' }),
      SignInPage({ assets, values: { email: '' }, errors: {}, signupOpen: true }),
      SignUpPage({ assets, values: { email: '' }, errors: {} }),
    ];
    for (const page of pages) expect(descriptionOf(await parse(page))?.length).toBeGreaterThan(50);
  });

  test('signing in and up loads no htmx (those pages have no hx- attribute); the signed-in pages do', async () => {
    const signIn = SignInPage({ assets, values: { email: '' }, errors: {}, signupOpen: true });
    for (const page of [signIn, SignUpPage({ assets, values: { email: '' }, errors: {} })]) {
      expect(scriptsOf(await parse(page))).toEqual([assets.app]);
      expect(await page).not.toMatch(/ hx-[a-z]/);
    }
    const tasks = await parse(Layout({ title: 'Tasks', assets, account: { email: 'a@example.com' }, children: '' }));
    expect(scriptsOf(tasks)).toEqual([assets.htmx, assets.app]);
  });

  test("the account's zone and its offset now, so the browser can tell at no cost that it is in the same day", async () => {
    const account = { email: 'a@example.com', time_zone: 'Asia/Kathmandu', locale: 'en-GB', region_from_browser: true };
    const page = await parse(Layout({ title: 'Tasks', assets, account, children: '' }));
    const nav = page.nodes.find((node) => node.tag === 'nav' && node.attributes['aria-label'] === 'Account') as Node;
    expect(nav.attributes).toMatchObject({ 'data-region-time-zone': 'Asia/Kathmandu', 'data-region-offset': '345' });
    // As a browser's -new Date().getTimezoneOffset() says it: summer time included, minutes east of UTC.
    const summer = new Date('2026-07-01T12:00:00Z');
    const winter = new Date('2026-01-15T12:00:00Z');
    expect([utcOffsetMinutes('Europe/Paris', summer), utcOffsetMinutes('Europe/Paris', winter)]).toEqual([120, 60]);
    expect([utcOffsetMinutes('America/St_Johns', winter), utcOffsetMinutes('UTC', summer)]).toEqual([-210, 0]);
    expect(utcOffsetMinutes('Mars/Olympus', summer)).toBeUndefined();
  });
});

describe('the sign-up page', () => {
  // A route might pass the parsed body on as it came; the password must still never be printed.
  const values = { email: HOSTILE_EMAIL, returnTo: `/?q=${HOSTILE}`, password: PASSWORD } as CredentialsValues;

  test('asks for an email and a password of at least 12 characters, keeping the email only', async () => {
    const page = await parse(SignUpPage({ assets, values, errors: {} }));
    expect(page.nodes.find((node) => node.tag === 'h1')?.text).toBe('Create account');
    const email = page.control('Email');
    const password = page.control('Password');
    const form = page.formOf(email);
    expect(form.attributes).toMatchObject({ method: 'post', action: '/signup' });
    expect('novalidate' in form.attributes).toBe(true);
    expect(page.formOf(password)).toBe(form);
    expect(email.attributes).toMatchObject({
      type: 'email',
      name: 'email',
      autocomplete: 'username',
      maxlength: '254',
      value: HOSTILE_EMAIL,
    });
    expect('required' in email.attributes).toBe(true);
    expect(password.attributes).toMatchObject({
      type: 'password',
      name: 'password',
      autocomplete: 'new-password',
      minlength: '12',
      maxlength: '256',
    });
    expect('required' in password.attributes).toBe(true);
    expect('value' in password.attributes).toBe(false);
    expect(page.description(password)).toBe('At least 12 characters.');
    expect(page.autofocused()).toEqual([email]);
    expect(page.formOf(page.button('Create account'))).toBe(form);

    const returnTo = page.nodes.find((node) => node.attributes.name === 'return_to') as Node;
    expect(returnTo.attributes).toMatchObject({ type: 'hidden', value: `/?q=${HOSTILE}` });
    expect(page.formOf(returnTo)).toBe(form);
    expect(page.link('Already have an account? Sign in')?.attributes.href).toBe(
      `/signin?return_to=${encodeURIComponent(`/?q=${HOSTILE}`)}`,
    );

    expect(page.source).not.toContain(PASSWORD);
    expectEscaped(page, HOSTILE_EMAIL);
  });

  test('ties each error to its field and puts the cursor in the first one', async () => {
    const both = await parse(SignUpPage({ assets, values, errors: { email: HOSTILE, password: 'Too short' } }));
    const email = both.control('Email');
    const password = both.control('Password');
    expect(email.attributes['aria-invalid']).toBe('true');
    expect(both.description(email)).toBe(HOSTILE);
    expect(password.attributes['aria-invalid']).toBe('true');
    expect(both.description(password)).toBe('At least 12 characters. Too short');
    expect(both.autofocused()).toEqual([email]);
    expectEscaped(both, HOSTILE);

    const passwordOnly = await parse(SignUpPage({ assets, values, errors: { password: 'Too short' } }));
    expect(passwordOnly.autofocused()).toEqual([passwordOnly.control('Password')]);
    expect(passwordOnly.control('Email').attributes['aria-invalid']).toBeUndefined();
    expect(passwordOnly.source).not.toContain(PASSWORD);
  });

  test('without a return address there is no hidden field, and the link is plain', async () => {
    const page = await parse(SignUpPage({ assets, values: { email: '' }, errors: {}, alert: HOSTILE }));
    expect(page.nodes.some((node) => node.attributes.name === 'return_to')).toBe(false);
    expect(page.link('Already have an account? Sign in')?.attributes.href).toBe('/signin');
    expect(page.byId('alerts')?.attributes.role).toBe('alert');
    expect(page.byId('alerts')?.text).toBe(HOSTILE);
    expectEscaped(page, HOSTILE);
  });

  test('when sign-up is closed it says so, offers sign-in and shows no form', async () => {
    const page = await parse(SignUpPage({ assets, values, errors: {}, signupClosed: true }));
    expect(page.nodes.some((node) => node.tag === 'form')).toBe(false);
    expect(page.text).toContain('not taking new accounts');
    expect(page.link('Already have an account? Sign in')).toBeDefined();
  });
});

describe('the sign-in page', () => {
  const values = { email: HOSTILE_EMAIL, returnTo: `/?q=${HOSTILE}`, password: PASSWORD } as CredentialsValues;

  test('asks for the email and the current password, with messages in the live regions', async () => {
    const page = await parse(
      SignInPage({
        assets,
        values,
        errors: {},
        alert: 'Email or password is incorrect',
        flash: `Signed out ${HOSTILE}`,
        signupOpen: true,
      }),
    );
    expect(page.nodes.find((node) => node.tag === 'h1')?.text).toBe('Sign in');
    const email = page.control('Email');
    const password = page.control('Password');
    const form = page.formOf(email);
    expect(form.attributes).toMatchObject({ method: 'post', action: '/signin' });
    expect(page.formOf(page.button('Sign in'))).toBe(form);
    expect(email.attributes).toMatchObject({ type: 'email', autocomplete: 'username', value: HOSTILE_EMAIL });
    expect(password.attributes).toMatchObject({ type: 'password', autocomplete: 'current-password' });
    expect('minlength' in password.attributes).toBe(false);
    expect('value' in password.attributes).toBe(false);
    expect(page.autofocused()).toEqual([email]);
    expect(page.byId('flash')?.attributes.role).toBe('status');
    expect(page.byId('flash')?.text).toBe(`Signed out ${HOSTILE}`);
    expect(page.byId('alerts')?.attributes.role).toBe('alert');
    expect(page.byId('alerts')?.text).toBe('Email or password is incorrect');
    expect(page.nodes.find((node) => node.attributes.name === 'return_to')?.attributes.value).toBe(`/?q=${HOSTILE}`);
    expect(page.link('Create an account')?.attributes.href).toBe(
      `/signup?return_to=${encodeURIComponent(`/?q=${HOSTILE}`)}`,
    );
    expect(page.buttons(/Sign out/)).toEqual([]);
    expect(page.source).not.toContain(PASSWORD);
    expectEscaped(page, HOSTILE_EMAIL);
  });

  test('field errors are tied to their fields; no sign-up link when sign-up is closed', async () => {
    const page = await parse(SignInPage({ assets, values, errors: { password: HOSTILE }, signupOpen: false }));
    const password = page.control('Password');
    expect(password.attributes['aria-invalid']).toBe('true');
    expect(page.description(password)).toBe(HOSTILE);
    expect(page.autofocused()).toEqual([password]);
    expect(page.link('Create an account')).toBeUndefined();
    expectEscaped(page, HOSTILE);
  });
});

describe('the settings page', () => {
  const base: SettingsPageProps = {
    assets,
    account: { email: HOSTILE_EMAIL },
    tokens: [],
    tokenForm: { values: { name: '' }, errors: {} },
    passwordForm: { errors: {} },
    region: {
      time_zone: 'Europe/Zurich',
      locale: 'de-CH',
      follows_browser: true,
      timeZones: ['UTC', 'Europe/Zurich', HOSTILE],
      locales: [
        { tag: 'en-GB', label: 'British English: 24 Dec 2026' },
        { tag: 'de-CH', label: `Swiss German ${HOSTILE}` },
      ],
    },
    regionErrors: {},
  };
  const tokens = [
    { id: 7, name: HOSTILE, created_at: '2026-03-04T05:06:07.000Z', last_used_at: null },
    { id: 8, name: 'backup & sync', created_at: '2026-01-02T00:00:00.000Z', last_used_at: '2026-02-03T10:00:00.000Z' },
  ];

  test('lists tokens with their dates and a Revoke button named after each', async () => {
    const page = await parse(SettingsPage({ ...base, tokens, flash: `Revoked ${HOSTILE}` }));
    expect(page.nodes.find((node) => node.tag === 'h1')?.text).toBe('Settings');
    const headings = page.nodes.filter((node) => node.tag === 'h2').map((node) => node.text);
    expect(headings).toEqual(['API tokens', 'Password', 'Time zone and date format', 'Sessions', 'Export and import']);
    expect(page.byId('flash')?.text).toBe(`Revoked ${HOSTILE}`);

    const items = page.nodes.filter((node) => node.tag === 'li' && node.parent?.tag === 'ul');
    expect(items).toHaveLength(2);
    const [first, second] = items as [Node, Node];
    expect(first.text).toContain(HOSTILE);
    expect(first.text).toContain('Created 2026-03-04');
    expect(first.text).toContain('Never used');
    expect(second.text).toContain('Last used 2026-02-03');
    const times = page.nodes.filter((node) => node.tag === 'time');
    expect(times.map((node) => [node.attributes.datetime, node.text])).toEqual([
      ['2026-03-04T05:06:07.000Z', '2026-03-04'],
      ['2026-01-02T00:00:00.000Z', '2026-01-02'],
      ['2026-02-03T10:00:00.000Z', '2026-02-03'],
    ]);

    const revoke = page.button(`Revoke token ${HOSTILE}`);
    expect(revoke.text.trim()).toBe('Revoke');
    expect(page.within(revoke, first)).toBe(true);
    expect(page.formOf(revoke).attributes).toMatchObject({ method: 'post', action: '/settings/tokens/7/revoke' });
    const revokeSecond = page.button('Revoke token backup & sync');
    expect(page.formOf(revokeSecond).attributes.action).toBe('/settings/tokens/8/revoke');
    // The visible label starts the accessible name (WCAG 2.5.3), so speaking "Revoke" finds them.
    for (const button of page.buttons(/Revoke/)) expect(button.attributes['aria-label']).toStartWith('Revoke');
    expect(page.text).not.toContain('No tokens yet');
    expect(page.autofocused()).toEqual([]);
    expectEscaped(page, HOSTILE);
  });

  test('with no tokens it says how scripts use one', async () => {
    const page = await parse(SettingsPage(base));
    expect(page.text).toContain('No tokens yet. Scripts use a token as Authorization: Bearer tm_…');
    expect(page.buttons(/Revoke/)).toEqual([]);
  });

  test('shows a new token once, selectable, with the create form beside it', async () => {
    const secret = `tm_${'A'.repeat(20)}"&<b>`;
    const page = await parse(SettingsPage({ ...base, newToken: { name: HOSTILE, token: secret } }));
    expect(page.text).toContain(`Copy your new token “${HOSTILE}” now. It will not be shown again.`);
    const input = page.control('New token');
    expect(input.tag).toBe('input');
    expect(input.attributes).toMatchObject({
      id: 'new-token',
      value: secret,
      autocomplete: 'off',
      spellcheck: 'false',
    });
    expect('readonly' in input.attributes).toBe(true);
    expect(page.autofocused()).toEqual([input]);

    const name = page.control('Token name');
    expect(name.attributes).toMatchObject({ name: 'name', maxlength: '100' });
    expect('required' in name.attributes).toBe(true);
    const form = page.formOf(name);
    expect(form.attributes).toMatchObject({ method: 'post', action: '/settings/tokens' });
    expect(page.formOf(page.button('Create token'))).toBe(form);
    expectEscaped(page, HOSTILE);
  });

  test("a rejected token name comes back with its message at the field and the user's text kept", async () => {
    const page = await parse(
      SettingsPage({ ...base, tokenForm: { values: { name: HOSTILE }, errors: { name: `Too long: ${HOSTILE}` } } }),
    );
    const name = page.control('Token name');
    expect(name.attributes.value).toBe(HOSTILE);
    expect(name.attributes['aria-invalid']).toBe('true');
    expect(page.description(name)).toBe(`Too long: ${HOSTILE}`);
    expect(page.autofocused()).toEqual([name]);
    expectEscaped(page, HOSTILE);
  });

  test('changes the password with both fields empty on every render, errors at the fields', async () => {
    const page = await parse(
      SettingsPage({
        ...base,
        passwordForm: { errors: { current_password: 'Current password is wrong', new_password: HOSTILE } },
      }),
    );
    const current = page.control('Current password');
    const next = page.control('New password');
    expect(current.attributes).toMatchObject({
      type: 'password',
      name: 'current_password',
      autocomplete: 'current-password',
    });
    expect(next.attributes).toMatchObject({ type: 'password', name: 'new_password', autocomplete: 'new-password' });
    for (const field of [current, next]) {
      expect('value' in field.attributes).toBe(false);
      expect(field.attributes['aria-invalid']).toBe('true');
    }
    expect(page.description(current)).toBe('Current password is wrong');
    expect(page.description(next)).toBe(`At least 12 characters. ${HOSTILE}`);
    expect(page.autofocused()).toEqual([current]);
    const form = page.formOf(current);
    expect(form.attributes).toMatchObject({ method: 'post', action: '/settings/password' });
    expect(page.formOf(next)).toBe(form);
    expect(page.formOf(page.button('Change password'))).toBe(form);
    expectEscaped(page, HOSTILE);
  });

  test('says who is signed in and signs out everywhere, with the header signed in', async () => {
    const page = await parse(SettingsPage(base));
    expect(page.text).toContain(`Signed in as ${HOSTILE_EMAIL}.`);
    const everywhere = page.button('Sign out everywhere');
    expect(page.formOf(everywhere).attributes).toMatchObject({
      method: 'post',
      action: '/settings/sign-out-everywhere',
    });
    expect(page.description(everywhere)).toMatch(/every browser.*including this one.*API tokens keep working/);
    expect(page.button('Sign out')).toBeDefined();
    expectEscaped(page, HOSTILE_EMAIL);
  });
});
