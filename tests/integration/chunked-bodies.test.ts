import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { createLiveApi, type LiveApi, type LiveServer, startLiveServer } from '../../harness/live-server';
import { postChunked, type RawReply } from '../support/chunked-upload';

/**
 * The 64 KB body limit against bodies sent with Transfer-Encoding: chunked, which declare no
 * length up front. Only a real server sees real chunked framing (`app.handle` is given a finished
 * Request), so these run against `bun src/main.ts` over a bare socket.
 */

const MB = 1024 * 1024;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** A urlencoded task form of exactly `bytes` bytes, padded in a field the form ignores. */
const formOfSize = (title: string, bytes: number) => {
  const start = `title=${encodeURIComponent(title)}&padding=`;
  return new TextEncoder().encode(start + 'a'.repeat(bytes - start.length));
};
/** A JSON task of exactly `bytes` bytes, padded with whitespace. */
const jsonOfSize = (title: string, bytes: number) => {
  const start = `{"title":${JSON.stringify(title)}`;
  return new TextEncoder().encode(`${start}${' '.repeat(bytes - start.length - 1)}}`);
};

function expectRefusedAsTooLarge(reply: RawReply) {
  expect({ status: reply.status, closed: reply.closed, connection: reply.headers.get('connection') }).toEqual({
    status: 413,
    closed: true,
    connection: 'close',
  });
  expect(reply.headers.get('content-type')).toContain('application/json');
  expect(JSON.parse(reply.body)).toMatchObject({ error: 'payload_too_large' });
}

describe('chunked request bodies on a real server', () => {
  let server: LiveServer;
  let api: LiveApi;
  // What a signed-in browser and a script with a token send beside the body's type.
  let asBrowser: Record<string, string>;
  let asScript: Record<string, string>;

  beforeAll(async () => {
    server = await startLiveServer();
    api = createLiveApi(server.origin);
    const { cookie, token } = await api.account();
    asBrowser = { ...FORM, cookie };
    asScript = { ...JSON_TYPE, authorization: `Bearer ${token}` };
  });
  afterAll(() => server.stop());
  beforeEach(() => api.removeAll());

  const titles = async () => (await api.list()).map((task) => task.title);

  test('a 1 MB chunked form to /tasks answers 413 and closes the connection; no task is made', async () => {
    expectRefusedAsTooLarge(await postChunked(server.origin, '/tasks', asBrowser, formOfSize('huge form', MB)));
    expect(await titles()).toEqual([]);
  });

  test('a 1 MB chunked JSON body to /api/tasks answers 413 and closes the connection; no task is made', async () => {
    expectRefusedAsTooLarge(await postChunked(server.origin, '/api/tasks', asScript, jsonOfSize('huge json', MB)));
    expect(await titles()).toEqual([]);
  });

  test('one byte over 64 KB is refused on both; exactly 64 KB is read', async () => {
    const limit = 64 * 1024;
    expectRefusedAsTooLarge(await postChunked(server.origin, '/tasks', asBrowser, formOfSize('over', limit + 1)));
    expectRefusedAsTooLarge(await postChunked(server.origin, '/api/tasks', asScript, jsonOfSize('over', limit + 1)));
    expect((await postChunked(server.origin, '/tasks', asBrowser, formOfSize('form at the limit', limit))).status).toBe(
      303,
    );
    expect(
      (await postChunked(server.origin, '/api/tasks', asScript, jsonOfSize('json at the limit', limit))).status,
    ).toBe(201);
    expect((await titles()).toSorted()).toEqual(['form at the limit', 'json at the limit']);
  });

  test('a 1 KB chunked form still adds its task: 303 back to the list', async () => {
    const reply = await postChunked(server.origin, '/tasks', asBrowser, formOfSize('small chunked form', 1024), 100);
    expect([reply.status, reply.headers.get('location')]).toEqual([303, '/']);
    expect(await titles()).toEqual(['small chunked form']);
  });

  test('a body far over the limit in a single chunk is refused all the same: 413, connection closed', async () => {
    const reply = await postChunked(server.origin, '/tasks', asBrowser, formOfSize('one huge chunk', MB), MB);
    expect([reply.status, reply.closed]).toEqual([413, true]);
    expect(await titles()).toEqual([]);
  });
});
