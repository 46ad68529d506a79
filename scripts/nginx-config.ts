/**
 * Renders nginx.conf (the template at the repository root) and lays out the files nginx serves
 * itself: the app's content-hashed assets, Swagger UI's, and the pages of nginx's own errors.
 *
 * As a command, on an instance:
 *   bun scripts/nginx-config.ts --out /etc/nginx/nginx.conf --public /srv/task-manager/public \
 *     --upstream 127.0.0.1:3000 --real-ip-from 10.0.0.0/16 --listen 80 [--scrape-from 10.0.0.0/16]
 * Behind CloudFront, the environment's ORIGIN_SECRET is the X-Origin-Verify value nginx requires
 * (from the environment, not an argument, so that no process listing shows it).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { APP_ROOT as ROOT } from '../src/app-root';
import { swaggerAssetFiles } from '../src/http/api-docs';
import { loadAssets } from '../src/http/assets';
import { CONTENT_SECURITY_POLICY } from '../src/http/security-headers';

export interface NginxOptions {
  /** host:port of each app instance. */
  upstreams: string[];
  /** What nginx listens on: a port, or address:port. */
  listen: string;
  /** The folder laid out by writePublicFiles. */
  publicDir: string;
  /** Hops whose X-Forwarded-For is believed: the ALB's subnets (and loopback). */
  realIpFrom: string[];
  /**
   * Who may read /metrics and /pool-stats besides loopback: the VPC's scrapers. Defaults to
   * realIpFrom (the VPC): a client that came through the load balancer has its own address by then.
   */
  scrapeFrom?: string[];
  logDir: string;
  tempDir: string;
  pidFile: string;
  user?: string;
  mimeTypes?: string;
  /** State-changing requests per client address, e.g. "20r/s", and the burst allowed on top. */
  writeRate?: string;
  writeBurst?: number;
  /** How long nginx waits for an app's answer, e.g. "30s" (tests shorten it to see a 504). */
  proxyReadTimeout?: string;
  /**
   * The X-Origin-Verify value CloudFront sends: requests without it are refused 403, but /health
   * and /health/live (the load balancer's checks). Unset: no check, as for local runs and a load balancer alone.
   */
  originSecret?: string;
}

/** Lower-case letters and digits (the origin secret's alphabet), long enough not to be guessed. */
const ORIGIN_SECRET = /^[a-z0-9]{32,128}$/;

/** The $origin_verified map's entries: keyed by "$uri $http_x_origin_verify". */
function originCheck(secret: string | undefined): string {
  if (secret === undefined) return '    default 1;';
  if (!ORIGIN_SECRET.test(secret)) throw new Error('the origin secret must be 32 to 128 lower-case letters and digits');
  // Regular expressions, as they compare case-sensitively (plain map keys do not).
  return ['    "~^/health(?:/live)? " 1;', `    "~ ${secret}$" 1;`, '    default 0;'].join('\n');
}

/** What nginx answers itself, in our words: as JSON for the API, a page, and a line for htmx. */
interface NginxError {
  status: number;
  error: string;
  title: string;
  message: string;
}

const NGINX_ERRORS: NginxError[] = [
  {
    status: 400,
    error: 'bad_request',
    title: 'Bad request',
    message: 'The request could not be read (a malformed address or Host header); nothing was changed.',
  },
  { status: 403, error: 'forbidden', title: 'Not available', message: 'This address is not open to you.' },
  { status: 404, error: 'not_found', title: 'Not found', message: 'There is nothing at this address.' },
  {
    status: 405,
    error: 'method_not_allowed',
    title: 'Method not allowed',
    message: 'This method is not served here; use GET, HEAD, POST, PATCH or DELETE.',
  },
  {
    status: 408,
    error: 'request_timeout',
    title: 'Request timed out',
    message: 'The request took too long to arrive; nothing was changed. Try again.',
  },
  {
    status: 413,
    error: 'payload_too_large',
    title: 'Too much at once',
    message: 'The request body is too large (64 KB, or 5 MB for a file to import); nothing was changed.',
  },
  { status: 414, error: 'uri_too_long', title: 'Address too long', message: 'The address is too long to read.' },
  {
    status: 429,
    error: 'rate_limited',
    title: 'Too many changes at once',
    message: 'Too many changes at once; nothing was changed. Wait a second and try again.',
  },
  {
    status: 431,
    error: 'request_header_too_large',
    title: 'Headers too large',
    message: 'The request headers (or cookies) are too large to read; nothing was changed.',
  },
  {
    status: 500,
    error: 'internal_error',
    title: 'Something went wrong',
    message: 'Something went wrong on our side. Please try again.',
  },
  {
    status: 502,
    error: 'bad_gateway',
    title: 'Something went wrong',
    message: 'The service could not answer this request. Please try again in a moment.',
  },
  {
    status: 503,
    error: 'service_unavailable',
    title: 'Busy right now',
    message: 'The service is busy right now. Please try again in a moment.',
  },
  {
    status: 504,
    error: 'gateway_timeout',
    title: 'Something went wrong',
    message: 'The service took too long to answer. Please try again in a moment.',
  },
];

const ADDRESS = /^[\w.:[\]-]+$/;

export function renderNginxConfig(options: NginxOptions): string {
  const scrapeFrom = options.scrapeFrom ?? options.realIpFrom;
  for (const value of [...options.upstreams, ...options.realIpFrom, ...scrapeFrom, options.listen]) {
    if (!ADDRESS.test(value.replace('/', ''))) throw new Error(`not an address: ${value}`);
  }
  // Written into the config in double quotes: nothing in it may end the string or name a variable.
  if (/["$\\]/.test(CONTENT_SECURITY_POLICY)) throw new Error('the content security policy cannot be quoted for nginx');
  const values: Record<string, string> = {
    USER: options.user ?? 'www-data',
    PID_FILE: options.pidFile,
    LOG_DIR: options.logDir,
    TEMP_DIR: options.tempDir,
    MIME_TYPES: options.mimeTypes ?? '/etc/nginx/mime.types',
    REAL_IP_FROM: options.realIpFrom.map((cidr) => `  set_real_ip_from ${cidr};`).join('\n'),
    SCRAPE_FROM: scrapeFrom.map((cidr) => `      allow ${cidr};`).join('\n'),
    // No passive health checks (max_fails=0): nginx counts an answer it cannot read or a dropped
    // connection against an instance whatever proxy_next_upstream says, and a client can provoke
    // both, so one request per instance would take the whole site out. A stopped or crashed app
    // refuses connections at once and the request goes to the other one (proxy_next_upstream).
    UPSTREAM_SERVERS: options.upstreams.map((upstream) => `    server ${upstream} max_fails=0;`).join('\n'),
    LISTEN: options.listen,
    ASSET_ROOT: options.publicDir,
    WRITE_RATE: options.writeRate ?? '20r/s',
    WRITE_BURST: String(options.writeBurst ?? 40),
    PROXY_READ_TIMEOUT: options.proxyReadTimeout ?? '30s',
    ORIGIN_CHECK: originCheck(options.originSecret),
    CONTENT_SECURITY_POLICY,
    ERROR_STATUSES: NGINX_ERRORS.map(({ status }) => status)
      .filter((status) => status !== 431)
      .join(' '),
  };
  return readFileSync(join(ROOT, 'nginx.conf'), 'utf8').replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx.conf names \${${name}}, which nothing fills`);
    return value;
  });
}

/** The small page a person sees: no script, no style, nothing but our words. */
function errorPage({ title, message }: NginxError): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Tasks</title>
</head>
<body>
<main>
<h1>${title}</h1>
<p>${message}</p>
<p><a href="/">Back to your tasks</a></p>
</main>
</body>
</html>
`;
}

/**
 * Writes what nginx serves from disk: /static/<name>.<hash>.<ext>, Swagger UI, and for each of
 * its own errors /errors/<status>.json (the API's error shape), .html and .fragment.html (htmx).
 */
export function writePublicFiles(publicDir: string): void {
  const put = (path: string, contents: Buffer | string) => {
    const target = join(publicDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, contents);
  };
  for (const [name, asset] of loadAssets().files) put(`static/${name}`, asset.body);
  for (const { path, file } of swaggerAssetFiles()) put(path, readFileSync(file));
  for (const error of NGINX_ERRORS) {
    const { status, message } = error;
    put(`errors/${status}.json`, `${JSON.stringify({ error: error.error, message, details: [] })}\n`);
    put(`errors/${status}.html`, errorPage(error));
    put(`errors/${status}.fragment.html`, `<p>${message}</p>\n`);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      public: { type: 'string' },
      upstream: { type: 'string', multiple: true, default: ['127.0.0.1:3000'] },
      'real-ip-from': { type: 'string', multiple: true, default: ['127.0.0.1'] },
      'scrape-from': { type: 'string', multiple: true },
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
      scrapeFrom: values['scrape-from'],
      logDir: values['log-dir'],
      tempDir: values['temp-dir'],
      pidFile: values['pid-file'],
      user: values.user,
      originSecret: process.env.ORIGIN_SECRET || undefined,
    }),
  );
}
