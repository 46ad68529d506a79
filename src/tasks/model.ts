import { type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import { type Static, t } from 'elysia';
// The schemas below check `date` and `date-time` with our strict checks, registered there.
import '../http/formats';
import { ErrorSchema, urlId, urlIntegerText } from '../http/api-schemas';

/**
 * The task's types and schemas: the single source for validation and the OpenAPI document.
 * Length rules that count characters after trimming live in the service (see limits below),
 * because JSON Schema's maxLength counts UTF-16 units before any trimming.
 */

export const TITLE_MAX = 200;
export const NOTES_MAX = 5_000;
export const SEARCH_MAX = 200;
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 100;
/** How long a deleted task can be restored (undo), after which it is purged. */
export const DELETED_KEPT_DAYS = 30;
/** The longest cursor accepted. Ours are a few dozen characters; the pages echo one into redirects (list-view.ts). */
export const CURSOR_MAX = 512;

export const STATUSES = ['open', 'done'] as const;
/** Rows per status in task_counts (see migration 3). */
export const COUNT_SHARDS = 16;
export const PRIORITIES = ['low', 'normal', 'high'] as const;
export const SORTS = ['created', 'due', 'priority'] as const;
/** What is due: open tasks overdue, due today, due within the week (src/tasks/due-views.ts). */
export const DUE_VIEWS = ['overdue', 'today', 'week'] as const;

export type TaskStatus = (typeof STATUSES)[number];
export type TaskPriority = (typeof PRIORITIES)[number];
export type TaskSort = (typeof SORTS)[number];
export type DueView = (typeof DUE_VIEWS)[number];

/** How many tasks are open and how many done, for the status filter's badges. */
export type StatusCounts = Record<TaskStatus, number>;

/**
 * What the task page shows: a status filter or a due view, a search, a priority, an order and a
 * page cursor, all in the URL so that links, reloads, Back/Forward and forms without JavaScript
 * agree on one state.
 */
export interface ListView {
  status: TaskStatus | 'all';
  q: string;
  cursor?: string;
  /** Open tasks by where their due date falls (due-views.ts); status is then 'all'. */
  due?: DueView;
  /** Left out for newest first; a due view is always in due-date order (its index serves only that). */
  sort?: TaskSort;
  /** Only tasks of this priority. */
  priority?: TaskPriority;
}

const example = {
  id: 42,
  title: 'Renew the TLS certificate',
  notes: 'The ALB listener uses it; check the expiry alarm afterwards.',
  status: 'open',
  priority: 'high',
  due_date: '2026-12-01',
  created_at: '2026-11-20T09:15:00.000Z',
  updated_at: '2026-11-21T16:02:11.250Z',
  completed_at: null,
  version: 3,
} as const;

/**
 * An enum as a union of literals. Not t.UnionEnum: Elysia fills a missing optional UnionEnum with
 * its first member, which would silently turn an omitted priority into "low".
 */
function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) {
  return t.Union(
    values.map((value) => t.Literal(value)),
    { ...options, error: `must be one of: ${values.join(', ')}` },
  ) as unknown as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;
}

const Status = oneOf(STATUSES, { description: 'open or done' });
const Priority = oneOf(PRIORITIES, { description: 'low, normal or high' });
const DueDate = t.Union([t.String({ format: 'date', examples: ['2026-12-01'] }), t.Null()], {
  description: 'A calendar date (YYYY-MM-DD) or null for none',
  error: 'must be a real date as YYYY-MM-DD',
});
const Title = t.String({
  error: 'must be a string',
  description: `1–${TITLE_MAX} characters after trimming; invisible characters alone (zero-width, fillers, marks) count as empty`,
  examples: ['Renew the TLS certificate'],
});
const Notes = t.String({
  error: 'must be a string',
  description: `Up to ${NOTES_MAX} characters`,
  examples: ['Check the expiry alarm.'],
});

export const TaskSchema = t.Object(
  {
    // Plain TypeBox integers: Elysia's t.Integer also admits numeric strings, and a reply holds real numbers.
    id: Type.Integer({ minimum: 1 }),
    title: t.String(),
    notes: t.String(),
    status: Status,
    priority: Priority,
    due_date: t.Union([t.String({ format: 'date' }), t.Null()]),
    created_at: t.String({ format: 'date-time' }),
    updated_at: t.String({ format: 'date-time' }),
    completed_at: t.Union([t.String({ format: 'date-time' }), t.Null()]),
    version: Type.Integer({ minimum: 1, description: 'Starts at 1 and grows by 1 on every change; the ETag' }),
  },
  { title: 'Task', examples: [example] },
);
export type Task = Static<typeof TaskSchema>;

export const TaskCreateSchema = t.Object(
  {
    title: Title,
    notes: t.Optional(Notes),
    priority: t.Optional(Priority),
    due_date: t.Optional(DueDate),
  },
  {
    additionalProperties: false,
    title: 'TaskCreate',
    examples: [{ title: 'Renew the TLS certificate', priority: 'high', due_date: '2026-12-01' }],
  },
);
export type TaskCreate = Static<typeof TaskCreateSchema>;

export const TaskPatchSchema = t.Object(
  {
    title: t.Optional(Title),
    notes: t.Optional(Notes),
    status: t.Optional(Status),
    priority: t.Optional(Priority),
    due_date: t.Optional(DueDate),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    error: 'send at least one of: title, notes, status, priority, due_date',
    title: 'TaskPatch',
    description: 'Any of the fields to change; at least one',
    examples: [{ status: 'done' }],
  },
);
export type TaskPatch = Static<typeof TaskPatchSchema>;

export const TaskIdParams = t.Object({ id: urlId('task', 42) });

export const TaskListQuery = t.Object(
  {
    status: t.Optional(oneOf(['open', 'done', 'all'], { default: 'all', description: 'Filter by status' })),
    q: t.Optional(
      t.String({
        maxLength: SEARCH_MAX,
        description:
          'Words to find in title and notes, each as the start of a word ("mil" finds "milk"); all must match. Words under 3 letters are ignored',
        examples: ['tls'],
        error: `must be at most ${SEARCH_MAX} characters`,
      }),
    ),
    priority: t.Optional(oneOf(PRIORITIES, { description: 'Filter by priority' })),
    due: t.Optional(
      oneOf(DUE_VIEWS, {
        description:
          "Open tasks overdue (due before today), due today, or due this week (today and the next six days); today in the account's time zone",
      }),
    ),
    sort: t.Optional(
      oneOf(SORTS, {
        default: 'created',
        description: 'created: newest first; due: earliest due date first, undated last; priority: highest first',
      }),
    ),
    // Text, made a number by the route (listQueryOf): a Transform anywhere in a query schema makes
    // Elysia decode the whole query on every request (twice, in 1.4.30), a few % of a cached list.
    limit: t.Optional(
      urlIntegerText({
        pattern: `^(${PAGE_MAX}|[1-9][0-9]?)$`,
        minimum: 1,
        maximum: PAGE_MAX,
        default: PAGE_DEFAULT,
        description: `Page size, 1 to ${PAGE_MAX}`,
        error: `must be a whole number from 1 to ${PAGE_MAX}`,
        example: 20,
      }),
    ),
    cursor: t.Optional(
      t.String({
        maxLength: CURSOR_MAX,
        description: 'Opaque next_cursor from the previous page; keep the same filters',
      }),
    ),
  },
  { additionalProperties: false },
);
/** The list query as the service takes it: the page size as a number. */
export type TaskListQuery = Omit<Static<typeof TaskListQuery>, 'limit'> & { limit?: number };
export const listQueryOf = ({ limit, ...query }: Static<typeof TaskListQuery>): TaskListQuery =>
  limit === undefined ? query : { ...query, limit: Number(limit) };

export const TaskPageSchema = t.Object(
  {
    items: t.Array(TaskSchema),
    next_cursor: t.Union([t.String(), t.Null()], { description: 'Pass as cursor for the next page; null at the end' }),
  },
  { title: 'TaskPage', examples: [{ items: [example], next_cursor: null }] },
);

export const ConflictSchema = t.Composite([ErrorSchema, t.Object({ current: TaskSchema })], {
  title: 'VersionConflict',
  description: 'The task changed since the version in If-Match; nothing was written. current is the task now.',
  examples: [
    {
      error: 'version_conflict',
      message: 'This task was changed elsewhere',
      details: [],
      current: example,
    },
  ],
});

/** The most tasks one bulk change may name: ten pages of the longest list page. */
export const BULK_MAX = 1_000;
export const BULK_ACTIONS = ['complete', 'reopen', 'delete', 'restore', 'clear_completed'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export const BulkRequestSchema = t.Object(
  {
    action: oneOf(BULK_ACTIONS, {
      description:
        'complete, reopen, delete or restore the tasks named; restore may name a deleted_at instead; clear_completed deletes every done task and names nothing',
    }),
    tasks: t.Optional(
      t.Array(
        t.Object(
          {
            id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
            version: t.Optional(
              Type.Integer({
                minimum: 1,
                description: 'The version the task was seen at: another one refuses all (412)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          maxItems: BULK_MAX,
          description: `1 to ${BULK_MAX} tasks, each named once`,
          error: `must list 1 to ${BULK_MAX} tasks as {id, version}`,
        },
      ),
    ),
    deleted_at: t.Optional(
      t.String({
        format: 'date-time',
        description: 'restore only: every task deleted at this instant (the deleted_at a bulk delete answered)',
        error: 'must be a date-time, as a bulk delete answered it',
      }),
    ),
  },
  {
    additionalProperties: false,
    title: 'BulkRequest',
    examples: [{ action: 'complete', tasks: [{ id: 42, version: 3 }, { id: 43 }] }],
  },
);
export type BulkRequest = Static<typeof BulkRequestSchema>;

export const BulkResultSchema = t.Object(
  {
    action: oneOf(BULK_ACTIONS),
    count: Type.Integer({ minimum: 0, description: 'How many tasks the change covers' }),
    ids: t.Array(Type.Integer({ minimum: 1 }), { description: 'The tasks it covers' }),
    deleted_at: t.Optional(
      t.String({ format: 'date-time', description: 'delete and clear_completed: restore them all with this' }),
    ),
  },
  {
    title: 'BulkResult',
    examples: [{ action: 'delete', count: 2, ids: [42, 43], deleted_at: '2026-12-02T10:15:00.000Z' }],
  },
);
export type BulkResult = Static<typeof BulkResultSchema>;

export const BulkConflictSchema = t.Composite([ErrorSchema, t.Object({ current: t.Array(TaskSchema) })], {
  title: 'BulkVersionConflict',
  description: 'Some tasks changed since the versions given; nothing was written. current holds those tasks now.',
  examples: [
    { error: 'version_conflict', message: 'Some tasks were changed elsewhere', details: [], current: [example] },
  ],
});

/** The task schemas by the names the OpenAPI document gives them (Elysia's `.model`): each name is its title. */
export const TASK_MODELS = {
  Task: TaskSchema,
  TaskPage: TaskPageSchema,
  TaskCreate: TaskCreateSchema,
  TaskPatch: TaskPatchSchema,
  VersionConflict: ConflictSchema,
  BulkRequest: BulkRequestSchema,
  BulkResult: BulkResultSchema,
  BulkVersionConflict: BulkConflictSchema,
};
