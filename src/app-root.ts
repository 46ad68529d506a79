import { dirname, join } from 'node:path';

/**
 * The folder that holds static/, nginx.conf and the front-end packages: the repository when run
 * from source, and the release folder beside the binary when run compiled (`bun run release`),
 * where import.meta.dir is Bun's virtual /$bunfs/root and holds none of them.
 */
export const APP_ROOT = Bun.isStandaloneExecutable ? dirname(process.execPath) : join(import.meta.dir, '..');
