import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type LiveServer, startLiveServer } from '../../harness/live-server';
import { type RawReply, sendRaw } from '../support/raw-http';

/**
 * What only the real server process shows (`bun src/main.ts`): requests Bun's own HTTP parser lets
 * through that fetch() would never send — a malformed Host, HTTP/1.0 without one, CONNECT. Each
 * must get a clear 4xx of ours: security headers, our error format, one log line; never a 500, a
 * stack trace or Bun's default page.
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
  const text = [requestLine, ...headers, `X-Request-Id: ${id}`, 'Connection: close', '', ''].join('\r\n');
  return { id, reply: sendRaw(target, text) };
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
