import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_MEMORY_ENV } from '../src/ops/engine-memory';
import type { Task } from '../src/tasks/model';
import { freePort } from './mariadb';

/**
 * The real server as an operator runs it (`bun src/main.ts`) on a free port with a SQLite file of
 * its own, plus a fetch client for its JSON API. Like all of harness/, no bun:test imports here, so
 * the bench and scripts/ use it too.
 */

const ROOT = join(import.meta.dir, '..');

export interface LiveServer {
  /** e.g. http://127.0.0.1:41234 — the only origin a page may talk to. */
  origin: string;
  /** The process id, to read its memory in /proc. */
  pid: number;
  /** Everything the server printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends a signal, for shutdown drills; `exited` then tells how the process ended. */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number>;
  stop(): Promise<void>;
}

/** `root`: the checkout whose src/main.ts runs (the bench compares an earlier commit's worktree). */
export async function startLiveServer(env: Record<string, string> = {}, root = ROOT): Promise<LiveServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tm-e2e-'));
  // A fixed PORT lets a drill restart an instance where its load balancer expects it.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = Bun.spawn(['bun', join(root, 'src/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${dir}/tasks.db`,
      LOG_LEVEL: 'warn',
      ...ENGINE_MEMORY_ENV,
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let printed = '';
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      printed += decoder.decode(chunk.value, { stream: true });
  };
  const collected = Promise.all([collect(server.stdout), collect(server.stderr)]);

  const stop = async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      const deadline = Bun.sleep(5_000).then(() => 'timeout' as const);
      if ((await Promise.race([server.exited, deadline])) === 'timeout') server.kill('SIGKILL');
      await server.exited;
    }
    await collected;
    rmSync(dir, { recursive: true, force: true });
  };

  for (let attempt = 0; attempt < 200; attempt++) {
    if (server.exitCode !== null) break;
    const response = await fetch(`${origin}/health/live`).catch(() => undefined);
    if (response?.ok) {
      return {
        origin,
        pid: server.pid,
        output: () => printed,
        kill: (signal) => server.kill(signal),
        exited: server.exited,
        stop,
      };
    }
    await Bun.sleep(50);
  }
  await stop();
  throw new Error(`the server did not start on ${origin}:\n${printed}`);
}

export type TaskInput = {
  title: string;
  notes?: string;
  priority?: Task['priority'];
  due_date?: string | null;
};

export type TaskChange = Partial<TaskInput & { status: Task['status'] }>;

/** An account signed up on a live server: its password, a session cookie and an API token. */
export interface LiveAccount {
  email: string;
  password: string;
  /** `name=value` of the session cookie, for a Cookie header or a browser context. */
  cookie: string;
  cookieName: string;
  sessionId: string;
  token: string;
}

let liveAccounts = 0;

/** Signs up through the sign-up form as a browser would, then makes an API token with that session. */
export async function signUpLive(
  origin: string,
  email = `user-${process.pid}-${++liveAccounts}@example.test`,
  password = 'correct horse battery staple',
): Promise<LiveAccount> {
  const signedUp = await fetch(`${origin}/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }),
    redirect: 'manual',
  });
  const setCookie = signedUp.headers.getSetCookie().find((line) => /^(__Host-)?tm_session=/.test(line));
  if (signedUp.status !== 303 || !setCookie)
    throw new Error(`signing up ${email} answered ${signedUp.status}: ${await signedUp.text()}`);
  const cookie = setCookie.split(';')[0] as string;
  const [cookieName = '', sessionId = ''] = cookie.split('=');
  const made = await fetch(`${origin}/api/tokens`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'harness' }),
  });
  if (made.status !== 201) throw new Error(`making a token answered ${made.status}: ${await made.text()}`);
  const { token } = (await made.json()) as { token: string };
  return { email, password, cookie, cookieName, sessionId, token };
}

/**
 * Reads and writes tasks through the JSON API, to set up state and to check what was stored: as
 * the account given, or as one signed up on first use.
 */
export function createLiveApi(origin: string, as?: LiveAccount) {
  let signedIn: Promise<LiveAccount> | undefined = as ? Promise.resolve(as) : undefined;
  const account = () => {
    signedIn ??= signUpLive(origin);
    return signedIn;
  };

  async function call(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}) {
    const headers = { authorization: `Bearer ${(await account()).token}`, ...extraHeaders };
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  }

  async function expectStatus(method: string, path: string, status: number, body?: unknown) {
    const reply = await call(method, path, body);
    if (reply.status !== status) throw new Error(`${method} ${path} answered ${reply.status}: ${reply.text}`);
    return reply;
  }

  async function list(query: Record<string, string> = {}): Promise<Task[]> {
    const tasks: Task[] = [];
    let cursor: string | null = null;
    do {
      const params: URLSearchParams = new URLSearchParams({ ...query, limit: '100', ...(cursor ? { cursor } : {}) });
      const page: { items: Task[]; next_cursor: string | null } = (
        await expectStatus('GET', `/api/tasks?${params}`, 200)
      ).json();
      tasks.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return tasks;
  }

  return {
    /** The account this client acts as. */
    account,
    call,
    /** Every task, newest first (the API's default order), across all pages. */
    list,
    async create(input: TaskInput): Promise<Task> {
      return (await expectStatus('POST', '/api/tasks', 201, input)).json();
    },
    async get(id: number): Promise<Task> {
      return (await expectStatus('GET', `/api/tasks/${id}`, 200)).json();
    },
    /** undefined when the task no longer exists. */
    async find(id: number): Promise<Task | undefined> {
      const reply = await call('GET', `/api/tasks/${id}`);
      if (reply.status === 404) return undefined;
      if (reply.status !== 200) throw new Error(`GET /api/tasks/${id} answered ${reply.status}: ${reply.text}`);
      return reply.json();
    },
    async update(id: number, change: TaskChange): Promise<Task> {
      return (await expectStatus('PATCH', `/api/tasks/${id}`, 200, change)).json();
    },
    async remove(id: number): Promise<void> {
      await expectStatus('DELETE', `/api/tasks/${id}`, 204);
    },
    async removeAll(): Promise<void> {
      for (const task of await list()) await expectStatus('DELETE', `/api/tasks/${task.id}`, 204);
    },
  };
}

export type LiveApi = ReturnType<typeof createLiveApi>;
