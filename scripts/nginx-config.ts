/**
 * Renders nginx.conf (the template at the repository root) and lays out the files nginx serves
 * itself: the app's content-hashed assets, Swagger UI's, and the 429 pages.
 *
 * As a command, on an instance:
 *   bun scripts/nginx-config.ts --out /etc/nginx/nginx.conf --public /srv/task-manager/public \
 *     --upstream 127.0.0.1:3000 --real-ip-from 10.0.0.0/16 --listen 80
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { APP_ROOT as ROOT } from '../src/app-root';
import { swaggerAssetFiles } from '../src/http/api-docs';
import { loadAssets } from '../src/http/assets';

export interface NginxOptions {
  /** host:port of each app instance. */
  upstreams: string[];
  /** What nginx listens on: a port, or address:port. */
  listen: string;
  /** The folder laid out by writePublicFiles. */
  publicDir: string;
  /** Hops whose X-Forwarded-For is believed: the ALB's subnets (and loopback). */
  realIpFrom: string[];
  logDir: string;
  tempDir: string;
  pidFile: string;
  user?: string;
  mimeTypes?: string;
  /** State-changing requests per client address, e.g. "20r/s", and the burst allowed on top. */
  writeRate?: string;
  writeBurst?: number;
}

const ADDRESS = /^[\w.:[\]-]+$/;

export function renderNginxConfig(options: NginxOptions): string {
  for (const value of [...options.upstreams, ...options.realIpFrom, options.listen]) {
    if (!ADDRESS.test(value.replace('/', ''))) throw new Error(`not an address: ${value}`);
  }
  const values: Record<string, string> = {
    USER: options.user ?? 'www-data',
    PID_FILE: options.pidFile,
    LOG_DIR: options.logDir,
    TEMP_DIR: options.tempDir,
    MIME_TYPES: options.mimeTypes ?? '/etc/nginx/mime.types',
    REAL_IP_FROM: options.realIpFrom.map((cidr) => `  set_real_ip_from ${cidr};`).join('\n'),
    // No passive health checks (max_fails=0): nginx counts an answer it cannot read or a dropped
    // connection against an instance whatever proxy_next_upstream says, and a client can provoke
    // both, so one request per instance would take the whole site out. A stopped or crashed app
    // refuses connections at once and the request goes to the other one (proxy_next_upstream).
    UPSTREAM_SERVERS: options.upstreams.map((upstream) => `    server ${upstream} max_fails=0;`).join('\n'),
    LISTEN: options.listen,
    ASSET_ROOT: options.publicDir,
    WRITE_RATE: options.writeRate ?? '20r/s',
    WRITE_BURST: String(options.writeBurst ?? 40),
  };
  return readFileSync(join(ROOT, 'nginx.conf'), 'utf8').replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx.conf names \${${name}}, which nothing fills`);
    return value;
  });
}

/** Writes what nginx serves from disk: /static/<name>.<hash>.<ext>, Swagger UI, /errors/429.*. */
export function writePublicFiles(publicDir: string): void {
  const put = (path: string, contents: Buffer) => {
    const target = join(publicDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, contents);
  };
  for (const [name, asset] of loadAssets().files) put(`static/${name}`, asset.body);
  for (const { path, file } of swaggerAssetFiles()) put(path, readFileSync(file));
  for (const page of ['429.html', '429.json']) {
    mkdirSync(join(publicDir, 'errors'), { recursive: true });
    copyFileSync(join(ROOT, 'static/errors', page), join(publicDir, 'errors', page));
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      public: { type: 'string' },
      upstream: { type: 'string', multiple: true, default: ['127.0.0.1:3000'] },
      'real-ip-from': { type: 'string', multiple: true, default: ['127.0.0.1'] },
      listen: { type: 'string', default: '80' },
      'log-dir': { type: 'string', default: '/var/log/nginx' },
      'temp-dir': { type: 'string', default: '/var/lib/nginx' },
      'pid-file': { type: 'string', default: '/run/nginx.pid' },
      user: { type: 'string', default: 'www-data' },
    },
  });
  if (!values.out || !values.public) {
    process.stderr.write('usage: bun scripts/nginx-config.ts --out FILE --public DIR [--upstream HOST:PORT]...\n');
    process.exit(2);
  }
  writePublicFiles(values.public);
  writeFileSync(
    values.out,
    renderNginxConfig({
      upstreams: values.upstream,
      listen: values.listen,
      publicDir: values.public,
      realIpFrom: values['real-ip-from'],
      logDir: values['log-dir'],
      tempDir: values['temp-dir'],
      pidFile: values['pid-file'],
      user: values.user,
    }),
  );
}
