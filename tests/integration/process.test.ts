import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signUpLive } from '../../harness/live-server';
import { freePort } from '../../harness/mariadb';

/** The real entry point as an operator runs it: `bun src/main.ts` with environment variables. */

const MAIN = join(import.meta.dir, '../../src/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'tm-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(env: Record<string, string>) {
  return Bun.spawn(['bun', MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'pipe', stderr: 'pipe' });
}

describe('starting the server', () => {
  for (const [variable, value] of [
    ['PORT', 'abc'],
    ['DATABASE_URL', 'postgres://db/tasks'],
    ['DB_TLS', 'maybe'],
    ['LOG_LEVEL', 'chatty'],
    ['ALLOWED_HOSTS', 'https://tasks.example.com'],
  ] as const) {
    test(`a wrong ${variable} stops it with exit 1 and one line naming the variable`, async () => {
      const env: Record<string, string> = { DATABASE_URL: 'mysql://u@db/x', [variable]: value };
      const server = start(env);
      expect(await server.exited).toBe(1);
      const stderr = await new Response(server.stderr).text();
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(variable);
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  }

  test('an unreachable MySQL stops it with exit 1 and one clear line', async () => {
    const server = start({ DATABASE_URL: 'mysql://root@127.0.0.1:1/tasks' });
    expect(await server.exited).toBe(1);
    const stderr = await new Response(server.stderr).text();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/cannot open the mysql database/);
  });

  test('a port already in use stops it with exit 1 and one line naming the port, no stack trace', async () => {
    const taken = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('taken') });
    try {
      const server = start({ PORT: String(taken.port), DATABASE_URL: 'sqlite::memory:' });
      expect(await server.exited).toBe(1);
      const output = (await new Response(server.stdout).text()) + (await new Response(server.stderr).text());
      expect(output.trim().split('\n')).toHaveLength(1);
      expect(output).toContain(`127.0.0.1:${taken.port}`);
      expect(output).not.toMatch(/^\s+at /m);
    } finally {
      await taken.stop(true);
    }
  });

  test('with no configuration but a port it serves the API on SQLite and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const server = Bun.spawn(['bun', MAIN], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const origin = `http://127.0.0.1:${port}`;
    let response: Response | undefined;
    for (let attempt = 0; attempt < 100 && !response; attempt++) {
      response = await fetch(`${origin}/api/tasks`).catch(() => undefined);
      if (!response) await Bun.sleep(50);
    }
    // Signed out, the API asks for a token; the first account signs up and reads its (empty) list.
    expect(response?.status).toBe(401);
    const { token } = await signUpLive(origin);
    response = await fetch(`${origin}/api/tasks`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [], next_cursor: null });
    expect(await Bun.file(join(dir, 'data/tasks.db')).exists()).toBe(true);
    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const logs = (await new Response(server.stdout).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // The request's line is written just after its response, so it may land after "shutting down".
    const messages = logs.map((line) => line.message);
    expect([messages[0], messages.at(-1)]).toEqual(['listening', 'stopped']);
    expect(messages.filter((message) => message !== 'request')).toEqual(['listening', 'shutting down', 'stopped']);
    // The list read, the sign-up and its token, then the list again.
    const requests = logs.filter((line) => line.message === 'request');
    expect(requests.map((line) => `${line.method} ${line.route} ${line.status}`)).toEqual([
      'GET /api/tasks 401',
      'POST /signup 303',
      'POST /api/tokens 201',
      'GET /api/tasks 200',
    ]);
    expect(requests.at(-1)).toMatchObject({ level: 'info', ip: '127.0.0.1' });
  });
});
