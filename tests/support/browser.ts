import { afterAll, beforeAll, expect } from 'bun:test';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page, Request } from 'playwright';
import { launchChromium } from '../../harness/chromium';
import {
  createLiveApi,
  type LiveAccount,
  type LiveApi,
  type LiveServer,
  startLiveServer,
} from '../../harness/live-server';

/**
 * Browser tests against the real server: one server process and one Chromium per test file.
 * Every page records what a user or an operator would call broken — console errors, uncaught
 * exceptions, CSP violations, requests leaving our origin, 5xx answers, missing assets and
 * unexpected alert() dialogs — and expectCleanPage() fails listing all of it.
 */

export interface PageProblem {
  kind: 'console' | 'pageerror' | 'csp' | 'foreign-request' | 'server-error' | 'asset-missing' | 'alert';
  text: string;
}

export interface Recorder {
  problems: PageProblem[];
  /** Every alert/confirm/prompt the page opened, in order. */
  dialogs: { type: string; message: string }[];
  /** How confirm() dialogs are answered. alert() and prompt() are always dismissed (and count as problems). */
  confirmAnswer: 'accept' | 'dismiss';
}

export interface BrowserPage {
  page: Page;
  recorder: Recorder;
}

export interface PageOptions extends BrowserContextOptions {
  javaScriptEnabled?: boolean;
  /**
   * Who the browser is signed in as: by default the account of the suite's `api`, so what a test
   * seeds through the API is what the page shows; `null` for a signed-out browser.
   */
  account?: LiveAccount | null;
}

export interface BrowserSuite {
  readonly server: LiveServer;
  readonly browser: Browser;
  /** The JSON API, as the account every page is signed in as unless told otherwise. */
  readonly api: LiveApi;
  readonly origin: string;
  /** A page in a fresh browser context (no cache; only the session cookie), already recording problems. */
  newPage(options?: PageOptions): Promise<BrowserPage>;
  /** An absolute URL on the server. */
  url(path: string): string;
}

/** Pages opened with JavaScript disabled; axe cannot run in them. */
const scriptlessPages = new WeakSet<Page>();

/** Registers beforeAll/afterAll for the file: start the server and Chromium, and stop both at the end. */
export function useBrowserSuite(): BrowserSuite {
  let server: LiveServer | undefined;
  let browser: Browser | undefined;
  let api: LiveApi | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not running (beforeAll failed?)`);
    return value;
  };

  beforeAll(async () => {
    [server, browser] = await Promise.all([startLiveServer(), launchChromium()]);
    api = createLiveApi(server.origin);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const suite: BrowserSuite = {
    get server() {
      return need(server, 'the server');
    },
    get browser() {
      return need(browser, 'Chromium');
    },
    get api() {
      return need(api, 'the server');
    },
    get origin() {
      return need(server, 'the server').origin;
    },
    url: (path) => `${need(server, 'the server').origin}${path}`,
    async newPage({ account, ...options } = {}) {
      // Where a new account starts (src/accounts/region.ts): the page then has no region to report.
      const region = { locale: 'en-GB', timezoneId: 'UTC' };
      const context = await need(browser, 'Chromium').newContext({ javaScriptEnabled: true, ...region, ...options });
      const signedInAs = account === undefined ? await need(api, 'the server').account() : account;
      if (signedInAs) await signIn(context, signedInAs, need(server, 'the server').origin);
      // Well inside the test timeout: a missing element fails with Playwright's message, and a
      // timed-out test never makes bun kill the server process that the next tests need.
      context.setDefaultTimeout(5_000);
      context.setDefaultNavigationTimeout(10_000);
      const page = await context.newPage();
      page.on('close', () => void context.close().catch(() => {}));
      if (options.javaScriptEnabled === false) scriptlessPages.add(page);
      return { page, recorder: await recordProblems(page, need(server, 'the server').origin) };
    },
  };
  return suite;
}

/**
 * Gives a browser context the account's session cookie, as the sign-in form's answer would: the
 * browser and an API client holding the same account's token then see the same tasks.
 */
export async function signIn(context: BrowserContext, account: LiveAccount, origin: string): Promise<void> {
  await context.addCookies([
    { name: account.cookieName, value: account.sessionId, url: origin, httpOnly: true, sameSite: 'Lax' },
  ]);
}

const CSP_MESSAGE = /Content[- ]Security[- ]Policy/i;
// Chromium logs every 4xx answer as "Failed to load resource". 4xx answers are part of the contract
// (422, 404, 409 re-renders); responses are checked directly instead (5xx, and any failed asset).
const FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of 4\d\d/;
const ASSET_TYPES = new Set(['stylesheet', 'script', 'image', 'font', 'media', 'manifest']);

async function recordProblems(page: Page, origin: string): Promise<Recorder> {
  const recorder: Recorder = { problems: [], dialogs: [], confirmAnswer: 'accept' };
  const add = (kind: PageProblem['kind'], text: string) => recorder.problems.push({ kind, text });

  page.on('console', (message) => {
    const type = message.type();
    if (type !== 'error' && type !== 'warning') return;
    const text = message.text();
    if (CSP_MESSAGE.test(text) || FAILED_RESOURCE.test(text)) return; // recorded below, by kind
    add('console', `${type}: ${text}${message.location().url ? ` (${message.location().url})` : ''}`);
  });
  page.on('pageerror', (error) => add('pageerror', error.stack ?? error.message));
  page.on('request', (request) => {
    const url = request.url();
    if (/^(data|blob|about):/.test(url)) return;
    if (new URL(url).origin !== origin) add('foreign-request', `${request.method()} ${url}`);
  });
  page.on('response', (response) => {
    const status = response.status();
    const type = response.request().resourceType();
    if (status >= 500) add('server-error', `${status} ${response.request().method()} ${response.url()}`);
    else if (status >= 400 && ASSET_TYPES.has(type)) add('asset-missing', `${status} ${type} ${response.url()}`);
  });
  page.on('dialog', (dialog) => {
    recorder.dialogs.push({ type: dialog.type(), message: dialog.message() });
    if (dialog.type() === 'beforeunload') return void dialog.accept();
    if (dialog.type() === 'confirm')
      return void (recorder.confirmAnswer === 'accept' ? dialog.accept() : dialog.dismiss());
    add('alert', `${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });

  // CSP violations arrive on the Log domain, whether or not the page may run JavaScript.
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Log.entryAdded', ({ entry }) => {
    if (entry.source === 'security' || CSP_MESSAGE.test(entry.text)) add('csp', `${entry.text} (${entry.url ?? ''})`);
  });
  await cdp.send('Log.enable');
  return recorder;
}

/** Fails listing every problem the page recorded. `allow` lists texts that are expected in this test. */
export function expectCleanPage(recorder: Recorder, allow: RegExp[] = []): void {
  const problems = recorder.problems
    .filter((problem) => !allow.some((pattern) => pattern.test(problem.text)))
    .map((problem) => `[${problem.kind}] ${problem.text}`);
  expect(problems).toEqual([]);
}

/**
 * Runs action and checks the page was not reloaded meanwhile: a marker set on window before
 * survives only when the document stays the same, and no new document was requested.
 */
export async function noFullNavigation<T>(page: Page, action: () => Promise<T>): Promise<T> {
  const marker = `m${Math.random().toString(36).slice(2)}`;
  await page.evaluate((value) => {
    (window as unknown as { __marker: string }).__marker = value;
  }, marker);
  const documents: string[] = [];
  const onRequest = (request: Request) => {
    if (request.resourceType() === 'document') documents.push(request.url());
  };
  page.on('request', onRequest);
  try {
    const result = await action();
    expect({
      marker: await page.evaluate(() => (window as unknown as { __marker?: string }).__marker),
      documents,
    }).toEqual({ marker, documents: [] });
    return result;
  } finally {
    page.off('request', onRequest);
  }
}

let axeSource: Promise<string> | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page and returns the serious and critical violations. The script is
 * evaluated over the DevTools protocol, not added as a <script> tag, so our strict CSP (no inline
 * scripts) does not block it. The page needs JavaScript enabled: axe.run() waits on timers.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // With JavaScript disabled the page runs no timers or promise jobs, so axe.run() would never settle.
  if (scriptlessPages.has(page)) throw new Error('axeViolations needs a page with JavaScript enabled');
  axeSource ??= Bun.file(join(import.meta.dir, '../../node_modules/axe-core/axe.min.js')).text();
  const source = await axeSource;
  const cdp = await page.context().newCDPSession(page);
  try {
    const loaded = await cdp.send('Runtime.evaluate', { expression: `${source};typeof axe` });
    if (loaded.exceptionDetails) throw new Error(`axe-core did not load: ${loaded.exceptionDetails.text}`);
    const run = await cdp.send('Runtime.evaluate', {
      expression: `axe.run(document, { resultTypes: ['violations'] }).then((result) => JSON.stringify(result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ') + ' — ' + n.failureSummary) }))))`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (run.exceptionDetails) throw new Error(`axe-core failed: ${JSON.stringify(run.exceptionDetails)}`);
    const violations = JSON.parse(run.result.value as string) as AxeViolation[];
    return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  } finally {
    await cdp.detach();
  }
}

/**
 * How wide the document is, and the first elements reaching past the viewport's right edge; with
 * no horizontal scrolling that is { scrollWidth: <viewport width>, widest: [] }.
 */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; widest: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const widest = Array.from(document.querySelectorAll('body *'))
      .filter((element) => element.getBoundingClientRect().right > width + 0.5)
      .slice(0, 5)
      .map(
        (element) =>
          `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}.${Array.from(element.classList).join('.')}`,
      );
    return { scrollWidth: document.documentElement.scrollWidth, widest };
  });
}
