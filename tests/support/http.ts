import { expect } from 'bun:test';
import type { ErrorBody } from '../../src/http/api-schemas';
import type { Task } from '../../src/tasks/model';

/**
 * Drives an app in-process through `app.handle(new Request(...))`, the way a client would see it:
 * status, headers and the parsed JSON body. No server, no mocks.
 */

interface Handler {
  handle(request: Request): Promise<Response>;
}

export interface Reply<Body = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body; undefined when the answer is not JSON. */
  body: Body;
}

export interface SendOptions {
  /** Serialised with JSON.stringify and sent as application/json (unless headers say otherwise). */
  json?: unknown;
  /** Sent exactly as given, with no content type added. */
  body?: BodyInit;
  headers?: Record<string, string>;
}

export type TaskQuery = Record<string, string | number>;

export interface TaskPage {
  items: Task[];
  next_cursor: string | null;
}

export const ORIGIN = 'http://localhost';

/** An account signed up through the pages, with its session cookie and an API token. */
export interface Credentials {
  email: string;
  password: string;
  /** The Cookie header a browser signed in as this account sends. */
  cookie: string;
  token: string;
}

export const PASSWORD = 'correct horse battery staple';
let accountsMade = 0;
export const uniqueEmail = (label = 'user') => `${label}-${process.pid}-${++accountsMade}@example.test`;

/** The Cookie header that a Set-Cookie of the answer asks for (the session's), or throws. */
export function sessionCookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie().find((line) => /^(__Host-)?tm_session=[^;]+/.test(line));
  if (!cookie) throw new Error(`no session cookie in the answer (${response.status})`);
  return cookie.split(';')[0] as string;
}

/** Signs up through the sign-up form, then makes an API token with the session. */
export async function signUp(app: Handler, email = uniqueEmail(), password = PASSWORD): Promise<Credentials> {
  const form = new URLSearchParams({ email, password }).toString();
  const signedUp = await app.handle(
    new Request(`${ORIGIN}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    }),
  );
  if (signedUp.status !== 303)
    throw new Error(`signing up ${email} answered ${signedUp.status}: ${await signedUp.text()}`);
  const cookie = sessionCookieOf(signedUp);
  const made = await app.handle(
    new Request(`${ORIGIN}/api/tokens`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'tests' }),
    }),
  );
  if (made.status !== 201) throw new Error(`making a token answered ${made.status}: ${await made.text()}`);
  const { token } = (await made.json()) as { token: string };
  return { email, password, cookie, token };
}

const defaultAccounts = new WeakMap<Handler, Promise<Credentials>>();

/** The account a test acts as on this app unless it says otherwise: signed up once, on first use. */
export function defaultAccount(app: Handler): Promise<Credentials> {
  let account = defaultAccounts.get(app);
  if (!account) {
    account = signUp(app);
    defaultAccounts.set(app, account);
  }
  return account;
}

/** Headers with the default account's credentials added, as signInHeaders adds them for `path`. */
export async function signedInHeaders(app: Handler, path: string, init: HeadersInit = {}): Promise<Headers> {
  const headers = new Headers(init);
  signInHeaders(headers, path, await defaultAccount(app));
  return headers;
}

export interface ClientOptions {
  /**
   * Whose requests these are: an account's (sent with its API token), or nobody's (no credentials
   * at all). By default, the app's default account (see defaultAccount).
   */
  as?: Credentials | 'nobody';
}

/**
 * Sends what a real client of that path sends: a script its token to /api, a browser its session
 * cookie to pages (beside any cookie the test sets). A test that sends its own credentials keeps them.
 */
function signInHeaders(headers: Headers, path: string, { token, cookie }: Credentials): void {
  if (headers.has('authorization')) return;
  const existing = headers.get('cookie');
  if (existing?.includes('tm_session=')) return;
  if (path.startsWith('/api/')) {
    if (!existing) headers.set('authorization', `Bearer ${token}`);
    return;
  }
  headers.set('cookie', existing ? `${existing}; ${cookie}` : cookie);
}

export function createApiClient(app: Handler, { as }: ClientOptions = {}) {
  let credentials: Promise<Credentials | null> | undefined =
    as === 'nobody' ? Promise.resolve(null) : as ? Promise.resolve(as) : undefined;
  /** The account this client acts as. */
  const account = () => {
    credentials ??= defaultAccount(app);
    return credentials;
  };

  async function send<Body = unknown>(method: string, path: string, options: SendOptions = {}): Promise<Reply<Body>> {
    const headers = new Headers(options.headers);
    const signedIn = await account();
    if (signedIn) signInHeaders(headers, path, signedIn);
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const response = await app.handle(new Request(`${ORIGIN}${path}`, { method, headers, body }));
    const text = await response.text();
    const isJson = response.headers.get('content-type')?.includes('json') ?? false;
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: (isJson && text ? JSON.parse(text) : undefined) as Body,
    };
  }

  async function createTask(input: Record<string, unknown>): Promise<Task> {
    const reply = await send<Task>('POST', '/api/tasks', { json: input });
    if (reply.status !== 201)
      throw new Error(`creating ${JSON.stringify(input)} answered ${reply.status}: ${reply.text}`);
    return reply.body;
  }

  async function getTask(id: number): Promise<Task> {
    const reply = await send<Task>('GET', `/api/tasks/${id}`);
    if (reply.status !== 200) throw new Error(`reading task ${id} answered ${reply.status}: ${reply.text}`);
    return reply.body;
  }

  async function listPage(query: TaskQuery = {}): Promise<Reply<TaskPage>> {
    return send<TaskPage>('GET', `/api/tasks${queryString(query)}`);
  }

  /** Every task the list shows for these filters, following next_cursor to the end. */
  async function listAll(query: TaskQuery = {}): Promise<Task[]> {
    const tasks: Task[] = [];
    let cursor: string | null = null;
    do {
      const reply = await listPage(cursor ? { ...query, cursor } : query);
      if (reply.status !== 200)
        throw new Error(`listing ${JSON.stringify(query)} answered ${reply.status}: ${reply.text}`);
      tasks.push(...reply.body.items);
      cursor = reply.body.next_cursor;
    } while (cursor);
    return tasks;
  }

  return {
    account: async () => {
      const signedIn = await account();
      if (!signedIn) throw new Error('this client acts as nobody');
      return signedIn;
    },
    send,
    get: <Body = unknown>(path: string, headers?: Record<string, string>) => send<Body>('GET', path, { headers }),
    post: <Body = unknown>(path: string, options?: SendOptions) => send<Body>('POST', path, options),
    patch: <Body = unknown>(path: string, options?: SendOptions) => send<Body>('PATCH', path, options),
    delete: <Body = unknown>(path: string, headers?: Record<string, string>) => send<Body>('DELETE', path, { headers }),
    createTask,
    getTask,
    listPage,
    listAll,
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

export function queryString(query: TaskQuery): string {
  const params = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Asserts the API's error contract: the status, a JSON `{ error, message, details[] }`, and the fields named. */
export function expectErrorReply(reply: Reply, status: number, ...fields: string[]): ErrorBody {
  expect({ status: reply.status, text: reply.text }).toMatchObject({ status });
  expect(reply.headers.get('content-type')).toContain('application/json');
  const body = reply.body as ErrorBody;
  // Not toMatchObject with expect.any(): in Bun 1.4.5 that writes the matchers into the received object.
  expect({ error: typeof body.error, message: typeof body.message, details: Array.isArray(body.details) }).toEqual({
    error: 'string',
    message: 'string',
    details: true,
  });
  expect(body.error).not.toBe('');
  expect(body.message).not.toBe('');
  for (const detail of body.details) expect(detail).toEqual({ field: expect.any(String), message: expect.any(String) });
  for (const field of fields) expect(body.details.map((detail) => detail.field)).toContain(field);
  return body;
}
