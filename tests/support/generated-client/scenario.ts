import { expect } from 'bun:test';
import createClient, { type Client } from 'openapi-fetch';
// Generated from the live document by tests/integration/generated-client.test.ts (openapi-typescript).
import type { components, paths } from 'task-manager-api';

/**
 * A script as an API user writes it: a client typed from the OpenAPI document alone (nothing of
 * src/), driving every operation. It is type-checked under `tsc --strict` against types generated
 * afresh from the document, so a field, parameter or status the document changes breaks it here.
 */

type Task = components['schemas']['Task'];

export interface ScenarioOptions {
  baseUrl: string;
  token: string;
  fetch: (request: Request) => Promise<Response>;
}

export async function runScenario({ baseUrl, token, fetch }: ScenarioOptions): Promise<void> {
  const api = createClient<paths>({ baseUrl, fetch, headers: { authorization: `Bearer ${token}` } });
  const tasks = await createThree(api);
  await filterAndPage(api, tasks);
  await changeWithIfMatch(api, tasks[0] as Task);
  await refuseBadInput(api);
  await deleteAndRestore(api, tasks[1] as Task);
  await changeInBulk(api, tasks);
  await exportAndImport(api, tasks.length);
  await useAndRevokeAToken(baseUrl, fetch, api);
}

type Api = Client<paths>;

async function createThree(api: Api): Promise<Task[]> {
  const body = { title: 'Renew the TLS certificate', priority: 'high', due_date: '2026-12-01' } as const;
  const first = await api.POST('/api/tasks', { body, params: { header: { 'idempotency-key': 'scenario-tls' } } });
  expect(first.response.status).toBe(201);
  const created = first.data as Task;
  expect(first.response.headers.get('location')).toBe(`/api/tasks/${created.id}`);
  expect(first.response.headers.get('etag')).toBe(`"${created.version}"`);

  // A retry with the same key is the same task, said so in a header.
  const retry = await api.POST('/api/tasks', { body, params: { header: { 'idempotency-key': 'scenario-tls' } } });
  expect(retry.data?.id).toBe(created.id);
  expect(retry.response.headers.get('idempotent-replayed')).toBe('true');

  const tasks = [created];
  for (const title of ['Water the plants', 'Book the dentist']) {
    tasks.push((await api.POST('/api/tasks', { body: { title } })).data as Task);
  }
  return tasks;
}

async function filterAndPage(api: Api, tasks: Task[]) {
  const high = await api.GET('/api/tasks', { params: { query: { priority: 'high', status: 'open' } } });
  expect(high.data?.items.map((task) => task.id)).toEqual([tasks[0]?.id as number]);

  const seen: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.GET('/api/tasks', { params: { query: { limit: 2, sort: 'created', cursor } } });
    if (!page.data) throw new Error(`listing answered ${page.response.status}`);
    expect(page.data.items.length).toBeLessThanOrEqual(2);
    seen.push(...page.data.items.map((task) => task.id));
    cursor = page.data.next_cursor ?? undefined;
  } while (cursor);
  // Newest first, each once.
  expect(seen).toEqual(tasks.map((task) => task.id).toReversed());
}

async function changeWithIfMatch(api: Api, task: Task) {
  const read = await api.GET('/api/tasks/{id}', { params: { path: { id: task.id } } });
  const etag = read.response.headers.get('etag') ?? '';
  const changed = await api.PATCH('/api/tasks/{id}', {
    params: { path: { id: task.id }, header: { 'if-match': etag } },
    body: { status: 'done' },
  });
  expect(changed.data?.status).toBe('done');
  expect(changed.data?.completed_at).not.toBeNull();
  expect(changed.data?.version).toBe(task.version + 1);

  // The version read before is stale now: 412 with the task as it is, and its ETag.
  const stale = await api.PATCH('/api/tasks/{id}', {
    params: { path: { id: task.id }, header: { 'if-match': etag } },
    body: { title: 'Lost update' },
  });
  expect(stale.response.status).toBe(412);
  const conflict = stale.error as components['schemas']['VersionConflict'];
  expect(conflict.error).toBe('version_conflict');
  expect(conflict.current.title).toBe(task.title);
  expect(stale.response.headers.get('etag')).toBe(`"${conflict.current.version}"`);
}

async function refuseBadInput(api: Api) {
  const empty = await api.POST('/api/tasks', { body: { title: '   ' } });
  expect(empty.response.status).toBe(422);
  expect(empty.error?.details.map((detail) => detail.field)).toEqual(['title']);

  const missing = await api.GET('/api/tasks/{id}', { params: { path: { id: 999_999_999 } } });
  expect(missing.response.status).toBe(404);
  expect(missing.error?.error).toBe('not_found');
}

async function deleteAndRestore(api: Api, task: Task) {
  const path = { id: task.id };
  const deleted = await api.DELETE('/api/tasks/{id}', {
    params: { path, header: { 'if-match': `"${task.version}"` } },
  });
  expect(deleted.response.status).toBe(204);
  expect((await api.GET('/api/tasks/{id}', { params: { path } })).response.status).toBe(404);
  const restored = await api.POST('/api/tasks/{id}/restore', { params: { path } });
  expect(restored.data?.id).toBe(task.id);
}

async function changeInBulk(api: Api, tasks: Task[]) {
  const ids = tasks.map((task) => ({ id: task.id }));
  const completed = await api.POST('/api/tasks/bulk', { body: { action: 'complete', tasks: ids } });
  expect(completed.data).toMatchObject({ action: 'complete', count: tasks.length });

  const stale = await api.POST('/api/tasks/bulk', {
    body: { action: 'reopen', tasks: [{ id: tasks[2]?.id as number, version: 1 }] },
  });
  expect(stale.response.status).toBe(412);
  const conflict = stale.error as components['schemas']['BulkVersionConflict'];
  expect(conflict.current.map((task) => task.id)).toEqual([tasks[2]?.id as number]);
}

async function exportAndImport(api: Api, count: number) {
  const csv = await api.GET('/api/export.csv', { parseAs: 'text' });
  expect(csv.response.headers.get('content-disposition')).toStartWith('attachment');
  expect(csv.data?.trim().split('\r\n')).toHaveLength(count + 1);

  const json = await api.GET('/api/export.json');
  const exported = json.data as components['schemas']['TaskExport'];
  expect(exported.tasks).toHaveLength(count);

  // The file's tasks are added once (as copies); the same file again adds nothing.
  const imported = await api.POST('/api/import', { body: exported });
  expect(imported.data).toMatchObject({ added: count, already_imported: 0 });
  const again = await api.POST('/api/import', { body: exported });
  expect(again.data).toMatchObject({ added: 0, already_imported: count });
}

async function useAndRevokeAToken(baseUrl: string, fetch: ScenarioOptions['fetch'], api: Api) {
  const made = await api.POST('/api/tokens', { body: { name: 'Backup script' } });
  const token = made.data as components['schemas']['NewApiToken'];
  expect(token.token).toStartWith('tm_');
  const listed = await api.GET('/api/tokens');
  expect(listed.data?.map((each) => each.name)).toContain('Backup script');

  const script = createClient<paths>({ baseUrl, fetch, headers: { authorization: `Bearer ${token.token}` } });
  expect((await script.GET('/api/tasks')).response.status).toBe(200);
  const revoked = await api.DELETE('/api/tokens/{id}', { params: { path: { id: token.id } } });
  expect(revoked.response.status).toBe(204);
  const refused = await script.GET('/api/tasks');
  expect(refused.response.status).toBe(401);
  expect(refused.error?.error).toBe('unauthorized');
}
