import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { type LiveAccount, type LiveServer, signUpLive, startLiveServer } from '../../harness/live-server';
import { freePort } from '../../harness/mariadb';
import {
  checkNginxConfig,
  prepareNginx,
  type RawReply,
  type RunningNginx,
  rawRequest,
  startNginx,
} from '../../harness/nginx';
import { startTopology, type Topology } from '../../harness/topology';
import { CONTENT_SECURITY_POLICY } from '../../src/http/security-headers';

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
  let behindCloudFront: RunningNginx;
  let account: LiveAccount;
  const ORIGIN_SECRET = 'k3q9z2m8x7w4v6t1r5p0n2b8c4d6f1g3h7j9';

  beforeAll(async () => {
    app = await startLiveServer({ LOG_LEVEL: 'info' });
    account = await signUpLive(app.origin);
    const upstream = `127.0.0.1:${new URL(app.origin).port}`;
    nginx = await startNginx([upstream], { writeRate: '2r/s', writeBurst: 3 });
    distrustful = await startNginx([upstream], { realIpFrom: ['10.0.0.0/16'] });
    behindCloudFront = await startNginx([upstream], { originSecret: ORIGIN_SECRET });
    // An app and two nginx take longer than bun's 5 s default on a busy machine.
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await distrustful?.stop();
    await behindCloudFront?.stop();
    await app?.stop();
  });

  test('proxies pages and the API, without telling its version', async () => {
    const page = await fetch(`${nginx.origin}/`, { headers: { cookie: account.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>Tasks</h1>');
    expect(page.headers.get('server')).toBe('nginx');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const bearer = { authorization: `Bearer ${account.token}` };
    expect((await fetch(`${nginx.origin}/api/tasks`, { headers: bearer })).status).toBe(200);
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

  test('an import may carry megabytes, its export streams back whole; over 7 MB stops at the proxy', async () => {
    const importer = await signUpLive(app.origin);
    const bearer = { authorization: `Bearer ${importer.token}` };
    const rows = Array.from({ length: 5_000 }, (_, index) => `Task ${index},${'x'.repeat(200)}`);
    const imported = await fetch(`${nginx.origin}/api/import`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'text/csv' },
      body: `title,notes\r\n${rows.join('\r\n')}\r\n`,
    });
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ added: 5_000, already_imported: 0 });
    const exported = await fetch(`${nginx.origin}/api/export.csv`, { headers: bearer });
    expect(exported.headers.get('content-disposition')).toStartWith('attachment; filename="tasks-');
    expect((await exported.text()).trimEnd().split('\r\n')).toHaveLength(5_001);
    const tooLarge = await fetch(`${nginx.origin}/api/import`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'text/csv' },
      body: 'x'.repeat(8 * 1024 * 1024),
    });
    expect(tooLarge.status).toBe(413);
  });

  test("behind CloudFront, only requests carrying the distribution's secret header pass; health checks need none", async () => {
    const verified = { 'x-origin-verify': ORIGIN_SECRET };
    const page = await fetch(`${behindCloudFront.origin}/`, { headers: { ...verified, cookie: account.cookie } });
    expect(page.status).toBe(200);
    const refused: Record<string, string>[] = [
      {},
      { 'x-origin-verify': 'wrong' },
      { 'x-origin-verify': ORIGIN_SECRET.toUpperCase() },
    ];
    for (const headers of refused) {
      const api = await fetch(`${behindCloudFront.origin}/api/tasks`, {
        headers: { ...headers, authorization: `Bearer ${account.token}` },
      });
      expect(api.status).toBe(403);
      expect(await api.json()).toMatchObject({ error: 'forbidden' });
      const asset = await fetch(`${behindCloudFront.origin}/static/htmx.js`, { headers });
      expect(asset.status).toBe(403);
    }
    expect((await fetch(`${behindCloudFront.origin}/health`)).status).toBe(200);
    expect((await fetch(`${behindCloudFront.origin}/health/live`)).status).toBe(200);
    expect((await fetch(`${behindCloudFront.origin}/healthz`)).status).toBe(403);
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
      fetch(`${nginx.origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${account.token}`, cookie: account.cookie },
        body,
        redirect: 'manual',
      });
    const statuses: number[] = [];
    for (let n = 0; n < 8; n++)
      statuses.push((await post('/api/tasks', JSON.stringify({ title: `burst ${n}` }), 'application/json')).status);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(3);
    expect(statuses).toContain(429);
    const api = await post('/api/tasks', '{"title":"one more"}', 'application/json');
    expect(api.status).toBe(429);
    expect(api.headers.get('retry-after')).toBe('1');
    expect(api.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expectOurSecurityHeaders((name) => api.headers.get(name));
    expect(await api.json()).toEqual({ error: 'rate_limited', message: expect.any(String), details: [] });
    const form = await post('/tasks', 'title=one+more', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(429);
    expectOurSecurityHeaders((name) => form.headers.get(name));
    expect(await form.text()).toContain('Too many changes at once');
    const bearer = { authorization: `Bearer ${account.token}` };
    for (let n = 0; n < 10; n++)
      expect((await fetch(`${nginx.origin}/api/tasks?limit=1`, { headers: bearer })).status).toBe(200);
  });
});

/** What every answer nginx makes itself carries, as the app's own answers do. */
function expectOurSecurityHeaders(header: (name: string) => string | null | undefined) {
  expect(header('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect(header('x-content-type-options')).toBe('nosniff');
  expect(header('x-frame-options')).toBe('DENY');
}

/** An error nginx answered itself: our headers, our JSON under /api, a small page elsewhere. */
function expectNginxError(reply: RawReply, status: number, shape: 'json' | 'html', error?: string) {
  expect(reply.status).toBe(status);
  expectOurSecurityHeaders((name) => reply.headers[name]);
  // Neither nginx's default page nor its version, a source path or a stack trace.
  expect(reply.body).not.toContain('nginx');
  expect(reply.body).not.toMatch(/\/(tmp|work|srv|etc|usr)\/|\bat \w+ \(/);
  if (shape === 'json') {
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(reply.body);
    expect(Object.keys(body).sort()).toEqual(['details', 'error', 'message']);
    expect(body.details).toEqual([]);
    expect(body.message.length).toBeGreaterThan(0);
    if (error) expect(body.error).toBe(error);
  } else {
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.body).toStartWith('<!doctype html>');
  }
}

describe('nginx in front of two apps (the topology)', () => {
  let topology: Topology;
  let port: string;
  // One account for both apps: sessions and tokens live in their shared database.
  let account: LiveAccount;
  let bearer: Record<string, string>;

  beforeAll(async () => {
    topology = await startTopology();
    port = new URL(topology.origin).port;
    account = await signUpLive(topology.origin);
    bearer = { authorization: `Bearer ${account.token}` };
  }, 60_000);
  afterAll(() => topology?.stop());

  const raw = (head: string, body = '') => rawRequest(topology.origin, head, body);
  const get = (path: string, host = `127.0.0.1:${port}`) => raw(`GET ${path} HTTP/1.1\r\nHost: ${host}`);

  /** The statuses of 100 ordinary page reads, 10 at a time, that did not answer 200. */
  async function readsThatFailed(): Promise<number[]> {
    const failed: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const response = await fetch(`${topology.origin}/`);
          await response.arrayBuffer();
          return response.status;
        }),
      );
      failed.push(...statuses.filter((status) => status !== 200));
    }
    return failed;
  }

  describe('no single request takes both apps out of nginx', () => {
    const twice = (path: string) => async () => [await get(path), await get(path)];
    const hostile: { name: string; send: () => Promise<RawReply[]>; expected: number }[] = [
      ...['FOO', 'TRACK', 'BREW'].map((method) => ({
        name: `${method} /`,
        send: async () => [await raw(`${method} / HTTP/1.1\r\nHost: 127.0.0.1`)],
        expected: 405,
      })),
      ...['%', '[', 'é', 'a b', 'user@evil.example'].map((host) => ({
        name: `GET / with Host "${host}"`,
        send: async () => [await get('/', host)],
        expected: 400,
      })),
      {
        // The app echoed this cursor into a 6 KB Location, past nginx's 4 KB buffer; it now refuses
        // an address that long (414) before echoing anything.
        name: 'GET /tasks?cursor=<6,000 × A>, twice',
        send: twice(`/tasks?cursor=${'A'.repeat(6_000)}`),
        expected: 414,
      },
      {
        // Each "!" came back as "%21": 21 KB of answer headers, more than nginx holds even at 16 KB.
        name: 'GET /tasks?cursor=<7,000 × !>, twice',
        send: twice(`/tasks?cursor=${'!'.repeat(7_000)}`),
        expected: 414,
      },
    ];
    for (const { name, send, expected } of hostile) {
      test(`${name}: answered ${expected}, then 100 ordinary reads all answer 200`, async () => {
        // Each case starts from both apps in rotation, whatever the one before did to them.
        for (let waited = 0; (await fetch(`${topology.origin}/`)).status !== 200 && waited < 5_000; waited += 100)
          await Bun.sleep(100);
        const replies = await send();
        expect(await readsThatFailed()).toEqual([]);
        expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => expected));
      }, 30_000);
    }
  });

  test('unknown methods get 405 from nginx with Allow; those the app serves pass', async () => {
    for (const method of ['FOO', 'TRACK', 'BREW', 'PUT', 'OPTIONS', 'CONNECT']) {
      const reply = await raw(`${method} /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}`);
      expect(`${method} ${reply.status}`).toBe(`${method} 405`);
      expect(reply.headers.allow).toBe('GET, HEAD, POST, PATCH, DELETE');
    }
    expect((await fetch(`${topology.origin}/api/tasks`, { method: 'HEAD', headers: bearer })).status).toBe(200);
    expect((await fetch(`${topology.origin}/api/tasks/999999`, { method: 'DELETE', headers: bearer })).status).toBe(
      404,
    );
    const patch = {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...bearer },
      body: '{"priority":"high"}',
    };
    expect((await fetch(`${topology.origin}/api/tasks/999999`, patch)).status).toBe(404);
  });

  test('a Host that is not a host name or none gets 400 from nginx; one not ours gets 400 from the app', async () => {
    for (const host of [
      '%',
      '[',
      'é',
      'a b',
      'user@evil.example',
      'evil.example/path',
      '..',
      'a:b:c',
      '[::1',
      'x'.repeat(300),
    ]) {
      expect(`${host} ${(await get('/api/tasks?limit=1', host)).status}`).toBe(`${host} 400`);
    }
    // Plausible names reach the app, which answers only to its own (ALLOWED_HOSTS: loopback here).
    for (const host of ['127.0.0.1', '[::1]:8080', 'localhost', 'LOCALHOST.']) {
      expect(`${host} ${(await get('/signin', host)).status}`).toBe(`${host} 200`);
    }
    for (const host of ['tasks.example.com', 'tasks.example.com:8080', 'TASKS.example.']) {
      const refused = await get('/api/tasks?limit=1', host);
      expect(`${host} ${refused.status} ${JSON.parse(refused.body).error}`).toBe(`${host} 400 unknown_host`);
    }
    // HTTP/1.0 may leave the Host out; no site can be told from it, so nginx refuses it too.
    expectNginxError(await raw('GET /api/tasks?limit=1 HTTP/1.0'), 400, 'json');
    // HTTP/1.1 requires a Host: nginx refuses one without, in our words.
    expectNginxError(await raw('GET /api/tasks HTTP/1.1'), 400, 'json');
  });

  test("nginx's own answers carry our security headers; JSON errors under /api, a small page elsewhere", async () => {
    expectNginxError(
      await raw(`FOO /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}`),
      405,
      'json',
      'method_not_allowed',
    );
    expectNginxError(await raw(`FOO / HTTP/1.1\r\nHost: 127.0.0.1:${port}`), 405, 'html');
    expectNginxError(await get('/api/tasks', '%'), 400, 'json', 'bad_request');
    expectNginxError(await get('/', 'a b'), 400, 'html');
    // A request line too long to read has no path to go by: the page.
    expectNginxError(await get(`/api/tasks?q=${'x'.repeat(9_000)}`), 414, 'html');
    expectNginxError(
      await raw(`GET /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'x'.repeat(9_000)}`),
      431,
      'json',
      'request_header_too_large',
    );
    expectNginxError(await get('/errors/429.json'), 404, 'html');
    const big = JSON.stringify({ title: 'x'.repeat(70_000) });
    expectNginxError(
      await raw(
        `POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${big.length}`,
        big,
      ),
      413,
      'json',
      'payload_too_large',
    );
    const form = `title=${'x'.repeat(70_000)}`;
    expectNginxError(
      await raw(
        `POST /tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}`,
        form,
      ),
      413,
      'html',
    );
    // Under htmx: a line for the page's alert region, not a whole page swapped into the form.
    const fragment = await raw(
      `POST /tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHX-Request: true\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}`,
      form,
    );
    expect(fragment.status).toBe(413);
    expectOurSecurityHeaders((name) => fragment.headers[name]);
    expect(fragment.headers['hx-retarget']).toBe('#alerts');
    expect(fragment.headers['hx-reswap']).toBe('innerHTML');
    expect(fragment.body).toMatch(/^<p>[^<]+<\/p>\n$/);
    // The app's answers keep their own policy, once: nginx adds its headers only where the app sent none.
    const page = await fetch(`${topology.origin}/`);
    expectOurSecurityHeaders((name) => page.headers.get(name));
    const swagger = await fetch(`${topology.origin}/swagger`);
    expect(swagger.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  test('502 and 504 from nginx: our headers, JSON under /api', async () => {
    const dead = await startNginx([`127.0.0.1:${await freePort()}`]);
    const silent: Server = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const address = silent.address();
    const hung = await startNginx([`127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`], {
      proxyReadTimeout: '500ms',
    });
    try {
      const cases = [
        { front: dead, status: 502, error: 'bad_gateway' },
        { front: hung, status: 504, error: 'gateway_timeout' },
      ] as const;
      for (const { front, status, error } of cases) {
        const get = (path: string) => rawRequest(front.origin, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1`);
        expectNginxError(await get('/api/tasks'), status, 'json', error);
        expectNginxError(await get('/'), status, 'html');
      }
    } finally {
      await dead.stop();
      await hung.stop();
      silent.close();
    }
  }, 30_000);

  test('two creates sharing an X-Request-Id but no Idempotency-Key make two tasks', async () => {
    const create = (title: string, headers: Record<string, string>) =>
      fetch(`${topology.origin}/api/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer, ...headers },
        body: JSON.stringify({ title }),
      });
    const first = await create('shared request id: first', { 'x-request-id': 'shared-trace-1' });
    const second = await create('shared request id: second', { 'x-request-id': 'shared-trace-1' });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    const [a, b] = [await first.json(), await second.json()];
    expect(a.id).not.toBe(b.id);
    for (const task of [a, b]) {
      const read = await fetch(`${topology.origin}/api/tasks/${task.id}`, { headers: bearer });
      expect((await read.json()).title).toBe(task.title);
    }
    // A client's own key still makes a retry a replay.
    const keyed = await create('own key', { 'idempotency-key': 'client-key-1' });
    const retried = await create('own key', { 'idempotency-key': 'client-key-1' });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect((await retried.json()).id).toBe((await keyed.json()).id);
  });

  test('/metrics and /pool-stats answer loopback, not a public client arriving through the load balancer', async () => {
    for (const path of ['/metrics', '/pool-stats', '/metrics/', '/pool-stats/', '//metrics', '/%6Detrics']) {
      const outside = await raw(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Forwarded-For: 203.0.113.7`);
      expect(`${path} ${outside.status}`).toBe(`${path} 403`);
      expectNginxError(outside, 403, 'html');
    }
    expect((await fetch(`${topology.origin}/metrics`)).status).toBe(200);
    expect((await fetch(`${topology.origin}/pool-stats`)).status).toBe(200);
  });

  test('a same-origin form post on a non-default port, Origin but no Sec-Fetch-Site, is accepted', async () => {
    const post = (origin: string) =>
      fetch(`${topology.origin}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie: account.cookie },
        body: 'title=posted+through+nginx+on+its+own+port',
        redirect: 'manual',
      });
    expect((await post(`http://127.0.0.1:${port}`)).status).toBe(303);
    expect((await post('http://127.0.0.1')).status).toBe(403);
    expect((await post('http://evil.example')).status).toBe(403);
  });
});
