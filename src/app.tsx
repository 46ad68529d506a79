/** @jsxImportSource @kitajs/html */
import { Elysia } from 'elysia';
import { MESSAGE_IDS, Message } from '../components/layout';
import { ErrorPage } from '../components/pages';
import packageJson from '../package.json' with { type: 'json' };
import { createTokenApi } from './accounts/api';
import { apiAuthentication, pageAuthentication } from './accounts/gate';
import { SESSION_IDLE_MS_DEFAULT, SESSION_MAX_MS_DEFAULT } from './accounts/model';
import { createAccountPages } from './accounts/pages';
import { ACCOUNT_MIGRATIONS } from './accounts/schema';
import { createAccountService } from './accounts/service';
import { createAccountStore } from './accounts/store';
import { LOOPBACK_HOSTS, type SignUp } from './config';
import type { SqlClient } from './db/sql-client';
import { apiDocs } from './http/api-docs';
import { loadAssets } from './http/assets';
import { clientFacts, createTrustedProxies } from './http/client-address';
import { errorHandling } from './http/errors';
import { fragment, page } from './http/html';
import { requestGuard } from './http/request-guard';
import { requestLogging } from './http/request-log';
import { requestTargetLimit } from './http/request-target';
import { headersIntoResponses } from './http/response-headers';
import { securityHeaders } from './http/security-headers';
import { staticFiles } from './http/static-files';
import type { Logger } from './lib/logger';
import { HEALTH_PATHS, healthRoutes } from './ops/health';

// Scrapers in the VPC name the instance by its address; nginx serves these paths to them alone.
const SCRAPED_PATHS = ['/metrics', '/pool-stats'];

import { createLifecycle, type Lifecycle } from './ops/lifecycle';
import { createMetrics, metricsRoute, timedClient } from './ops/metrics';
import { poolStatsRoute } from './ops/pool-stats';
import { createTaskApi } from './tasks/api';
import { createTaskPages } from './tasks/pages';
import { TASK_MIGRATIONS } from './tasks/schema';
import { createTaskService } from './tasks/service';
import { claimUnownedTasks, createTaskStore, listVersionAlongside } from './tasks/store';
import { API_IMPORT_BODY_LIMITS, createTransferApi } from './tasks/transfer-api';
import { createTransferPages, PAGE_IMPORT_BODY_LIMITS } from './tasks/transfer-pages';
import { createTransferService } from './tasks/transfer-service';

/** Every feature's schema changes, in the order they apply (one ledger: tasks 1–99, accounts 101–). */
export const APP_MIGRATIONS = [...TASK_MIGRATIONS, ...ACCOUNT_MIGRATIONS];

/** The routes that take bodies over the usual 64 KB (an imported file), and how large. */
export const LARGER_BODIES = { ...API_IMPORT_BODY_LIMITS, ...PAGE_IMPORT_BODY_LIMITS };

export interface AppDeps {
  db: SqlClient;
  logger: Logger;
  lifecycle?: Lifecycle;
  /** Proxies whose X-Forwarded-For is believed; see config TRUSTED_PROXIES. */
  trustedProxies?: readonly string[];
  /** The names the app answers to; see config ALLOWED_HOSTS. */
  allowedHosts?: readonly string[];
  /** Who may create an account; see config SIGNUP. */
  signup?: SignUp;
  /** Session lifetimes; see config SESSION_IDLE_DAYS and SESSION_MAX_DAYS. */
  sessions?: { idleMs: number; maxMs: number };
}

/** Composes the feature modules around an open database; reads only our own static files. */
export function createApp({
  db: rawDb,
  logger,
  lifecycle = createLifecycle(),
  trustedProxies = ['127.0.0.0/8', '::1'],
  allowedHosts = LOOPBACK_HOSTS,
  signup = 'open',
  sessions = { idleMs: SESSION_IDLE_MS_DEFAULT, maxMs: SESSION_MAX_MS_DEFAULT },
}: AppDeps) {
  const metrics = createMetrics(rawDb);
  const db = timedClient(rawDb, metrics);
  const taskStore = createTaskStore(db);
  const tasks = createTaskService(taskStore);
  const transfer = createTransferService(taskStore);
  // The gate's lookup brings the task list's version with it: one query per request, not two.
  const accounts = createAccountService(createAccountStore(db, listVersionAlongside), {
    signup,
    sessionIdleMs: sessions.idleMs,
    sessionMaxMs: sessions.maxMs,
    onFirstAccount: claimUnownedTasks,
  });
  const proxies = createTrustedProxies(trustedProxies);
  const clients = clientFacts(proxies);
  const assets = loadAssets();
  const renderError = (status: number, message: string, asFragment: boolean) =>
    asFragment
      ? // htmx swaps error answers too: send the message to the alert region, never into a list item.
        fragment(<Message text={message} />, {
          status,
          headers: { 'hx-retarget': `#${MESSAGE_IDS.alerts}`, 'hx-reswap': 'innerHTML' },
        })
      : page(<ErrorPage assets={assets.urls} status={status} message={message} />, { status });
  // normalize: false turns unknown body fields into a 422 instead of silently dropping them.
  // requestGuard is the first hook to look at the request itself: the ones before it only set
  // headers and start the log line, so its refusals still carry the security headers and are logged.
  return new Elysia({ normalize: false })
    .use(securityHeaders())
    .use(headersIntoResponses())
    .onRequest(({ set }) => {
      // Draining: every answer closes its connection, so clients stop reusing ours.
      if (lifecycle.draining) set.headers.connection = 'close';
    })
    .use(requestLogging({ logger, metrics, trustedProxies: proxies }))
    .use(requestGuard({ allowedHosts, anyHostPaths: [...HEALTH_PATHS, ...SCRAPED_PATHS] }))
    .use(errorHandling(logger, renderError, LARGER_BODIES))
    .use(requestTargetLimit())
    .use(healthRoutes({ db, lifecycle, version: packageJson.version }))
    .use(metricsRoute(metrics))
    .use(poolStatsRoute(db))
    .use(staticFiles())
    .use(assets.plugin)
    .use(apiDocs(packageJson.version, assets.urls))
    .use(createTokenApi(accounts, apiAuthentication(accounts, clients)))
    .use(createTaskApi(tasks, apiAuthentication(accounts, clients)))
    .use(createTransferApi(transfer, apiAuthentication(accounts, clients)))
    .use(
      createAccountPages({
        accounts,
        assets: assets.urls,
        clients,
        authentication: pageAuthentication(accounts, clients),
        sessionMaxMs: sessions.maxMs,
      }),
    )
    .use(createTaskPages(tasks, assets.urls, pageAuthentication(accounts, clients)))
    .use(createTransferPages(transfer, assets.urls, pageAuthentication(accounts, clients)));
}

export type App = ReturnType<typeof createApp>;
