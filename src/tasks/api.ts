import { withHeaders } from '@elysiajs/openapi';
import { Elysia, t } from 'elysia';
import type { ApiAuthentication } from '../accounts/gate';
import { describedAs, ERROR_MODELS, errorResponses } from '../http/api-schemas';
import { negotiate } from '../http/content-encoding';
import { requestKeyOf } from '../http/idempotency-key';
import { readJsonBody } from '../http/request-body';
import { createResponseCache } from '../http/response-cache';
import { todayIn } from '../lib/calendar-date';
import {
  BulkConflictSchema,
  BulkRequestSchema,
  BulkResultSchema,
  ConflictSchema,
  DELETED_KEPT_DAYS,
  listQueryOf,
  TASK_MODELS,
  TaskCreateSchema,
  TaskIdParams,
  TaskListQuery,
  TaskPageSchema,
  TaskPatchSchema,
  TaskSchema,
} from './model';
import { searchWords } from './search';
import type { TaskService } from './service';

/** The JSON REST API for tasks. Reads and writes through the same service as the HTML pages. */

const etagOf = (version: number) => `"${version}"`;

/**
 * The version an If-Match header demands: null when absent or `*` (any version will do). A header
 * naming no version of ours can never match, so it demands version 0, which no task has.
 */
export function expectedVersion(ifMatch: string | undefined): number | null {
  if (ifMatch === undefined || ifMatch.trim() === '*') return null;
  const match = /^\s*(?:W\/)?"(\d{1,10})"\s*$/.exec(ifMatch);
  return match ? Number(match[1]) : 0;
}

const IfMatchHeaders = t.Object({
  'if-match': t.Optional(
    t.String({
      description: 'The ETag you last read; the change is refused with 412 if the task changed since',
      examples: ['"3"'],
    }),
  ),
});

const IdempotencyHeaders = t.Object({
  'idempotency-key': t.Optional(
    t.String({
      description:
        'Any unique string (up to 128 of A–Z a–z 0–9 . _ : -). Retrying with the same key and the same task returns the task the first try created (as it is now), with Idempotent-Replayed: true, instead of a second task. The same key with a different task (title, notes, priority or due date, compared after trimming and defaults) answers 422 idempotency_key_reused and creates nothing.',
      examples: ['3f6c0a8e-7b4d-4f3a-9d7e-2b1c5e8f9a10'],
    }),
  ),
});

const ETag = t.String({ description: 'The task version, for If-Match', examples: ['"3"'] });
const TaskWithEtag = (description: string) => withHeaders(describedAs(TaskSchema, description), { ETag });
/** A stale If-Match: the current task, and its version as the ETag to retry with. */
const Conflict = withHeaders(ConflictSchema, {
  ETag: t.String({ description: 'The current version of the task, for the next If-Match', examples: ['"4"'] }),
});

// The JSON reader runs first and answers every body; 'json' only tells OpenAPI the media type.
const jsonOnly = [({ request }: { request: Request }) => readJsonBody(request), 'json' as const];

const TAG = ['Tasks'];

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The cache key of a list query, normalised as the search is: words it ignores (too short, stop
 * words, repeats, case) share one entry, so they cannot be used to fill memory with copies. Every
 * field in a fixed order, so no two queries share a key.
 */
function listKey({ status, q, priority, due, sort, limit, cursor }: TaskListQuery): string {
  return JSON.stringify([status, searchWords(q).join(' '), priority, due, sort, limit, cursor]);
}

export function createTaskApi(service: TaskService, authentication: ApiAuthentication) {
  // List pages by account and query, kept for the version of that account's list (see
  // src/http/response-cache.ts): no answer kept for one account is ever served to another.
  const listPages = createResponseCache({ maxBytes: 32 * 1024 * 1024 });

  return new Elysia({ name: 'task-api', prefix: '/api', normalize: false })
    .use(authentication)
    .model({ ...ERROR_MODELS, ...TASK_MODELS })
    .get(
      '/tasks',
      async ({ query: asSent, headers, account }) => {
        const query = listQueryOf(asSent);
        const version = await service.listVersion(account.id, account.alongside);
        // A due view moves with the account's date, so its kept answers are per date too.
        const today = query.due ? todayIn(account.time_zone) : undefined;
        const key = `${account.id}|${listKey(query)}${today ? `|${today}` : ''}`;
        const body = await listPages.get(key, version, async () =>
          JSON.stringify(await service.listTasks(account.id, query, today)),
        );
        const { body: sent, headers: encoding } = negotiate(body, headers['accept-encoding']);
        return new Response(sent, { headers: { 'content-type': JSON_TYPE, vary: 'Accept-Encoding', ...encoding } });
      },
      {
        query: TaskListQuery,
        response: { 200: describedAs(TaskPageSchema, 'One page of tasks'), ...errorResponses(401, 422, 503) },
        detail: {
          operationId: 'listTasks',
          summary: 'List tasks',
          description: 'Filter, search and sort tasks. Pages by keyset: pass next_cursor back as cursor.',
          tags: TAG,
        },
      },
    )
    .post(
      '/tasks',
      async ({ body, headers, set, status, account }) => {
        const { task, replayed } = await service.createTask(account.id, body, requestKeyOf(headers));
        set.headers.location = `/api/tasks/${task.id}`;
        set.headers.etag = etagOf(task.version);
        if (replayed) set.headers['idempotent-replayed'] = 'true';
        return status(201, task);
      },
      {
        parse: jsonOnly,
        headers: IdempotencyHeaders,
        body: TaskCreateSchema,
        response: {
          201: withHeaders(describedAs(TaskSchema, 'Created'), {
            Location: t.String({ description: 'The new task', examples: ['/api/tasks/42'] }),
            ETag,
            'Idempotent-Replayed': t.Literal('true', {
              description:
                'Sent only when an Idempotency-Key repeated an earlier create: the task is that one, not a new one',
            }),
          }),
          ...errorResponses(400, 401, 413, 415, 422, 503),
        },
        detail: {
          operationId: 'createTask',
          summary: 'Create a task',
          description: 'Answers 201 with the task and its Location.',
          tags: TAG,
        },
      },
    )
    .post('/tasks/bulk', ({ body, account }) => service.bulkChange(account.id, body), {
      parse: jsonOnly,
      body: BulkRequestSchema,
      response: {
        200: describedAs(BulkResultSchema, 'Done, to every task named'),
        // A copy: Elysia writes into a response schema it validates with, and this one is the named component.
        412: describedAs(BulkConflictSchema, 'Some tasks changed since the versions given; nothing was written'),
        ...errorResponses(400, 401, 404, 413, 415, 422, 503),
      },
      detail: {
        operationId: 'changeTasks',
        summary: 'Change many tasks at once',
        description:
          'Complete, reopen, delete or restore up to 1,000 tasks, or clear every completed one: all of it or none. ' +
          'A task missing answers 404; a version given that is not the current one answers 412 with those tasks; ' +
          'either way nothing changes. A delete answers deleted_at: restore with it to undo the whole delete.',
        tags: TAG,
      },
    })
    .get(
      '/tasks/:id',
      async ({ params, set, account }) => {
        const task = await service.getTask(account.id, params.id);
        set.headers.etag = etagOf(task.version);
        return task;
      },
      {
        params: TaskIdParams,
        response: { 200: TaskWithEtag('The task'), ...errorResponses(401, 404, 422, 503) },
        detail: {
          operationId: 'getTask',
          summary: 'Get a task',
          description: 'The ETag header carries the version.',
          tags: TAG,
        },
      },
    )
    .patch(
      '/tasks/:id',
      async ({ params, body, headers, set, account }) => {
        const task = await service.updateTask(account.id, params.id, body, expectedVersion(headers['if-match']));
        set.headers.etag = etagOf(task.version);
        return task;
      },
      {
        params: TaskIdParams,
        headers: IfMatchHeaders,
        parse: jsonOnly,
        body: TaskPatchSchema,
        response: {
          200: TaskWithEtag('The changed task'),
          412: Conflict,
          ...errorResponses(400, 401, 404, 413, 415, 422, 503),
        },
        detail: {
          operationId: 'updateTask',
          summary: 'Change a task',
          description: 'Send any of the fields. With If-Match, a stale version answers 412 and the current task.',
          tags: TAG,
        },
      },
    )
    .delete(
      '/tasks/:id',
      async ({ params, headers, status, account }) => {
        await service.deleteTask(account.id, params.id, expectedVersion(headers['if-match']));
        return status(204, undefined);
      },
      {
        params: TaskIdParams,
        headers: IfMatchHeaders,
        response: {
          204: t.Void({ description: 'Deleted' }),
          412: Conflict,
          ...errorResponses(401, 404, 422, 503),
        },
        detail: {
          operationId: 'deleteTask',
          summary: 'Delete a task',
          description: `With If-Match, a stale version answers 412. A deleted task can be restored for ${DELETED_KEPT_DAYS} days.`,
          tags: TAG,
        },
      },
    )
    .post(
      '/tasks/:id/restore',
      async ({ params, set, account }) => {
        const task = await service.restoreTask(account.id, params.id);
        set.headers.etag = etagOf(task.version);
        return task;
      },
      {
        params: TaskIdParams,
        response: { 200: TaskWithEtag('The task, back in its lists'), ...errorResponses(401, 404, 422, 503) },
        detail: {
          operationId: 'restoreTask',
          summary: 'Restore a deleted task',
          description:
            `Undoes a delete within ${DELETED_KEPT_DAYS} days: the task comes back with its id and one version more. ` +
            'Restoring a task that is back already answers it as it is; 404 when it was never deleted or was purged.',
          tags: TAG,
        },
      },
    );
}
