import mysql from 'mysql2/promise';
import { type LiveServer, startLiveServer } from './live-server';
import { freePort, startThrowawayMariadb, type ThrowawayMariadb } from './mariadb';
import { type RunningNginx, startNginx } from './nginx';

/**
 * Production's shape on one machine: a MariaDB of its own, two app instances (the two AZs) and
 * nginx balancing across them as the ALB does. Used by `bun run topology` and the failover drills.
 */

export interface AppInstance {
  port: number;
  server: LiveServer;
  /** Starts the instance again on its port (after a SIGTERM or SIGKILL). */
  restart(): Promise<void>;
}

export interface Topology {
  origin: string;
  databaseUrl: string;
  mariadb: ThrowawayMariadb;
  instances: AppInstance[];
  nginx: RunningNginx;
  stop(): Promise<void>;
}

export async function startTopology({ instances: count = 2, logLevel = 'warn' } = {}): Promise<Topology> {
  const mariadb = await startThrowawayMariadb();
  const admin = await mysql.createConnection({ uri: mariadb.url });
  await admin.query('CREATE DATABASE tasks CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  await admin.end();
  const databaseUrl = `${mariadb.url}/tasks`;

  const instances: AppInstance[] = [];
  for (let n = 0; n < count; n++) {
    const port = await freePort();
    const env = { DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: logLevel };
    const instance: AppInstance = {
      port,
      server: await startLiveServer(env),
      async restart() {
        await instance.server.stop();
        instance.server = await startLiveServer(env);
      },
    };
    instances.push(instance);
  }
  // The drills send thousands of writes from one address: the per-client limit is the ALB's job here.
  const nginx = await startNginx(
    instances.map((instance) => `127.0.0.1:${instance.port}`),
    { writeRate: '100000r/s', writeBurst: 100_000 },
  );
  return {
    origin: nginx.origin,
    databaseUrl,
    mariadb,
    instances,
    nginx,
    async stop() {
      await nginx.stop();
      for (const instance of instances) await instance.server.stop();
      mariadb.stop();
    },
  };
}
