import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { type LiveAccount, signUpLive } from '../../harness/live-server';
import { freePort } from '../../harness/mariadb';
import { buildRelease, type Release } from '../../scripts/release';

/**
 * `bun run release` as an instance receives it: built, unpacked somewhere else, the compiled binary
 * started on SQLite with nothing of the repository around it, and nginx configured by the
 * renderer that ships inside it, in front of that binary.
 */

const work = mkdtempSync(join(tmpdir(), 'tm-release-'));
let release: Release;
let home: string;
let app: Subprocess<'ignore', 'pipe', 'pipe'>;
let origin: string;
let printed = '';

async function waitFor(url: string, isUp: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && isUp(); attempt++) {
    if (await fetch(url).catch(() => undefined)) return;
    await Bun.sleep(50);
  }
  throw new Error(`nothing answered ${url}:\n${printed}`);
}

beforeAll(async () => {
  release = await buildRelease(join(work, 'dist'), '0.0.0-test');
  const unpacked = join(work, 'instance');
  mkdirSync(unpacked);
  const untar = Bun.spawnSync(['tar', '-xzf', release.tarball, '-C', unpacked], { stderr: 'pipe' });
  if (untar.exitCode !== 0) throw new Error(untar.stderr.toString());
  home = join(unpacked, release.name);

  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  // A bare environment and a working directory outside the release, as under systemd.
  app = Bun.spawn([join(home, 'task-manager')], {
    cwd: work,
    env: { PATH: '/usr/bin:/bin', PORT: String(port), DATABASE_URL: `sqlite:${work}/data/tasks.db` },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  for (const stream of [app.stdout, app.stderr]) {
    void (async () => {
      const reader = stream.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        printed += new TextDecoder().decode(chunk.value);
    })();
  }
  await waitFor(`${origin}/health/live`, () => app.exitCode === null);
}, 120_000);

afterAll(async () => {
  app?.kill('SIGTERM');
  await app?.exited;
  rmSync(work, { recursive: true, force: true });
});

describe('bun run release', () => {
  // Signed up by the first test, against the released binary.
  let account: LiveAccount | undefined;

  test('writes a tarball and a checksum that sha256sum -c accepts', () => {
    const digest = createHash('sha256').update(readFileSync(release.tarball)).digest('hex');
    expect(readFileSync(release.checksumFile, 'utf8')).toBe(`${digest}  ${release.name}.tar.gz\n`);
    const check = Bun.spawnSync(['sha256sum', '-c', release.checksumFile], { cwd: join(work, 'dist'), stdout: 'pipe' });
    expect(check.stdout.toString()).toContain(': OK');
    console.log(`release ${release.name}: ${(Bun.file(release.tarball).size / 1e6).toFixed(1)} MB, sha256 ${digest}`);
  });

  test('the binary migrates a fresh SQLite database and reports healthy', async () => {
    const health = await fetch(`${origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', db: 'up' });
    expect(existsSync(join(work, 'data/tasks.db'))).toBe(true);
    account = await signUpLive(origin);
    const created = await fetch(`${origin}/api/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${account.token}` },
      body: JSON.stringify({ title: 'Shipped in a release' }),
    });
    expect(created.status).toBe(201);
  });

  test('serves the page, its content-hashed assets and Swagger UI', async () => {
    const page = await fetch(`${origin}/`, { headers: { cookie: account?.cookie ?? '' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Shipped in a release');
    const assets = [...html.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) expect((await fetch(`${origin}${asset}`)).status).toBe(200);

    const swagger = await fetch(`${origin}/swagger`);
    expect(swagger.status).toBe(200);
    const swaggerFiles = [...(await swagger.text()).matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map(
      (match) => match[1],
    );
    expect(swaggerFiles.some((file) => /^\/static\/swagger-ui-[^/]+\/swagger-ui-bundle\.js$/.test(file ?? ''))).toBe(
      true,
    );
    expect(swaggerFiles.some((file) => /^\/static\/swagger-init\.[0-9a-f]{12}\.js$/.test(file ?? ''))).toBe(true);
    for (const file of swaggerFiles)
      expect({ file, status: (await fetch(`${origin}${file}`)).status }).toEqual({ file, status: 200 });
    expect((await fetch(`${origin}/swagger/json`)).status).toBe(200);
  });

  test("the operators' account CLI runs from the release with the app's own executable, as over SSM", async () => {
    const user = (...args: string[]) =>
      Bun.spawnSync([join(home, 'task-manager'), join(home, 'scripts/user.js'), ...args], {
        cwd: work,
        env: { PATH: '/usr/bin:/bin', BUN_BE_BUN: '1', DATABASE_URL: `sqlite:${work}/data/tasks.db` },
        stdout: 'pipe',
        stderr: 'pipe',
      });
    const added = user('add', 'operator-made@example.com');
    expect(added.stderr.toString()).toBe('');
    const password = /one-time password for operator-made@example.com: (\S+);/.exec(added.stdout.toString())?.[1];
    expect(password).toBeDefined();
    const signedIn = await fetch(`${origin}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'operator-made@example.com', password: password ?? '' }),
      redirect: 'manual',
    });
    expect(signedIn.status).toBe(303);
    expect(user('add', 'operator-made@example.com').exitCode).toBe(1);
  });

  test('its own renderer configures nginx, which serves the assets from disk and proxies the rest', async () => {
    const nginxDir = join(work, 'nginx');
    for (const folder of ['logs', 'temp']) mkdirSync(join(nginxDir, folder), { recursive: true });
    const port = await freePort();
    const render = Bun.spawnSync(
      [
        join(home, 'task-manager'),
        join(home, 'scripts/nginx-config.js'),
        ...['--out', join(nginxDir, 'nginx.conf'), '--public', join(nginxDir, 'public')],
        ...['--upstream', new URL(origin).host, '--listen', `127.0.0.1:${port}`, '--real-ip-from', '10.0.0.0/16'],
        ...['--log-dir', join(nginxDir, 'logs'), '--temp-dir', join(nginxDir, 'temp')],
        ...['--pid-file', join(nginxDir, 'nginx.pid'), '--user', process.getuid?.() === 0 ? 'root' : 'nobody'],
      ],
      { cwd: work, env: { PATH: '/usr/bin:/bin', BUN_BE_BUN: '1' }, stdout: 'pipe', stderr: 'pipe' },
    );
    expect(render.stderr.toString()).toBe('');
    expect(render.exitCode).toBe(0);
    expect(readFileSync(join(nginxDir, 'nginx.conf'), 'utf8')).toContain('set_real_ip_from 10.0.0.0/16;');

    const nginx = Bun.spawn(['nginx', '-p', nginxDir, '-c', join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'], {
      stderr: 'pipe',
    });
    try {
      const front = `http://127.0.0.1:${port}`;
      await waitFor(`${front}/health`, () => nginx.exitCode === null);
      const page = await fetch(`${front}/`);
      expect(page.status).toBe(200);
      const css = /href="(\/static\/app\.[0-9a-f]{12}\.css)"/.exec(await page.text())?.[1] ?? 'missing';
      const asset = await fetch(`${front}${css}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(existsSync(join(nginxDir, 'public', css))).toBe(true);
      const swagger = await (await fetch(`${front}/swagger`)).text();
      const swaggerFiles = [...swagger.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((match) => match[1] ?? '');
      expect(swaggerFiles.length).toBeGreaterThanOrEqual(4);
      for (const file of swaggerFiles) {
        expect({ file, status: (await fetch(`${front}${file}`)).status }).toEqual({ file, status: 200 });
        expect({ file, onDisk: existsSync(join(nginxDir, 'public', file)) }).toEqual({ file, onDisk: true });
      }
    } finally {
      nginx.kill('SIGQUIT');
      await nginx.exited;
    }
  });
});
