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

interface LayoutProps {
  title: string;
  assets: PageAssets;
}

export function Layout({ title, assets, children }: PropsWithChildren<LayoutProps>) {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <title safe>{title}</title>
          <link rel="icon" href={assets.icon} />
          <link rel="stylesheet" href={assets.css} />
          <script src={assets.htmx} defer></script>
          <script src={assets.app} defer></script>
        </head>
        <body>
          <a class="skip-link" href="#main">
            Skip to tasks
          </a>
          <header class="site-header">
            <p class="brand">
              <a href="/">Task Manager</a>
            </p>
          </header>
          <main id="main">{children}</main>
          <footer class="site-footer">
            <p>
              Task Manager · <a href="/swagger">API documentation</a> · works with or without JavaScript
            </p>
          </footer>
        </body>
      </html>
    </>
  );
}

/** The DOM ids of the message regions, which routes target with htmx partials. */
export const MESSAGE_IDS = { flash: 'flash', alerts: 'alerts' } as const;

/** One message as both regions show it; nothing when there is none. */
export function Message({ text }: { text?: string }) {
  return text ? <p safe>{text}</p> : '';
}

/** Status messages ("Added …") and errors, announced by assistive technology. */
export function MessageRegions({ flash, alert }: { flash?: string; alert?: string }) {
  return (
    <>
      <div id={MESSAGE_IDS.flash} class="flash" role="status">
        <Message text={flash} />
      </div>
      <div id={MESSAGE_IDS.alerts} class="alerts" role="alert">
        <Message text={alert} />
      </div>
    </>
  );
}
