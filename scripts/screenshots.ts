/**
 * `bun run screenshots`: starts the real server on a throwaway SQLite file, signs up an account and
 * fills it with a realistic task list through the JSON API, and writes screenshots of that
 * account's task page to docs/screenshots/ (desktop light and dark, and a phone). Uses Debian's
 * Chromium.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions } from 'playwright';
import { launchChromium } from '../harness/chromium';
import {
  createLiveApi,
  type LiveAccount,
  type LiveApi,
  type LiveServer,
  signUpLive,
  startLiveServer,
  type TaskInput,
} from '../harness/live-server';

const OUT_DIR = join(import.meta.dir, '../docs/screenshots');

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

// Created bottom-up: the page lists the newest first, so the last few here are what the
// screenshots show above the fold (an overdue task, a finished one, notes and priorities).
const TASKS: (TaskInput & { done?: boolean })[] = [
  { title: 'Water the office plants', priority: 'low' },
  { title: 'Book the team offsite venue', notes: 'Around 12 people, two days in March.', due_date: day(30) },
  { title: 'Update the on-call runbook', notes: 'Add the 503 / Retry-After section.', due_date: day(7) },
  { title: 'Buy milk', priority: 'low', due_date: day(0) },
  { title: 'Write the release notes for 0.2', priority: 'normal', due_date: day(3) },
  { title: 'Renew the TLS certificate', notes: 'The ALB listener uses it.', priority: 'high', done: true },
  {
    title: 'Review the pull request for keyset pagination',
    notes: 'Focus on the cursor encoding and the index on (status, created_at, id).',
    priority: 'high',
    due_date: day(1),
  },
  {
    title: 'Rotate the database credentials',
    notes: 'Secrets Manager rotation for the RDS master user; check the app reconnects cleanly.',
    priority: 'high',
    due_date: day(-2),
  },
];

async function seed(api: LiveApi) {
  for (const { done, ...input } of TASKS) {
    const task = await api.create(input);
    if (done) await api.update(task.id, { status: 'done' });
  }
}

/** A page signed in as the account that owns the seeded tasks: its session cookie, as sign-in sets it. */
async function shoot(
  browser: Browser,
  server: LiveServer,
  account: LiveAccount,
  file: string,
  options: BrowserContextOptions,
) {
  const context = await browser.newContext(options);
  await context.addCookies([
    { name: account.cookieName, value: account.sessionId, url: server.origin, httpOnly: true, sameSite: 'Lax' },
  ]);
  const page = await context.newPage();
  const response = await page.goto(`${server.origin}/`, { waitUntil: 'networkidle' });
  if (!response?.ok()) throw new Error(`GET / answered ${response?.status()}; is the task page built?`);
  // A signed-out browser is sent to the sign-in page, which answers 200 too.
  if (new URL(page.url()).pathname !== '/') throw new Error(`GET / landed on ${page.url()}: not signed in`);
  await page.screenshot({ path: join(OUT_DIR, file), fullPage: false });
  await context.close();
  console.log(`wrote docs/screenshots/${file}`);
}

const server = await startLiveServer();
let browser: Browser | undefined;
try {
  // A fixed address, so the header in the pictures does not change from one run to the next.
  const account = await signUpLive(server.origin, 'alex@example.com');
  await seed(createLiveApi(server.origin, account));
  mkdirSync(OUT_DIR, { recursive: true });
  browser = await launchChromium();
  await shoot(browser, server, account, 'desktop.png', {
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
  });
  await shoot(browser, server, account, 'desktop-dark.png', {
    viewport: { width: 1280, height: 800 },
    colorScheme: 'dark',
  });
  await shoot(browser, server, account, 'mobile.png', {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
} catch (error) {
  process.exitCode = 1;
  console.error(`screenshots failed: ${error instanceof Error ? error.message : error}`);
} finally {
  await browser?.close();
  await server.stop();
}
// Idle keep-alive connections from the seeding fetches would hold the process open for seconds.
process.exit();
