import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/open-database';
import { createLogger } from './http/logger';

/** Process entry: config → database → app → listen → signals. */

function fail(message: string): never {
  process.stderr.write(`task-manager: ${message}\n`);
  process.exit(1);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
  throw error;
}

const logger = createLogger(config.logLevel);
const db = await openDatabase(config.database).catch((error: Error) =>
  fail(`cannot open the ${config.database.engine} database: ${error.message}`),
);
const app = createApp({ db, logger }).listen({ port: config.port, hostname: config.host });
logger.info('listening', {
  url: `http://${config.host}:${config.port}`,
  engine: db.engine,
  ...(config.database.engine === 'sqlite' ? { file: config.database.path } : {}),
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down', { signal });
  // mysql2 with TLS can keep Bun alive after pool.end(); the deadline ends the process regardless.
  setTimeout(() => {
    logger.warn('shutdown deadline passed; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  await app.stop();
  await db.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
