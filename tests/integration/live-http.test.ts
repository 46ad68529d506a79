import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type LiveAccount, type LiveServer, signUpLive, startLiveServer } from '../../harness/live-server';
import { type RawReply, type RunningNginx, rawRequest, startNginx } from '../../harness/nginx';

/**
 * What only the real server process shows (`bun src/main.ts`): requests Bun's own HTTP parser lets
 * through that fetch() would never send — a malformed or foreign Host, HTTP/1.0 without one,
 * CONNECT. Each must get a clear 4xx of ours: security headers, our error format, one log line;
 * never a 500, a stack trace or Bun's default page. And what a proxy in front changes: the scheme
 * the browser used, which decides whether a cookie is Secure.
 */

let server: LiveServer;
let port: number;
let requestCount = 0;

beforeAll(async () => {
  server = await startLiveServer({ LOG_LEVEL: 'info' });
  port = Number(new URL(server.origin).port);
});
afterAll(() => server.stop());

/** A request with its own X-Request-Id, so its log line can be found. */
function raw(requestLine: string, headers: string[] = [], target = port) {
  const id = `live-http-${++requestCount}`;
  const head = [requestLine, ...headers, `X-Request-Id: ${id}`].join('\r\n');
  return { id, reply: rawRequest(`http://127.0.0.1:${target}`, head) };
}

/** The server's log lines for one request id, once the first has landed (it is written after the answer). */
async function logLinesOf(id: string): Promise<Record<string, unknown>[]> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.includes(id))
      .map((line) => JSON.parse(line));
    if (lines.length > 0) return lines;
    await Bun.sleep(25);
  }
  return [];
}

/** Our answer, not Bun's or a stack trace: security headers, the error format, one log line. */
async function expectOurRefusal(id: string, reply: RawReply, status: number, error: string) {
  expect({ status: reply.status, body: reply.body }).toMatchObject({ status });
  expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
  expect(reply.headers['x-request-id']).toBe(id);
  expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(JSON.parse(reply.body)).toEqual({ error, message: expect.any(String), details: [] });
  const lines = await logLinesOf(id);
  expect(lines).toEqual([expect.objectContaining({ level: 'info', message: 'request', status })]);
  expect(server.output()).not.toMatch(/\n\s+at |Something went wrong!|src\/http/);
}

describe('a Host the app cannot read is refused with 400', () => {
  for (const host of ['%', '[', 'é', 'a b', 'user@evil.example', 'localhost:99999', 'localhost, evil.example']) {
    test(`Host: ${host}`, async () => {
      for (const path of ['/api/tasks', '/no/such/page']) {
        const { id, reply } = raw(`GET ${path} HTTP/1.1`, [`Host: ${host}`]);
        await expectOurRefusal(id, await reply, 400, 'malformed_host');
      }
    });
  }

  test('HTTP/1.0 with no Host at all', async () => {
    const { id, reply } = raw('GET /api/tasks HTTP/1.0');
    await expectOurRefusal(id, await reply, 400, 'malformed_host');
  });

  test('a browser asking for HTML gets the error page, with the same headers', async () => {
    const { reply } = raw('GET / HTTP/1.1', ['Host: a b', 'Accept: text/html']);
    const { status, headers, body } = await reply;
    expect(status).toBe(400);
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(body).toStartWith('<!doctype html>');
    expect(body).toContain('Host');
  });
});

describe('a method no route serves is refused with 405 and Allow', () => {
  for (const [method, target] of [
    ['CONNECT', () => `127.0.0.1:${port}`],
    ['TRACE', () => '/'],
    ['PUT', () => '/api/tasks/1'],
  ] as const) {
    test(method, async () => {
      const { id, reply } = raw(`${method} ${target()} HTTP/1.1`, [`Host: 127.0.0.1:${port}`]);
      const answer = await reply;
      await expectOurRefusal(id, answer, 405, 'method_not_allowed');
      expect(answer.headers.allow).toBe('GET, HEAD, POST, PATCH, DELETE');
    });
  }
});

describe('ALLOWED_HOSTS: a page of another site cannot reach the app by DNS rebinding', () => {
  test('by default the loopback names are served, with or without a port, in any case', async () => {
    for (const host of [`127.0.0.1:${port}`, 'localhost', `LocalHost:${port}`, '[::1]', `[::1]:${port}`]) {
      expect({ host, status: (await raw('GET /signin HTTP/1.1', [`Host: ${host}`]).reply).status }).toEqual({
        host,
        status: 200,
      });
    }
  });

  test('any other name gets 400 unknown_host', async () => {
    const { id, reply } = raw('GET /api/tasks HTTP/1.1', ['Host: evil.example']);
    await expectOurRefusal(id, await reply, 400, 'unknown_host');
  });

  test("the health checks and scrapes answer whatever the Host: the ALB and scrapers name the instance's address", async () => {
    for (const path of ['/health', '/health/live', '/metrics', '/pool-stats']) {
      const { reply } = raw(`GET ${path} HTTP/1.1`, ['Host: 10.0.1.23']);
      expect({ path, status: (await reply).status }).toEqual({ path, status: 200 });
    }
  });

  test('ALLOWED_HOSTS adds to the loopback names: those it lists and their subdomains are served, no other', async () => {
    const site = await startLiveServer({ ALLOWED_HOSTS: 'Tasks.Example.com, *.example.org' });
    try {
      const sitePort = Number(new URL(site.origin).port);
      const statusFor = async (host: string) =>
        (await raw('GET /signin HTTP/1.1', [`Host: ${host}`], sitePort).reply).status;
      expect(await statusFor('tasks.example.com:443')).toBe(200);
      expect(await statusFor('eu.example.org')).toBe(200);
      expect(await statusFor('example.org')).toBe(400);
      expect(await statusFor('evilexample.org')).toBe(400);
      expect(await statusFor('evil.example')).toBe(400);
      // An operator on the instance, or through an SSM port forward, is always served.
      expect(await statusFor('localhost:8080')).toBe(200);
    } finally {
      await site.stop();
    }
  }, 15_000);
});

describe('through nginx, as on an instance', () => {
  let nginx: RunningNginx;
  let nginxPort: number;
  beforeAll(async () => {
    nginx = await startNginx([`127.0.0.1:${port}`]);
    nginxPort = Number(new URL(nginx.origin).port);
  });
  afterAll(() => nginx.stop());

  test('a foreign Host gets 400 from the app; /health with the private address gets 200', async () => {
    const foreign = await raw('GET /api/tasks HTTP/1.1', ['Host: evil.example'], nginxPort).reply;
    expect(foreign.status).toBe(400);
    expect(JSON.parse(foreign.body).error).toBe('unknown_host');
    expect((await raw('GET /health HTTP/1.1', ['Host: 10.0.1.23'], nginxPort).reply).status).toBe(200);
    expect((await fetch(`${nginx.origin}/signin`)).status).toBe(200);
  });
});

describe('the flash cookie of a form posted without JavaScript', () => {
  let account: Promise<LiveAccount> | undefined;
  const signedIn = () => {
    account ??= signUpLive(server.origin);
    return account;
  };
  const postForm = async (headers: Record<string, string>) =>
    fetch(`${server.origin}/tasks`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: (await signedIn()).cookie, ...headers },
      body: new URLSearchParams({ title: 'Buy milk' }),
    });

  test('is Secure when the browser reached the load balancer over HTTPS', async () => {
    // Over HTTPS the browser holds its session as __Host-tm_session (the only name read there).
    const cookie = `__Host-tm_session=${(await signedIn()).sessionId}`;
    const response = await postForm({ 'x-forwarded-proto': 'https', cookie });
    expect([response.status, response.headers.get('location')]).toEqual([303, '/']);
    expect(response.headers.get('set-cookie')).toMatch(/^flash=[^;]+;.*; Secure/);
  });

  test('is not Secure over plain HTTP, so a local `npm start` keeps its messages', async () => {
    const response = await postForm({});
    expect([response.status, response.headers.get('location')]).toEqual([303, '/']);
    expect(response.headers.get('set-cookie')).toStartWith('flash=');
    expect(response.headers.get('set-cookie')).not.toContain('Secure');
  });
});
