import { Elysia } from 'elysia';
import type { SqlClient } from '../db/sql-client';

/** The connection pool's figures as JSON, for operators and the load drills. SQLite has no pool. */
export function poolStatsRoute(db: SqlClient) {
  return new Elysia({ name: 'pool-stats' }).get(
    '/pool-stats',
    ({ set }) => {
      set.headers['cache-control'] = 'no-store';
      const stats = db.poolStats();
      return stats ? { engine: db.engine, pooled: true, ...stats } : { engine: db.engine, pooled: false };
    },
    { detail: { hide: true } },
  );
}
