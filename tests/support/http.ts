import { expect } from 'bun:test';
import type { ErrorBody, Task } from '../../src/tasks/model';

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

export function createApiClient(app: Handler) {
  async function send<Body = unknown>(method: string, path: string, options: SendOptions = {}): Promise<Reply<Body>> {
    const headers = new Headers(options.headers);
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
