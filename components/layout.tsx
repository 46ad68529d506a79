/** @jsxImportSource @kitajs/html */
import type { PropsWithChildren } from '@kitajs/html';

export interface PageAssets {
  css: string;
  htmx: string;
  app: string;
  icon: string;
}

// htmx is configured here, not in script: no injected indicator <style> (our CSP forbids inline
// styles), and 5xx answers never swap into the page (a proxy's error page must not land in a list).
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorCSS: false,
  noSwap: [204, 304, '5xx'],
  defaultTimeout: 15_000,
});

/** Who is signed in, as the header shows it. */
export interface SignedInAccount {
  email: string;
  /** Where the server believes the person is; app.js reports a change while the account follows its browser. */
  time_zone?: string;
  locale?: string;
  region_from_browser?: boolean;
}

interface LayoutProps {
  title: string;
  assets: PageAssets;
  /** The signed-in account; absent on the sign-in pages and error pages. */
  account?: SignedInAccount;
  description?: string;
  /**
   * False for a page with no hx- attribute (signing in and up): it loads no htmx, whose start is a
   * long task on a phone.
   */
  htmx?: boolean;
}

/** What goes in a document's head: its title, icon, one stylesheet, deferred scripts, extra meta. */
export interface DocumentHead {
  title: string;
  /** What search results show under the title; every page has one. */
  description?: string;
  icon: string;
  css: string;
  scripts: string[];
  meta?: Record<string, string>;
}

const DESCRIPTION =
  'Task Manager: your tasks with their due dates and priorities, in one list that works with or without JavaScript, and a JSON API.';

/** The HTML document around every page of ours; its files are all from our origin (strict CSP). */
export function HtmlDocument({
  title,
  description = DESCRIPTION,
  icon,
  css,
  scripts,
  meta = {},
  children,
}: PropsWithChildren<DocumentHead>) {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="description" content={description} />
          {Object.entries(meta).map(([name, content]) => (
            <meta name={name} content={content} />
          ))}
          <title safe>{title}</title>
          <link rel="icon" href={icon} />
          <link rel="stylesheet" href={css} />
          {scripts.map((src) => (
            <script src={src} defer></script>
          ))}
        </head>
        <body>{children}</body>
      </html>
    </>
  );
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * Minutes east of UTC in a time zone at an instant, as a browser's `-new Date().getTimezoneOffset()`
 * gives it; undefined for a zone this runtime does not know.
 */
export function utcOffsetMinutes(timeZone: string, at: Date): number | undefined {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    } catch {
      return undefined;
    }
    // Canonical zone names from a list of a few hundred (src/accounts/region.ts): the map stays small.
    offsetFormats.set(timeZone, format);
  }
  const name = format.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? '';
  if (name === 'GMT') return 0;
  const [, sign, hours, minutes] = /^GMT([+-])(\d\d):(\d\d)$/.exec(name) ?? [];
  if (!sign) return undefined;
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
}

/**
 * Who is signed in, their settings and a way out: a plain form, so signing out works without JavaScript.
 * The zone's offset now lets app.js see at no cost that the browser is where the server thinks:
 * the same offset makes the same "today", so only a different one needs the browser's time zone
 * (Intl), which costs a phone a long task.
 */
function AccountNav({ account }: { account: SignedInAccount }) {
  return (
    <nav
      class="account-nav"
      aria-label="Account"
      data-region-time-zone={account.time_zone}
      data-region-offset={account.time_zone ? utcOffsetMinutes(account.time_zone, new Date())?.toString() : undefined}
      data-region-locale={account.locale}
      data-region-follows-browser={String(account.region_from_browser ?? false)}
    >
      <span class="account-email" safe>
        {account.email}
      </span>
      <a class="account-link" href="/settings">
        Settings
      </a>
      <form class="sign-out" method="post" action="/signout">
        <button type="submit">Sign out</button>
      </form>
    </nav>
  );
}

export function Layout({ title, assets, account, description, htmx = true, children }: PropsWithChildren<LayoutProps>) {
  const meta = { 'color-scheme': 'light dark', ...(htmx ? { 'htmx-config': HTMX_CONFIG } : {}) };
  const scripts = htmx ? [assets.htmx, assets.app] : [assets.app];
  return (
    <HtmlDocument
      title={title}
      description={description}
      icon={assets.icon}
      css={assets.css}
      scripts={scripts}
      meta={meta}
    >
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <p class="brand">
          <a href="/">Task Manager</a>
        </p>
        {account ? <AccountNav account={account} /> : ''}
      </header>
      <main id="main">{children}</main>
      <footer class="site-footer">
        <p>
          Task Manager · <a href="/swagger">API documentation</a> · works with or without JavaScript
        </p>
      </footer>
    </HtmlDocument>
  );
}

/** The DOM ids of the message regions, which routes target with htmx partials. */
export const MESSAGE_IDS = { flash: 'flash', alerts: 'alerts' } as const;

/**
 * One message as both regions show it; nothing when there is none. An action it offers (a form
 * with an Undo button) sits beside the text: a form cannot go inside a paragraph.
 */
export function Message({ text, action }: { text?: string; action?: JSX.Element }) {
  if (!text) return '';
  if (!action) return <p safe>{text}</p>;
  return (
    <div class="message">
      <p safe>{text}</p>
      {action}
    </div>
  );
}

/** Status messages ("Added …", with an action they offer) and errors, announced by assistive technology. */
export function MessageRegions({
  flash,
  flashAction,
  alert,
}: {
  flash?: string;
  flashAction?: JSX.Element;
  alert?: string;
}) {
  return (
    <>
      <div id={MESSAGE_IDS.flash} class="flash" role="status">
        <Message text={flash} action={flashAction} />
      </div>
      <div id={MESSAGE_IDS.alerts} class="alerts" role="alert">
        <Message text={alert} />
      </div>
    </>
  );
}
