import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadSpec, runWrk, writeLuaScript, writeMixScript } from '../../bench/wrk';

/**
 * The bench's wrk scripts send what their rows say. A script wrk cannot parse is dropped with a
 * line on stderr, and wrk sends plain GETs instead: the POST row once measured GET /api/tasks.
 */

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  contentType: string | null;
  body: string;
}

let seen: Seen[] = [];
let createStatus = 201;
let server: ReturnType<typeof Bun.serve>;
const dir = mkdtempSync(join(tmpdir(), 'tm-wrk-test-'));

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      seen.push({
        method: request.method,
        path: url.pathname,
        authorization: request.headers.get('authorization'),
        contentType: request.headers.get('content-type'),
        body: await request.text(),
      });
      return new Response('{}', { status: request.method === 'POST' ? createStatus : 200 });
    },
  });
});
afterAll(() => {
  server.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const headers = { 'Accept-Encoding': 'gzip', Authorization: 'Bearer tm_test' };
const create: LoadSpec = { method: 'POST', path: '/api/tasks', body: { title: 'Bench' }, expect: 201, headers };

async function load(script: string, path: string) {
  seen = [];
  return runWrk({
    url: `${server.url.origin}${path}`,
    script,
    connections: 2,
    durationS: 1,
    timeoutS: 5,
    ids: { minId: 5, maxId: 9 },
    headers,
  });
}

test('a POST row sends POSTs with its JSON body and its headers, and counts them as expected', async () => {
  createStatus = 201;
  const result = await load(writeLuaScript(dir, 'post', create) as string, '/api/tasks');
  expect(seen.length).toBeGreaterThan(10);
  expect(new Set(seen.map((request) => `${request.method} ${request.path} ${request.body}`))).toEqual(
    new Set(['POST /api/tasks {"title":"Bench"}']),
  );
  expect(seen.every((request) => request.authorization === 'Bearer tm_test')).toBe(true);
  expect(seen.every((request) => request.contentType === 'application/json')).toBe(true);
  expect(result.unexpected).toBe(0);
});

test('answers other than the row expects are counted as unexpected', async () => {
  createStatus = 200;
  const result = await load(writeLuaScript(dir, 'post-200', create) as string, '/api/tasks');
  expect(result.unexpected).toBe(result.requests);
  expect(result.firstUnexpected).toBe(200);
});

test('a row by id asks for ids within the range', async () => {
  const spec: LoadSpec = {
    method: 'PATCH',
    path: '/api/tasks/',
    randomId: true,
    body: { done: true },
    expect: 200,
    headers,
  };
  await load(writeLuaScript(dir, 'patch', spec) as string, '/api/tasks/');
  const ids = new Set(seen.map((request) => request.path));
  expect(seen.every((request) => request.method === 'PATCH')).toBe(true);
  expect([...ids].every((path) => /^\/api\/tasks\/[5-9]$/.test(path))).toBe(true);
});

test('the mix sends nine reads to each write', async () => {
  createStatus = 201;
  const page: LoadSpec = { method: 'GET', path: '/', headers };
  const result = await load(writeMixScript(dir, 'mix', page, create, 9), '/');
  const posts = seen.filter((request) => request.method === 'POST').length;
  const gets = seen.filter((request) => request.method === 'GET' && request.path === '/').length;
  expect(posts + gets).toBe(seen.length);
  expect(gets / posts).toBeGreaterThan(8);
  expect(gets / posts).toBeLessThan(10);
  expect(result.unexpected).toBe(0);
});

test('a script wrk cannot read stops the row instead of measuring plain GETs', async () => {
  const broken = join(dir, 'broken.lua');
  await Bun.write(broken, 'wrk.method = [[==[POST]==]]\nlocal t = { [[==[x]==]] = 1 }\n');
  await expect(load(broken, '/api/tasks')).rejects.toThrow(/could not run/);
});
