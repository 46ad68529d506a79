/**
 * `bun run topology`: production's shape on one machine — a throwaway MariaDB, two app instances
 * and nginx balancing across them — until Ctrl-C. Needs nginx and mariadb-server (Debian).
 */
import { startTopology } from '../harness/topology';

const topology = await startTopology({ logLevel: 'info' });
process.stdout.write(
  [
    `task manager through nginx:  ${topology.origin}/`,
    ...topology.instances.map((instance, n) => `  instance ${n + 1}:  http://127.0.0.1:${instance.port}/`),
    `  database:    ${topology.databaseUrl}`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping nginx, both instances and the database…\n');
  await topology.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
