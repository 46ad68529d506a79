/** @jsxImportSource @kitajs/html */
import { Elysia, t } from 'elysia';
import { type RegionSettings, SettingsPage, SignInPage, SignUpPage } from '../../components/account-pages';
import type { PageAssets } from '../../components/layout';
import type { ClientFacts } from '../http/client-address';
import { sameOriginForms } from '../http/csrf';
import { type Flash, flashCookie, takeFlash } from '../http/flash';
import { page, redirect, withCookies } from '../http/html';
import { localPath } from '../http/local-path';
import { readFormBody } from '../http/request-body';
import {
  type ErrorDetail,
  InvalidInputError,
  NotFoundError,
  SignUpClosedError,
  TooManyAttemptsError,
  WrongCredentialsError,
} from '../lib/domain-errors';
import { type PageAuthentication, signInUrl } from './gate';
import type { Account } from './model';
import { LOCALES, TIME_ZONES } from './region';
import type { AccountService } from './service';
import { clearedSessionCookies, sessionCookie, sessionIdOf } from './session-cookie';

/**
 * Sign-up, sign-in, sign-out and the settings page (API tokens, password, sessions). Plain forms
 * that work without JavaScript: POST, then 303 on success; on a refusal the same form again with
 * the user's email (never the password) and the message at the field, or one generic message.
 */

interface AccountPagesOptions {
  accounts: AccountService;
  assets: PageAssets;
  clients: ClientFacts;
  authentication: PageAuthentication;
  /** How long the browser keeps the session cookie: the session's absolute expiry. */
  sessionMaxMs: number;
}

// Every field optional and any extra field ignored: what is wrong is said at the field, in words.
const CredentialsForm = t.Object(
  {
    email: t.Optional(t.String()),
    password: t.Optional(t.String()),
    return_to: t.Optional(t.String()),
    // Filled in by the page's script with where the browser is (src/accounts/region.ts).
    time_zone: t.Optional(t.String()),
    locale: t.Optional(t.String()),
  },
  { additionalProperties: true },
);
const RegionForm = t.Object(
  { time_zone: t.Optional(t.String()), locale: t.Optional(t.String()), follow_browser: t.Optional(t.String()) },
  { additionalProperties: true },
);
const TokenForm = t.Object({ name: t.Optional(t.String()) }, { additionalProperties: true });
const PasswordForm = t.Object(
  { current_password: t.Optional(t.String()), new_password: t.Optional(t.String()) },
  { additionalProperties: true },
);
const ReturnQuery = t.Object({ return_to: t.Optional(t.String()) }, { additionalProperties: true });
const TokenParams = t.Object({ id: t.String({ pattern: '^[1-9][0-9]{0,14}$' }) });
const hidden = { detail: { hide: true } };
const formOf = <T,>(body: T) => ({
  parse: ({ request }: { request: Request }) => readFormBody(request),
  body,
  ...hidden,
});

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Field errors as a form shows them, beside each field; `rename` maps the service's names to the form's. */
function fieldErrors(details: ErrorDetail[], rename: Record<string, string> = {}): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { field, message } of details) errors[rename[field] ?? field] ??= capitalise(message);
  return errors;
}

/** The fields a sign-in or sign-up form must not leave empty. */
function missingCredentials(email: string, password: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!email.trim()) errors.email = 'Enter your email';
  if (!password) errors.password = 'Enter your password';
  return errors;
}

/** A form refused: 401 for wrong credentials, 429 (with Retry-After) for too many, 422 for bad input. */
function refusal(error: unknown, rename: Record<string, string> = {}) {
  if (error instanceof WrongCredentialsError) return { status: 401, alert: error.message, errors: {} };
  if (error instanceof TooManyAttemptsError)
    return { status: 429, alert: error.message, errors: {}, retryAfter: error.retryAfterSeconds };
  if (error instanceof InvalidInputError) return { status: 422, errors: fieldErrors(error.details, rename) };
  throw error;
}

const withRetryAfter = (refused: { status: number; retryAfter?: number }) => ({
  status: refused.status,
  headers: refused.retryAfter ? { 'retry-after': String(refused.retryAfter) } : undefined,
});

export function createAccountPages({ accounts, assets, clients, authentication, sessionMaxMs }: AccountPagesOptions) {
  type Credentials = typeof CredentialsForm.static;
  const valuesOf = (body: Credentials) => ({ email: body.email ?? '', returnTo: localPath(body.return_to) });

  const signedIn = (sessionId: string, returnTo: string, overHttps: boolean) =>
    redirect(returnTo, [sessionCookie(sessionId, overHttps, sessionMaxMs)]);

  const signInPage = (values: { email: string; returnTo: string }, extra: Partial<Parameters<typeof SignInPage>[0]>) =>
    accounts
      .signUpAllowed()
      .then((signupOpen) => (
        <SignInPage assets={assets} values={values} errors={{}} signupOpen={signupOpen} {...extra} />
      ));

  const publicPages = new Elysia({ name: 'account-pages' })
    .use(sameOriginForms())
    .get(
      '/signup',
      async ({ query }) => {
        const values = { email: '', returnTo: localPath(query.return_to) };
        const open = await accounts.signUpAllowed();
        const form = <SignUpPage assets={assets} values={values} errors={{}} signupClosed={!open} />;
        return page(form, { status: open ? 200 : 403 });
      },
      { query: ReturnQuery, ...hidden },
    )
    .post(
      '/signup',
      async ({ body, headers, request, server }) => {
        const values = valuesOf(body);
        const password = body.password ?? '';
        const missing = missingCredentials(values.email, password);
        if (Object.keys(missing).length)
          return page(<SignUpPage assets={assets} values={values} errors={missing} />, { status: 422 });
        try {
          const address = clients.addressOf(request, server, headers);
          const overHttps = clients.overHttps(request, server, headers);
          const previous = sessionIdOf(headers.cookie, overHttps);
          const { account, sessionId } = await accounts.signUp(values.email, password, address, previous);
          await accounts.reportBrowserRegion(account.id, body);
          return signedIn(sessionId, values.returnTo, overHttps);
        } catch (error) {
          if (error instanceof SignUpClosedError)
            return page(<SignUpPage assets={assets} values={values} errors={{}} signupClosed />, { status: 403 });
          const refused = refusal(error);
          const form = <SignUpPage assets={assets} values={values} errors={refused.errors} alert={refused.alert} />;
          return page(form, withRetryAfter(refused));
        }
      },
      formOf(CredentialsForm),
    )
    .get(
      '/signin',
      async ({ query, headers, request, server }) => {
        const values = { email: '', returnTo: localPath(query.return_to) };
        // Already signed in (a bookmark, a second tab): straight on to where sign-in would lead.
        const sessionId = sessionIdOf(headers.cookie, clients.overHttps(request, server, headers));
        if (sessionId && (await accounts.accountOfSession(sessionId))) return redirect(values.returnTo);
        const { flash, clear } = takeFlash(headers.cookie);
        const messages = flash?.kind === 'alert' ? { alert: flash.text } : { flash: flash?.text };
        return withCookies(page(await signInPage(values, messages)), clear);
      },
      { query: ReturnQuery, ...hidden },
    )
    .post(
      '/signin',
      async ({ body, headers, request, server }) => {
        const values = valuesOf(body);
        const password = body.password ?? '';
        const missing = missingCredentials(values.email, password);
        if (Object.keys(missing).length) return page(await signInPage(values, { errors: missing }), { status: 422 });
        try {
          const address = clients.addressOf(request, server, headers);
          const overHttps = clients.overHttps(request, server, headers);
          const previous = sessionIdOf(headers.cookie, overHttps);
          const { account, sessionId } = await accounts.signIn(values.email, password, address, previous);
          await accounts.reportBrowserRegion(account.id, body);
          return signedIn(sessionId, values.returnTo, overHttps);
        } catch (error) {
          const refused = refusal(error);
          return page(await signInPage(values, refused), withRetryAfter(refused));
        }
      },
      formOf(CredentialsForm),
    )
    .post(
      '/signout',
      async ({ headers, request, server }) => {
        const sessionId = sessionIdOf(headers.cookie, clients.overHttps(request, server, headers));
        if (sessionId) await accounts.signOut(sessionId);
        return redirect('/signin', clearedSessionCookies());
      },
      { ...hidden },
    );

  return publicPages.use(createSettingsPages({ accounts, assets, clients, authentication, sessionMaxMs }));
}

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language' });
const SAMPLE_DATE = new Date(Date.UTC(2026, 11, 24));
/** Each locale the settings offer, named in English, with Christmas Eve written its way. */
const LOCALE_CHOICES = LOCALES.map((tag) => ({
  tag,
  label: `${LANGUAGE_NAMES.of(tag)}: ${new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeZone: 'UTC' }).format(SAMPLE_DATE)}`,
}));

/** The account's region as the settings page shows it; a locale the browser reported but the list lacks is offered too. */
function regionSettings(account: Account): RegionSettings {
  const locales = LOCALES.includes(account.locale)
    ? LOCALE_CHOICES
    : [{ tag: account.locale, label: `${LANGUAGE_NAMES.of(account.locale)} (from this browser)` }, ...LOCALE_CHOICES];
  const timeZones = TIME_ZONES.includes(account.time_zone) ? TIME_ZONES : [account.time_zone, ...TIME_ZONES];
  return {
    time_zone: account.time_zone,
    locale: account.locale,
    follows_browser: account.region_from_browser,
    timeZones,
    locales,
  };
}

const ONE_TIME_PASSWORD_USED =
  'You signed in with a one-time password. Choose a new password below to go on to your tasks.';

/** The signed-in account's own settings: API tokens, password, sessions. */
function createSettingsPages({ accounts, assets, authentication, sessionMaxMs }: AccountPagesOptions) {
  interface SettingsState {
    account: Account;
    newToken?: { name: string; token: string };
    tokenErrors?: Record<string, string>;
    tokenName?: string;
    passwordErrors?: Record<string, string>;
    regionErrors?: Record<string, string>;
    flash?: string;
    alert?: string;
  }

  async function settingsPage(state: SettingsState, status = 200, headers?: Record<string, string>) {
    const tokens = await accounts.listTokens(state.account.id);
    const view = (
      <SettingsPage
        assets={assets}
        account={state.account}
        tokens={tokens}
        newToken={state.newToken}
        tokenForm={{ values: { name: state.tokenName ?? '' }, errors: state.tokenErrors ?? {} }}
        passwordForm={{ errors: state.passwordErrors ?? {} }}
        region={regionSettings(state.account)}
        regionErrors={state.regionErrors ?? {}}
        flash={state.flash}
        alert={state.alert}
      />
    );
    // A page that shows a new token must never be stored by a browser or a proxy.
    const response = page(view, { status, headers });
    if (state.newToken) response.headers.set('cache-control', 'no-store');
    return response;
  }

  const backToSettings = (message: Flash, overHttps: boolean) =>
    redirect('/settings', [flashCookie(message, overHttps)]);

  return (
    new Elysia({ name: 'settings-pages' })
      .use(sameOriginForms())
      .use(authentication)
      .get(
        '/settings',
        async ({ account, headers }) => {
          const { flash, clear } = takeFlash(headers.cookie);
          const message = account.must_change_password
            ? { alert: ONE_TIME_PASSWORD_USED }
            : { [flash?.kind === 'alert' ? 'alert' : 'flash']: flash?.text };
          return withCookies(await settingsPage({ account, ...message }), clear);
        },
        hidden,
      )
      .post(
        '/settings/tokens',
        async ({ account, body }) => {
          const name = body.name ?? '';
          try {
            const created = await accounts.createToken(account.id, name);
            const flash = `Created the token “${created.name}”.`;
            return await settingsPage({ account, newToken: { name: created.name, token: created.token }, flash }, 201);
          } catch (error) {
            if (!(error instanceof InvalidInputError)) throw error;
            return settingsPage({ account, tokenName: name, tokenErrors: fieldErrors(error.details) }, 422);
          }
        },
        formOf(TokenForm),
      )
      .post(
        '/settings/tokens/:id/revoke',
        async ({ account, params, overHttps }) => {
          try {
            await accounts.revokeToken(account.id, Number(params.id));
            return backToSettings({ kind: 'status', text: 'Token revoked.' }, overHttps);
          } catch (error) {
            if (!(error instanceof NotFoundError)) throw error;
            const text = 'That token no longer exists.';
            return backToSettings({ kind: 'alert', text }, overHttps);
          }
        },
        { params: TokenParams, ...formOf(t.Object({}, { additionalProperties: true })) },
      )
      .post(
        '/settings/password',
        async ({ account, body, overHttps }) => {
          try {
            const current = body.current_password ?? '';
            const { sessionId } = await accounts.changePassword(account.id, current, body.new_password ?? '');
            const text = 'Password changed. Every other browser was signed out.';
            const renewed = sessionCookie(sessionId, overHttps, sessionMaxMs);
            return redirect('/settings', [flashCookie({ kind: 'status', text }, overHttps), renewed]);
          } catch (error) {
            const refused = refusal(error, { password: 'new_password', current: 'current_password' });
            const passwordErrors =
              error instanceof WrongCredentialsError
                ? { current_password: 'Current password is incorrect' }
                : refused.errors;
            const { status, headers: retry } = withRetryAfter(refused);
            return settingsPage({ account, passwordErrors, alert: refused.alert }, status, retry);
          }
        },
        formOf(PasswordForm),
      )
      .post(
        '/settings/region',
        async ({ account, body, overHttps }) => {
          const followBrowser = body.follow_browser === 'on';
          try {
            await accounts.setRegion(account.id, body, followBrowser);
            return backToSettings({ kind: 'status', text: 'Time zone and date format saved.' }, overHttps);
          } catch (error) {
            if (!(error instanceof InvalidInputError)) throw error;
            return settingsPage({ account, regionErrors: fieldErrors(error.details) }, 422);
          }
        },
        formOf(RegionForm),
      )
      // The page's script reports where the browser is when the account follows it: nothing to show.
      .post(
        '/settings/browser-region',
        async ({ account, body }) => {
          await accounts.reportBrowserRegion(account.id, body);
          return new Response(null, { status: 204 });
        },
        formOf(RegionForm),
      )
      .post(
        '/settings/sign-out-everywhere',
        async ({ account }) => {
          await accounts.signOutEverywhere(account.id);
          return redirect(signInUrl('/'), clearedSessionCookies());
        },
        formOf(t.Object({}, { additionalProperties: true })),
      )
  );
}
