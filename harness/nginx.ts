import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NginxOptions, renderNginxConfig, writePublicFiles } from '../scripts/nginx-config';
import { freePort } from './mariadb';

/**
 * nginx from Debian's package, run from the repository's nginx.conf as it ships, with every path
 * in a temp folder. Used by the nginx tests, the failover drills, `bun run topology` and the bench.
 */

export interface RunningNginx {
  origin: string;
  configFile: string;
  /**
   * Access-log entries, parsed from nginx's JSON lines, once one of them satisfies `until`: nginx
   * buffers its log (flushed every second), so an entry appears a moment after its answer.
   */
  accessLogUntil(until: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

type Tunables = Partial<
  Pick<NginxOptions, 'writeRate' | 'writeBurst' | 'realIpFrom' | 'scrapeFrom' | 'proxyReadTimeout' | 'originSecret'>
>;

export function prepareNginx(upstreams: string[], listen: string, tunables: Tunables = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tm-nginx-'));
  for (const sub of ['logs', 'temp', 'public']) mkdirSync(join(dir, sub));
  writePublicFiles(join(dir, 'public'));
  const configFile = join(dir, 'nginx.conf');
  writeFileSync(
    configFile,
    renderNginxConfig({
      upstreams,
      listen,
      publicDir: join(dir, 'public'),
      realIpFrom: ['127.0.0.1'],
      logDir: join(dir, 'logs'),
      tempDir: join(dir, 'temp'),
      pidFile: join(dir, 'nginx.pid'),
      user: process.getuid?.() === 0 ? 'root' : (process.env.USER ?? 'nobody'),
      ...tunables,
    }),
  );
  return { dir, configFile };
}

/** `nginx -t` on a rendered file: the exit code and what nginx said. */
export function checkNginxConfig(configFile: string, dir: string) {
  const check = Bun.spawnSync(['nginx', '-t', '-p', dir, '-c', configFile], { stdout: 'pipe', stderr: 'pipe' });
  return { exitCode: check.exitCode, output: check.stderr.toString() + check.stdout.toString() };
}

export async function startNginx(upstreams: string[], tunables: Tunables = {}): Promise<RunningNginx> {
  const port = await freePort();
  const { dir, configFile } = prepareNginx(upstreams, `127.0.0.1:${port}`, tunables);
  const checked = checkNginxConfig(configFile, dir);
  if (checked.exitCode !== 0) throw new Error(`nginx -t failed:\n${checked.output}`);
  const nginx = Bun.spawn(['nginx', '-p', dir, '-c', configFile, '-g', 'daemon off;'], {
    stdout: 'ignore',
    stderr: 'pipe',
  });
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    nginx.kill('SIGQUIT');
    const deadline = Bun.sleep(5_000).then(() => 'timeout' as const);
    if ((await Promise.race([nginx.exited, deadline])) === 'timeout') nginx.kill('SIGKILL');
    await nginx.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (nginx.exitCode !== null) break;
    const answered = await fetch(`${origin}/static/missing`, { signal: AbortSignal.timeout(1_000) }).catch(
      () => undefined,
    );
    if (answered) {
      const accessLog = (): Record<string, unknown>[] =>
        readFileSync(join(dir, 'logs/access.log'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line));
      const accessLogUntil = async (until: (entry: Record<string, unknown>) => boolean) => {
        for (let waited = 0; waited < 5_000; waited += 50) {
          const entries = accessLog();
          if (entries.some(until)) return entries;
          await Bun.sleep(50);
        }
        throw new Error('the access log never showed the entry looked for');
      };
      return { origin, configFile, accessLogUntil, stop };
    }
    await Bun.sleep(50);
  }
  const errors = await new Response(nginx.stderr).text();
  await stop();
  throw new Error(`nginx did not start on ${origin}: ${errors}`);
}

export interface RawReply {
  status: number;
  /** Header names in lower case; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one request exactly as written, bytes and all, and reads the answer until the server
 * closes: for what fetch will not send (TRACK, a Host of "a b", HTTP/1.0 without a Host).
 * `head` is the request line and headers, without the blank line that ends them.
 */
export async function rawRequest(origin: string, head: string, body = ''): Promise<RawReply> {
  const { hostname, port } = new URL(origin);
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(Buffer.concat([Buffer.from(`${head}\r\nConnection: close\r\n\r\n`), Buffer.from(body)]));
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${head.split('\r\n')[0]}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', resolve);
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  const text = Buffer.concat(chunks).toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split < 0 ? text.length : split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: split < 0 ? '' : text.slice(split + 4) };
}
