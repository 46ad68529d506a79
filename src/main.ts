import { APP_MIGRATIONS, createApp, LARGER_BODIES } from './app';
import { configOrFail } from './config';
import { openDatabase } from './db/open-database';
import { BODY_LIMIT_BYTES } from './http/request-body';
import { createLogger } from './lib/logger';
import { createLifecycle } from './ops/lifecycle';

/** Process entry: config → database → app → listen → signals. */

function fail(message: string): never {
  process.stderr.write(`task-manager: ${message}\n`);
  process.exit(1);
}

const config = configOrFail(process.env, fail);

const logger = createLogger(config.logLevel);
const db = await openDatabase(config.database, APP_MIGRATIONS).catch((error: Error) =>
  fail(`cannot open the ${config.database.engine} database: ${error.message}`),
);
const lifecycle = createLifecycle();
/**
 * On every hop the client must give up an idle keep-alive connection before the server does, or a
 * request can be sent down a connection the server is closing: ALB 60 s < nginx 75 s, and nginx's
 * upstream pool 60 s < this app's 90 s.
 */
const IDLE_TIMEOUT_S = 90;

const app = createApp({
  db,
  logger,
  lifecycle,
  trustedProxies: config.trustedProxies,
  allowedHosts: config.allowedHosts,
  signup: config.signup,
  sessions: { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs },
});
try {
  app.listen({
    port: config.port,
    hostname: config.host,
    idleTimeout: IDLE_TIMEOUT_S,
    // Elysia defaults to reusePort (a second instance would silently share the port) and to Bun's
    // development mode outside NODE_ENV=production; neither belongs in a server.
    reusePort: false,
    development: false,
    // A backstop behind our own readers (src/http/request-body.ts), which answer 413 in our format
    // from the first byte over the limit. Bun refuses a body declared over this before any handler
    // runs, with an empty 413 of its own, so it sits far above our limits: only what no client of
    // ours sends meets it (behind nginx, nothing over those limits arrives at all).
    maxRequestBodySize: 2 * Math.max(8 * BODY_LIMIT_BYTES, ...Object.values(LARGER_BODIES).map((limit) => limit.bytes)),
  });
} catch (error) {
  // A taken port is a setting to fix, like a wrong variable: one line, not Bun's stack trace.
  const inUse = (error as { code?: string }).code === 'EADDRINUSE';
  fail(
    `cannot listen on ${config.host}:${config.port}: ${inUse ? 'the port is already in use' : (error as Error).message}`,
  );
}
logger.info(
  {
    url: `http://${config.host}:${config.port}`,
    engine: db.engine,
    ...(config.database.engine === 'sqlite' ? { file: config.database.path } : {}),
  },
  'listening',
);

/**
 * Graceful shutdown: readiness answers 503 at once, a short drain, the listener closes, requests in
 * flight finish, then the pool closes. A deadline ends the process regardless: Bun and mysql2 (with TLS) are known
 * to hang on close, and a stuck instance must not hold up a deploy.
 */
async function shutdown(signal: string) {
  if (lifecycle.draining) return;
  lifecycle.draining = true;
  logger.info({ signal, deadline_ms: config.shutdownTimeoutMs }, 'shutting down');
  setTimeout(() => {
    logger.warn('shutdown deadline passed; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  // A request a client had already put on a kept-alive connection must not meet it closing: for a
  // moment keep answering, each answer closing its connection, then stop listening.
  await Bun.sleep(config.drainDelayMs);
  await app.stop(false);
  // Access logs and metrics are written just after each response; let the last ones land.
  await Bun.sleep(20);
  await db.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
