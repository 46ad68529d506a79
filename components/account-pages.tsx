/** @jsxImportSource @kitajs/html */
import { describedBy, Field, focusIf } from './form-field';
import { Layout, MessageRegions, type PageAssets, type SignedInAccount } from './layout';

/** What the user typed into a sign-up or sign-in form; the password is never sent back. */
export interface CredentialsValues {
  email: string;
  /** Where to go once signed in; carried through the forms and the links between them. */
  returnTo?: string;
}

export type CredentialsErrors = Partial<Record<'email' | 'password', string>>;

export interface SignUpPageProps {
  assets: PageAssets;
  values: CredentialsValues;
  errors: CredentialsErrors;
  alert?: string;
  /** The server takes no new accounts: the page says so and shows no form. */
  signupClosed?: boolean;
}

export interface SignInPageProps {
  assets: PageAssets;
  values: CredentialsValues;
  errors: CredentialsErrors;
  alert?: string;
  flash?: string;
  signupOpen: boolean;
}

/** An API token as its owner sees it in the list: never its secret. */
export interface ApiTokenSummary {
  id: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface SettingsPageProps {
  assets: PageAssets;
  account: SignedInAccount;
  tokens: ApiTokenSummary[];
  /** A token just created: the only time its secret is shown. */
  newToken?: { name: string; token: string };
  tokenForm: { values: { name: string }; errors: { name?: string } };
  passwordForm: { errors: { current_password?: string; new_password?: string } };
  region: RegionSettings;
  regionErrors: { time_zone?: string; locale?: string };
  flash?: string;
  alert?: string;
}

/** The account's time zone and date format, and what it may choose from. */
export interface RegionSettings {
  time_zone: string;
  locale: string;
  follows_browser: boolean;
  timeZones: readonly string[];
  /** Each locale offered, with its name and a date written its way. */
  locales: readonly { tag: string; label: string }[];
}

/** The DOM id of the input that shows a new token's secret. */
export const NEW_TOKEN_INPUT_ID = 'new-token';

// The same bounds as the account rules; the server checks them again.
const EMAIL_MAX = 254;
const PASSWORD_MIN = 12;
const PASSWORD_MAX = 256;
const TOKEN_NAME_MAX = 100;
const PASSWORD_HINT = `At least ${PASSWORD_MIN} characters.`;

/** A link to the other credentials page that keeps where the user was going. */
const withReturnTo = (path: string, returnTo?: string) =>
  returnTo ? `${path}?return_to=${encodeURIComponent(returnTo)}` : path;

interface CredentialsFormProps {
  kind: 'signup' | 'signin';
  values: CredentialsValues;
  errors: CredentialsErrors;
}

/** Email and password, as both the sign-up and the sign-in form ask for them. */
function CredentialsForm({ kind, values, errors }: CredentialsFormProps) {
  const signup = kind === 'signup';
  const emailId = `${kind}-email`;
  const passwordId = `${kind}-password`;
  const hint = signup ? PASSWORD_HINT : undefined;
  // The first field in error, or the email when nothing is: the page exists to fill this form in.
  const focusPassword = Boolean(errors.password) && !errors.email;
  return (
    <form class="account-form" method="post" action={signup ? '/signup' : '/signin'} novalidate>
      {values.returnTo ? <input type="hidden" name="return_to" value={values.returnTo} /> : ''}
      {/* Where the browser is, filled in by app.js; without JavaScript the settings page sets it. */}
      <input type="hidden" name="time_zone" value="" data-browser-region="time_zone" />
      <input type="hidden" name="locale" value="" data-browser-region="locale" />
      <Field id={emailId} label="Email" error={errors.email}>
        <input
          id={emailId}
          name="email"
          type="email"
          value={values.email}
          autocomplete="username"
          required
          maxlength={String(EMAIL_MAX)}
          {...describedBy(emailId, errors.email)}
          {...focusIf(!focusPassword)}
        />
      </Field>
      <Field id={passwordId} label="Password" error={errors.password} hint={hint}>
        <input
          id={passwordId}
          name="password"
          type="password"
          autocomplete={signup ? 'new-password' : 'current-password'}
          required
          minlength={signup ? String(PASSWORD_MIN) : undefined}
          maxlength={String(PASSWORD_MAX)}
          {...describedBy(passwordId, errors.password, hint)}
          {...focusIf(focusPassword)}
        />
      </Field>
      <button type="submit" class="primary">
        {signup ? 'Create account' : 'Sign in'}
      </button>
    </form>
  );
}

const ACCOUNT_DESCRIPTION =
  'Sign in to Task Manager, or create an account: your tasks with their due dates and priorities, in one list.';

export function SignUpPage({ assets, values, errors, alert, signupClosed = false }: SignUpPageProps) {
  return (
    <Layout title="Create account · Tasks" assets={assets} description={ACCOUNT_DESCRIPTION} htmx={false}>
      <div class="account-page">
        <h1>Create account</h1>
        <MessageRegions alert={alert} />
        {signupClosed ? (
          <p>This server is not taking new accounts. Ask whoever runs it to create one for you.</p>
        ) : (
          <CredentialsForm kind="signup" values={values} errors={errors} />
        )}
        <p class="account-switch">
          <a href={withReturnTo('/signin', values.returnTo)}>Already have an account? Sign in</a>
        </p>
      </div>
    </Layout>
  );
}

export function SignInPage({ assets, values, errors, alert, flash, signupOpen }: SignInPageProps) {
  return (
    <Layout title="Sign in · Tasks" assets={assets} description={ACCOUNT_DESCRIPTION} htmx={false}>
      <div class="account-page">
        <h1>Sign in</h1>
        <MessageRegions flash={flash} alert={alert} />
        <CredentialsForm kind="signin" values={values} errors={errors} />
        {signupOpen ? (
          <p class="account-switch">
            <a href={withReturnTo('/signup', values.returnTo)}>Create an account</a>
          </p>
        ) : (
          ''
        )}
      </div>
    </Layout>
  );
}

/** Which control of the settings page has the focus: a field in error first, then a new token to copy. */
function settingsFocus({ newToken, tokenForm, passwordForm }: SettingsPageProps) {
  if (tokenForm.errors.name) return 'token-name';
  if (passwordForm.errors.current_password) return 'current-password';
  if (passwordForm.errors.new_password) return 'new-password';
  return newToken ? NEW_TOKEN_INPUT_ID : null;
}

export function SettingsPage(props: SettingsPageProps) {
  const { assets, account, flash, alert } = props;
  const focused = settingsFocus(props);
  return (
    <Layout title="Settings · Tasks" assets={assets} account={account}>
      <h1>Settings</h1>
      <MessageRegions flash={flash} alert={alert} />
      <TokensSection tokens={props.tokens} newToken={props.newToken} tokenForm={props.tokenForm} focused={focused} />
      <PasswordSection errors={props.passwordForm.errors} focused={focused} />
      <RegionSection region={props.region} errors={props.regionErrors} />
      <SessionsSection account={account} />
      <TransferSection />
    </Layout>
  );
}

type TokensSectionProps = Pick<SettingsPageProps, 'tokens' | 'newToken' | 'tokenForm'> & { focused: string | null };

function TokensSection({ tokens, newToken, tokenForm, focused }: TokensSectionProps) {
  const { values, errors } = tokenForm;
  return (
    <section class="settings-section" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      {newToken ? <NewTokenNotice {...newToken} focus={focused === NEW_TOKEN_INPUT_ID} /> : ''}
      <form class="settings-form" method="post" action="/settings/tokens" novalidate>
        <Field id="token-name" label="Token name" error={errors.name}>
          <input
            id="token-name"
            name="name"
            type="text"
            value={values.name}
            autocomplete="off"
            required
            maxlength={String(TOKEN_NAME_MAX)}
            {...describedBy('token-name', errors.name)}
            {...focusIf(focused === 'token-name')}
          />
        </Field>
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
      {tokens.length ? (
        <ul class="tokens">
          {tokens.map((token) => (
            <TokenItem token={token} />
          ))}
        </ul>
      ) : (
        <p class="empty-state">
          No tokens yet. Scripts use a token as <code>Authorization: Bearer tm_…</code>.
        </p>
      )}
    </section>
  );
}

/** A token's secret, once: selectable in a read-only field, so it can be copied without JavaScript. */
function NewTokenNotice({ name, token, focus }: { name: string; token: string; focus: boolean }) {
  return (
    <div class="new-token">
      <p>
        <strong>
          Copy your new token “<span safe>{name}</span>” now.
        </strong>{' '}
        It will not be shown again.
      </p>
      <Field id={NEW_TOKEN_INPUT_ID} label="New token">
        <input
          id={NEW_TOKEN_INPUT_ID}
          class="token-value"
          type="text"
          value={token}
          readonly
          autocomplete="off"
          spellcheck="false"
          {...focusIf(focus)}
        />
      </Field>
    </div>
  );
}

/** A date as YYYY-MM-DD, with the full instant for machines. */
function DateOf({ iso }: { iso: string }) {
  return (
    <time datetime={iso} safe>
      {iso.slice(0, 10)}
    </time>
  );
}

function TokenItem({ token }: { token: ApiTokenSummary }) {
  return (
    <li class="token">
      <div>
        <p class="token-name" safe>
          {token.name}
        </p>
        <p class="token-meta">
          <span>
            Created <DateOf iso={token.created_at} />
          </span>
          <span>
            {token.last_used_at ? (
              <>
                Last used <DateOf iso={token.last_used_at} />
              </>
            ) : (
              'Never used'
            )}
          </span>
        </p>
      </div>
      <form method="post" action={`/settings/tokens/${token.id}/revoke`}>
        {/* The visible word starts the accessible name, so "click Revoke" works by voice too. */}
        <button type="submit" class="danger" aria-label={`Revoke token ${token.name}`}>
          Revoke
        </button>
      </form>
    </li>
  );
}

type PasswordErrors = SettingsPageProps['passwordForm']['errors'];

function PasswordSection({ errors, focused }: { errors: PasswordErrors; focused: string | null }) {
  return (
    <section class="settings-section" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form class="settings-form" method="post" action="/settings/password" novalidate>
        <Field id="current-password" label="Current password" error={errors.current_password}>
          <input
            id="current-password"
            name="current_password"
            type="password"
            autocomplete="current-password"
            required
            maxlength={String(PASSWORD_MAX)}
            {...describedBy('current-password', errors.current_password)}
            {...focusIf(focused === 'current-password')}
          />
        </Field>
        <Field id="new-password" label="New password" error={errors.new_password} hint={PASSWORD_HINT}>
          <input
            id="new-password"
            name="new_password"
            type="password"
            autocomplete="new-password"
            required
            minlength={String(PASSWORD_MIN)}
            maxlength={String(PASSWORD_MAX)}
            {...describedBy('new-password', errors.new_password, PASSWORD_HINT)}
            {...focusIf(focused === 'new-password')}
          />
        </Field>
        <button type="submit" class="primary">
          Change password
        </button>
      </form>
    </section>
  );
}

function RegionSection({ region, errors }: { region: RegionSettings; errors: SettingsPageProps['regionErrors'] }) {
  const hint = 'Decides what “today” and “overdue” mean.';
  return (
    <section class="settings-section" aria-labelledby="region-heading">
      <h2 id="region-heading">Time zone and date format</h2>
      <form class="settings-form" method="post" action="/settings/region" novalidate>
        <Field id="time-zone" label="Time zone" error={errors.time_zone} hint={hint}>
          <select id="time-zone" name="time_zone" {...describedBy('time-zone', errors.time_zone, hint)}>
            {region.timeZones.map((zone) => (
              <option value={zone} selected={zone === region.time_zone} safe>
                {zone}
              </option>
            ))}
          </select>
        </Field>
        <Field id="locale" label="Date format" error={errors.locale}>
          <select id="locale" name="locale" {...describedBy('locale', errors.locale)}>
            {region.locales.map(({ tag, label }) => (
              <option value={tag} selected={tag === region.locale} safe>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <div class="field field-check">
          <input id="follow-browser" name="follow_browser" type="checkbox" checked={region.follows_browser} />
          <label for="follow-browser">Follow this browser’s time zone and language when they change</label>
        </div>
        <button type="submit" class="primary">
          Save time zone and date format
        </button>
      </form>
    </section>
  );
}

function SessionsSection({ account }: { account: SignedInAccount }) {
  return (
    <section class="settings-section" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <p>
        Signed in as <strong safe>{account.email}</strong>.
      </p>
      <form method="post" action="/settings/sign-out-everywhere">
        <p class="settings-note" id="sign-out-everywhere-hint">
          Signs out every browser where you are signed in, including this one. API tokens keep working.
        </p>
        <button type="submit" class="danger" aria-describedby="sign-out-everywhere-hint">
          Sign out everywhere
        </button>
      </form>
    </section>
  );
}

/** Every task as a download, and tasks from a file (src/tasks/transfer-pages.tsx). */
function TransferSection() {
  return (
    <section class="settings-section" aria-labelledby="transfer-heading">
      <h2 id="transfer-heading">Export and import</h2>
      <p>
        Download all your tasks: <a href="/export.csv">Export as CSV</a> (for spreadsheets) or{' '}
        <a href="/export.json">Export as JSON</a> (for scripts).
      </p>
      <p>
        <a href="/import">Import tasks</a> from one of these files or from a Todoist CSV export.
      </p>
    </section>
  );
}
