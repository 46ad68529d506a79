import { Elysia } from 'elysia';
import packageJson from '../package.json' with { type: 'json' };
import type { SqlClient } from './db/sql-client';
import { apiDocs } from './http/api-docs';
import { errorHandling } from './http/errors';
import type { Logger } from './http/logger';
import { securityHeaders } from './http/security-headers';
import { staticFiles } from './http/static-files';
import { createTaskApi } from './tasks/api';
import { createTaskService } from './tasks/service';
import { createTaskStore } from './tasks/store';

export interface AppDeps {
  db: SqlClient;
  logger: Logger;
}

/** Composes the feature modules around an open database. Does no I/O itself. */
export function createApp({ db, logger }: AppDeps) {
  const tasks = createTaskService(createTaskStore(db));
  // normalize: false turns unknown body fields into a 422 instead of silently dropping them.
  return new Elysia({ normalize: false })
    .use(securityHeaders())
    .use(errorHandling(logger))
    .use(staticFiles())
    .use(apiDocs(packageJson.version))
    .use(createTaskApi(tasks));
}

export type App = ReturnType<typeof createApp>;
