import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { type LiveServer, startLiveServer } from '../../harness/live-server';
import { checkNginxConfig, prepareNginx, type RunningNginx, startNginx } from '../../harness/nginx';

/** nginx.conf as it ships, rendered and run in front of the real app. */

describe('nginx.conf renders to a file nginx accepts', () => {
  for (const [name, upstreams, listen] of [
    ['production: one local app on port 80', ['127.0.0.1:3000'], '80'],
    ['topology: two apps', ['127.0.0.1:3001', '127.0.0.1:3002'], '127.0.0.1:8080'],
  ] as const) {
    test(`nginx -t: ${name}`, () => {
      const { dir, configFile } = prepareNginx([...upstreams], listen, { realIpFrom: ['10.0.0.0/16', '10.1.0.0/16'] });
      const checked = checkNginxConfig(configFile, dir);
      rmSync(dir, { recursive: true, force: true });
      expect(checked.output).toContain('syntax is ok');
      expect(checked.exitCode).toBe(0);
    });
  }
});

describe('nginx in front of the app', () => {
  let app: LiveServer;
  let nginx: RunningNginx;
  let distrustful: RunningNginx;

  beforeAll(async () => {
    app = await startLiveServer({ LOG_LEVEL: 'info' });
    const upstream = `127.0.0.1:${new URL(app.origin).port}`;
    nginx = await startNginx([upstream], { writeRate: '2r/s', writeBurst: 3 });
    distrustful = await startNginx([upstream], { realIpFrom: ['10.0.0.0/16'] });
  });
  afterAll(async () => {
    await nginx?.stop();
    await distrustful?.stop();
    await app?.stop();
  });

  test('proxies pages and the API, without telling its version', async () => {
    const page = await fetch(`${nginx.origin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>Tasks</h1>');
    expect(page.headers.get('server')).toBe('nginx');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${nginx.origin}/api/tasks`)).status).toBe(200);
  });

  test('serves content-hashed assets itself, immutable and gzipped', async () => {
    const page = await (await fetch(`${nginx.origin}/`)).text();
    const css = /href="(\/static\/app\.[0-9a-f]{12}\.css)"/.exec(page)?.[1] ?? '';
    const response = await fetch(`${nginx.origin}${css}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const served = (await nginx.accessLogUntil((entry) => entry.uri === css)).find((entry) => entry.uri === css);
    expect(served?.upstream).toBe('');
  });

  test('proxies the Swagger page under the CSP of /, and serves every file it loads itself', async () => {
    const swagger = await fetch(`${nginx.origin}/swagger`);
    expect(swagger.status).toBe(200);
    expect(swagger.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const home = await fetch(`${nginx.origin}/`);
    await home.body?.cancel();
    expect(swagger.headers.get('content-security-policy')).toBe(home.headers.get('content-security-policy'));
    const files = [...(await swagger.text()).matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)].map(
      (match) => match[1] ?? '',
    );
    expect(files.some((file) => /^\/static\/swagger-init\.[0-9a-f]{12}\.js$/.test(file))).toBe(true);
    expect(files.filter((file) => file.startsWith('/static/swagger-ui-'))).toHaveLength(2);
    for (const file of files) {
      const response = await fetch(`${nginx.origin}${file}`);
      await response.body?.cancel();
      expect({ file, status: response.status }).toEqual({ file, status: 200 });
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    const last = files.at(-1);
    const entries = await nginx.accessLogUntil((entry) => entry.uri === last);
    for (const file of files) {
      expect({ file, upstream: entries.find((entry) => entry.uri === file)?.upstream }).toEqual({ file, upstream: '' });
    }
    expect((await fetch(`${nginx.origin}/swagger/json`)).status).toBe(200);
  });

  test('passes a sane X-Request-Id on, replaces a strange one, makes one when missing', async () => {
    const kept = await fetch(`${nginx.origin}/health/live`, { headers: { 'x-request-id': 'alb-trace-1' } });
    expect(kept.headers.get('x-request-id')).toBe('alb-trace-1');
    const replaced = await fetch(`${nginx.origin}/health/live`, { headers: { 'x-request-id': 'a b <c>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const made = await fetch(`${nginx.origin}/health/live`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  test('takes the client address from a trusted hop only', async () => {
    await fetch(`${nginx.origin}/api/tasks?limit=1`, {
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'via-trusted' },
    });
    await fetch(`${distrustful.origin}/api/tasks?limit=1`, {
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'via-untrusted' },
    });
    const entryOf = async (proxy: typeof nginx, id: string) =>
      (await proxy.accessLogUntil((entry) => entry.request_id === id)).find((entry) => entry.request_id === id);
    expect((await entryOf(nginx, 'via-trusted'))?.client_ip).toBe('203.0.113.7');
    expect((await entryOf(distrustful, 'via-untrusted'))?.client_ip).toBe('127.0.0.1');
    const appLog = app
      .output()
      .split('\n')
      .filter((line) => line.includes('via-trusted'))
      .map((line) => JSON.parse(line));
    expect(appLog[0]).toMatchObject({ ip: '203.0.113.7', route: '/api/tasks' });
  });

  test('a body over 64 KB stops at the proxy with 413', async () => {
    const response = await fetch(`${nginx.origin}/api/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(70_000) }),
    });
    expect(response.status).toBe(413);
  });

  test('/health is proxied but not logged', async () => {
    expect((await fetch(`${nginx.origin}/health`, { headers: { 'x-request-id': 'health-probe' } })).status).toBe(200);
    // One worker writes its log in order: once the request after the probe shows, the probe would have.
    await fetch(`${nginx.origin}/health/live`, { headers: { 'x-request-id': 'after-health-probe' } });
    const entries = await nginx.accessLogUntil((entry) => entry.request_id === 'after-health-probe');
    expect(entries.some((entry) => entry.request_id === 'health-probe')).toBe(false);
  });

  test('too many writes from one client get 429: JSON for the API, a page for people; reads are not limited', async () => {
    const post = (path: string, body: string, type: string) =>
      fetch(`${nginx.origin}${path}`, { method: 'POST', headers: { 'content-type': type }, body, redirect: 'manual' });
    const statuses: number[] = [];
    for (let n = 0; n < 8; n++)
      statuses.push((await post('/api/tasks', JSON.stringify({ title: `burst ${n}` }), 'application/json')).status);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(3);
    expect(statuses).toContain(429);
    const api = await post('/api/tasks', '{"title":"one more"}', 'application/json');
    expect(api.status).toBe(429);
    expect(api.headers.get('retry-after')).toBe('1');
    expect(await api.json()).toMatchObject({ error: 'rate_limited' });
    const form = await post('/tasks', 'title=one+more', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(429);
    expect(await form.text()).toContain('Too many changes at once');
    for (let n = 0; n < 10; n++) expect((await fetch(`${nginx.origin}/api/tasks?limit=1`)).status).toBe(200);
  });
});
