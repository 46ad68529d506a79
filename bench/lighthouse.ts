import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../harness/chromium';
import {
  createLiveApi,
  type LiveAccount,
  type LiveServer,
  startLiveServer,
  type TaskInput,
} from '../harness/live-server';
import { cpuSnapshot, othersShare, waitForQuietMachine } from './machine-noise';
import { replaceSection } from './results-section';
import { median } from './stats';

/**
 * `bun run lighthouse`: the page on a phone. Audits the task page of an account with 60 tasks, and
 * the sign-in page, in Debian's Chromium with Lighthouse's mobile preset and its default
 * (simulated) throttling; three audits of each, taking turns, and the median of each figure. Prints
 * every target with ✓ or ✗ and writes its section of bench/results.md (the bench's own sections stay).
 *
 *   --runs <n>        audits per page (default 3)
 *   --output <file>   the results file (default bench/results.md)
 *   --save <json>     also keep the medians as JSON (a "before" for a later run)
 *   --before <json>   a saved run to show beside this one (same-hour before/after)
 *   --before-app <dir> a checkout of an earlier commit (with node_modules) whose app is audited too,
 *                     taking turns with this one: before/after in one run, under the same noise
 *   --before-label <s> what to call that checkout in the report (its commit)
 *   --keep <dir>      keep each audit's full Lighthouse report (JSON) there, to see why a figure is what it is
 */

const TASK_COUNT = 60;
/** navigator.language of Debian's headless Chromium as Lighthouse drives it. */
const BROWSER_LOCALE = 'en-US';
const SECTION = 'lighthouse';
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const METRICS = {
  fcp: 'first-contentful-paint',
  lcp: 'largest-contentful-paint',
  tbt: 'total-blocking-time',
  cls: 'cumulative-layout-shift',
  si: 'speed-index',
} as const;

type Category = (typeof CATEGORIES)[number];
type Metric = keyof typeof METRICS;
/**
 * One audit's figures: scores 0–100, times in ms, CLS unitless; and the machine's speed as
 * Lighthouse measured it then (benchmarkIndex: the simulated phone's times are this machine's
 * main-thread times × 4, so a busy machine makes a slow phone).
 */
type Figures = Record<Category, number> & Record<Metric, number> & { machine: number; others: number };

interface PageResult {
  page: string;
  path: string;
  runs: Figures[];
  median: Figures;
}

interface RunRecord {
  when: string;
  commit: string;
  chromium: string;
  lighthouse: string;
  pages: PageResult[];
}

const TARGETS: { label: string; met: (f: Figures) => boolean; shown: (f: Figures) => string }[] = [
  { label: 'performance ≥ 95', met: (f) => f.performance >= 95, shown: (f) => String(f.performance) },
  { label: 'total blocking time ≤ 200 ms', met: (f) => f.tbt <= 200, shown: (f) => `${Math.round(f.tbt)} ms` },
  { label: 'accessibility 100', met: (f) => f.accessibility === 100, shown: (f) => String(f.accessibility) },
  {
    label: 'best practices 100',
    met: (f) => f['best-practices'] === 100,
    shown: (f) => String(f['best-practices']),
  },
  { label: 'SEO 100', met: (f) => f.seo === 100, shown: (f) => String(f.seo) },
];

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** Tasks that read like a person's: some with notes (a few long), due dates, priorities, some done. */
function sampleTasks(): (TaskInput & { done: boolean })[] {
  const verbs = ['Review', 'Book', 'Email Sam about', 'Fix', 'Renew', 'Prepare', 'Pay', 'Plan', 'Order', 'Call about'];
  const things = [
    'the quarterly report',
    'the dentist',
    'the invoice for March',
    'the staging server',
    'the car insurance',
  ];
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return Array.from({ length: TASK_COUNT }, (_, i) => ({
    title: `${verbs[i % verbs.length]} ${things[i % things.length]} (${i + 1})`,
    notes:
      i % 7 === 0
        ? 'Bring the receipts from last year and the letter from the bank. Ask about the new rates, and whether the renewal can move to the first of the month so that it lines up with the others.'
        : i % 3 === 0
          ? 'Short note'
          : '',
    priority: i % 5 === 0 ? 'high' : i % 6 === 0 ? 'low' : 'normal',
    due_date: i % 4 === 0 ? day((i % 9) - 3) : null,
    done: i % 8 === 7,
  }));
}

/**
 * The account as a person who signed up in this browser has it: its tasks, and the browser's time
 * zone and language (otherwise the page would report them and reload, once per fresh profile).
 */
async function seed(origin: string): Promise<LiveAccount> {
  const api = createLiveApi(origin);
  for (const { done, ...input } of sampleTasks()) {
    const task = await api.create(input);
    if (done) await api.update(task.id, { status: 'done' });
  }
  const account = await api.account();
  const region = { time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone, locale: BROWSER_LOCALE };
  const reported = await fetch(`${origin}/settings/browser-region`, {
    method: 'POST',
    headers: { cookie: account.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(region),
  });
  if (reported.status !== 204) throw new Error(`setting the account's region answered ${reported.status}`);
  return account;
}

/** How long an audit waits for the machine to go quiet (other sessions' work), at most. */
const QUIET_WAIT_MS = 45_000;

/**
 * One audit, once the machine is quiet or QUIET_WAIT_MS has passed; with the share of the CPU that
 * other processes took meanwhile.
 */
async function auditWhenQuiet(url: string, headers: Record<string, string>, keepAs?: string): Promise<Figures> {
  for (let attempt = 1; ; attempt++) {
    await waitForQuietMachine(0.2, 2, QUIET_WAIT_MS);
    const before = cpuSnapshot();
    try {
      const figures = await audit(url, headers, keepAs);
      figures.others = Math.round(othersShare(before, cpuSnapshot()) * 100);
      return figures;
    } catch (error) {
      if (!(error instanceof LighthouseRuntimeError) || attempt === AUDIT_ATTEMPTS) throw error;
      console.log(`lighthouse: ${error.message}; auditing again`);
    }
  }
}

/**
 * Tries an audit gets when Lighthouse itself fails to record the page load: NO_NAVSTART ("Please run
 * Lighthouse again") came once in a run of six audits on 2026-12-03, and the run after it was clean.
 */
const AUDIT_ATTEMPTS = 3;

/** Lighthouse could not measure the page (its lhr.runtimeError), as against a page that failed. */
class LighthouseRuntimeError extends Error {}

/** One audit in a Chromium of its own (fresh profile, so no cache or storage carries over). */
async function audit(url: string, headers: Record<string, string>, keepAs?: string): Promise<Figures> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'tm-lighthouse-'));
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM_PATH,
    chromeFlags: ['--headless', ...CHROMIUM_ARGS],
    userDataDir,
    logLevel: 'error',
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: [...CATEGORIES],
      extraHeaders: headers,
    });
    if (!result) throw new Error(`lighthouse gave no result for ${url}`);
    const { lhr } = result;
    if (keepAs) writeFileSync(keepAs, JSON.stringify(lhr));
    if (lhr.runtimeError)
      throw new LighthouseRuntimeError(`lighthouse on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const figures = {} as Figures;
    for (const category of CATEGORIES) figures[category] = Math.round((lhr.categories[category]?.score ?? 0) * 100);
    for (const [name, id] of Object.entries(METRICS)) figures[name as Metric] = lhr.audits[id]?.numericValue ?? NaN;
    figures.machine = lhr.environment.benchmarkIndex;
    for (const category of CATEGORIES) {
      if (figures[category] === 100) continue;
      const failing = lhr.categories[category]?.auditRefs
        .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1)
        .map((ref) => ref.id);
      console.log(`    ${category} ${figures[category]}: ${failing?.join(', ') || '(no weighted audit failed)'}`);
    }
    return figures;
  } finally {
    chrome.kill();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

function medianOf(runs: Figures[]): Figures {
  const figures = {} as Figures;
  for (const key of [...CATEGORIES, ...(Object.keys(METRICS) as Metric[]), 'machine' as const, 'others' as const])
    figures[key] = median(runs.map((run) => run[key]));
  return figures;
}

const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;
const row = (f: Figures) =>
  [
    f.performance,
    f.accessibility,
    f['best-practices'],
    f.seo,
    ms(f.fcp),
    ms(f.lcp),
    ms(f.tbt),
    f.cls.toFixed(3),
    ms(f.si),
    Math.round(f.machine),
    `${f.others} %`,
  ].join(' | ');
const TABLE_HEAD =
  '| page | run | performance | accessibility | best practices | SEO | FCP | LCP | TBT | CLS | SI | benchmarkIndex | CPU used by others |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';

function renderTargets(record: RunRecord): string[] {
  return record.pages.flatMap(({ page, median: f }) =>
    TARGETS.map((target) => `- ${target.met(f) ? '✓' : '✗'} ${page}: ${target.label} — ${target.shown(f)}`),
  );
}

function renderRecord(record: RunRecord, label: string): string[] {
  return record.pages.flatMap(({ page, runs, median: f }) => [
    `| ${page} | ${label} median | ${row(f)} |`,
    ...runs.map((run, i) => `| ${page} | ${label} ${i + 1} | ${row(run)} |`),
  ]);
}

function renderSection(record: RunRecord, before?: RunRecord, alternated = false): string {
  const describe = (r: RunRecord, label: string) =>
    `- ${label}: ${r.when}, commit ${r.commit}, Lighthouse ${r.lighthouse}, ${r.chromium}`;
  return [
    '## The page on a phone (Lighthouse)',
    '',
    `Command: \`bun run lighthouse\`. Mobile preset, default (simulated) throttling, ${TASK_COUNT} tasks signed in on the task page (50 shown, as the page shows them) and the sign-in page; each page audited ${record.pages[0]?.runs.length ?? 0} times in turn, each audit in a fresh Chromium profile; the median of each figure. Targets on the median:`,
    '',
    ...renderTargets(record),
    '',
    ...(before ? [describe(before, 'before'), describe(record, 'after')] : [describe(record, 'run')]),
    ...(alternated ? ['- Both apps ran side by side, their audits taking turns (before, after, before, after…).'] : []),
    '',
    `benchmarkIndex is how fast Lighthouse found this machine at the time (higher is faster); CPU used by others is the share of the machine's cores that processes other than this command's used during the audit (each audit first waits up to ${QUIET_WAIT_MS / 1000} s for a quiet machine). The phone is simulated as this machine slowed 4×, so a machine busy with other work makes every time longer and every score lower.`,
    '',
    TABLE_HEAD,
    ...(before ? renderRecord(before, 'before') : []),
    ...renderRecord(record, before ? 'after' : 'audit'),
  ].join('\n');
}

function describeBrowser(): string {
  const version = Bun.spawnSync([CHROMIUM_PATH, '--version'], { stderr: 'ignore' }).stdout.toString().trim();
  return version.split('\n').at(-1) ?? 'Chromium';
}

/** An app under audit: this checkout's, or (--before-app) the one it is compared with. */
interface AppUnderAudit {
  name: 'after' | 'before';
  server: LiveServer;
  account: LiveAccount;
  results: PageResult[];
}

const PAGES = [
  { page: 'task page', path: '/', signedIn: true },
  { page: 'sign-in page', path: '/signin', signedIn: false },
] as const;

/**
 * Starts an app with its accounts and tasks: this checkout's, or another checkout's (its own
 * harness starts its own src/main.ts).
 */
async function startApp(name: AppUnderAudit['name'], checkout?: string): Promise<AppUnderAudit> {
  const start: typeof startLiveServer = checkout
    ? (await import(join(resolve(checkout), 'harness/live-server.ts'))).startLiveServer
    : startLiveServer;
  const server = await start();
  const account = await seed(server.origin).catch(async (error) => {
    await server.stop();
    throw error;
  });
  const results = PAGES.map(({ page, path }) => ({ page, path, runs: [], median: {} as Figures }));
  return { name, server, account, results };
}

async function recordOf(results: PageResult[], commit: string): Promise<RunRecord> {
  for (const result of results) result.median = medianOf(result.runs);
  return {
    when: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    commit,
    chromium: describeBrowser(),
    lighthouse: (await import('lighthouse/package.json', { with: { type: 'json' } })).default.version,
    pages: results,
  };
}

async function main() {
  const runs = Number(option('--runs') ?? 3);
  const output = option('--output') ?? join(import.meta.dir, 'results.md');
  const keep = option('--keep');
  const beforeFile = option('--before');
  const beforeApp = option('--before-app');
  const apps = [await startApp('after')];
  try {
    if (beforeApp) apps.unshift(await startApp('before', beforeApp));
    // Pages and apps take turns, so a change in how busy the machine is falls on all of them alike.
    for (let i = 0; i < runs; i++) {
      for (const [n, { page, path, signedIn }] of PAGES.entries()) {
        for (const app of apps) {
          console.log(`lighthouse: ${page} (${path}), ${app.name}, audit ${i + 1} of ${runs}`);
          const headers: Record<string, string> = signedIn ? { Cookie: app.account.cookie } : {};
          const keepAs = keep && join(keep, `${app.name}-${n}-${i + 1}.json`);
          const figures = await auditWhenQuiet(`${app.server.origin}${path}`, headers, keepAs);
          console.log(`  ${row(figures)}`);
          app.results[n]?.runs.push(figures);
        }
      }
    }
    const [first, second] = apps;
    const ours = (second ?? first) as AppUnderAudit;
    const record = await recordOf(ours.results, gitCommit());
    const before =
      second && first
        ? await recordOf(first.results, option('--before-label') ?? beforeApp ?? 'before')
        : beforeFile
          ? (JSON.parse(readFileSync(beforeFile, 'utf8')) as RunRecord)
          : undefined;
    const section = renderSection(record, before, apps.length > 1);
    console.log(`\n${section}`);
    replaceSection(output, SECTION, section);
    console.log(`\nlighthouse: wrote its section of ${output}`);
    const save = option('--save');
    if (save) writeFileSync(save, JSON.stringify(record, null, 2));
    const missed = record.pages.some(({ median: f }) => TARGETS.some((target) => !target.met(f)));
    process.exitCode = missed ? 1 : 0;
  } finally {
    for (const app of apps) await app.server.stop();
  }
}

const gitCommit = () => Bun.spawnSync(['git', 'rev-parse', '--short', 'HEAD']).stdout.toString().trim();

await main();
