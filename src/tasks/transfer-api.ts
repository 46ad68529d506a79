import { withHeaders } from '@elysiajs/openapi';
import { Type } from '@sinclair/typebox';
import { Elysia, t } from 'elysia';
import type { ApiAuthentication } from '../accounts/gate';
import { describedAs, ERROR_MODELS, ErrorSchema, errorResponses } from '../http/api-schemas';
import { HttpError } from '../http/http-error';
import { type BodyLimit, bodyReadByHandler, readLimitedBytes } from '../http/request-body';
import { exportAnswer } from './export-answer';
import { EXPORT_FORMAT, ExportDocumentSchema, type FileKind, IMPORT_MAX_BYTES, IMPORT_MAX_TASKS } from './transfer';
import type { TransferService } from './transfer-service';

/** The JSON API's export and import: the same service and files as the pages' (src/tasks/transfer-pages.tsx). */

const TAG = ['Export and import'];
const IMPORT_PATH = '/api/import';

/** The one route that takes more than 64 KB: the file itself is the body. */
export const API_IMPORT_BODY_LIMITS: Record<string, BodyLimit> = {
  [IMPORT_PATH]: { bytes: IMPORT_MAX_BYTES, message: `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB` },
};

const RowProblemSchema = t.Object(
  {
    line: t.Union([Type.Integer({ minimum: 1 }), t.Null()], {
      description: 'The line of the file the row starts on; null for the file as a whole',
    }),
    field: t.String({ description: 'The column (or JSON field); "file" for the file as a whole', examples: ['title'] }),
    message: t.String({ examples: ['must not be empty'] }),
  },
  { title: 'RowProblem', examples: [{ line: 4, field: 'title', message: 'must not be empty' }] },
);

const ImportResultSchema = t.Object(
  {
    added: Type.Integer({ minimum: 0, description: 'Tasks stored now' }),
    already_imported: Type.Integer({
      minimum: 0,
      description: 'Tasks of the file that an earlier import stored already (and were left as they are)',
    }),
    notices: t.Array(RowProblemSchema, {
      description: 'Rows stored otherwise than written: a Todoist date in words is left out',
    }),
  },
  {
    title: 'ImportResult',
    examples: [
      {
        added: 2,
        already_imported: 1,
        notices: [
          { line: 3, field: 'DATE', message: '“every day” is not a calendar date: imported without a due date' },
        ],
      },
    ],
  },
);

const ImportRefusedSchema = t.Object(
  {
    error: ErrorSchema.properties.error,
    message: ErrorSchema.properties.message,
    details: t.Array(RowProblemSchema),
  },
  {
    title: 'ImportRefused',
    description: 'Every refused row with its line; nothing was stored',
    examples: [
      {
        error: 'validation_failed',
        message: 'Nothing was imported: one row cannot be imported as written',
        details: [{ line: 4, field: 'title', message: 'must not be empty' }],
      },
    ],
  },
);

const Download = (schema: Parameters<typeof describedAs>[0], description: string) =>
  withHeaders(describedAs(schema, description), {
    'Content-Disposition': t.String({ examples: ['attachment; filename="tasks-2026-11-21.csv"'] }),
  });

const CsvExportSchema = t.String({
  // A JSON Schema keyword: src/http/api-docs.tsx documents the answer under this media type.
  contentMediaType: 'text/csv',
  examples: [
    'id,title,notes,status,priority,due_date,created_at,updated_at,completed_at\r\n' +
      '42,Renew the TLS certificate,,open,high,2026-12-01,2026-11-20T09:15:00.000Z,2026-11-21T16:02:11.250Z,\r\n',
  ],
});

/** The transfer schemas by the names the OpenAPI document gives them (Elysia's `.model`): each name is its title. */
const TRANSFER_MODELS = {
  TaskExport: ExportDocumentSchema,
  ImportResult: ImportResultSchema,
  ImportRefused: ImportRefusedSchema,
  RowProblem: RowProblemSchema,
};

const CSV_EXAMPLE =
  'title,notes,priority,due_date\r\nRenew the TLS certificate,Check the expiry alarm.,high,2026-12-01\r\n';

const exportDetail = (operationId: string, format: string, description: string) => ({
  operationId,
  summary: `Export every task as ${format}`,
  description: `${description} Streamed as it is read: any number of tasks, newest first, as a download named tasks-<date>.`,
  tags: TAG,
});

/** The kind of file a Content-Type names; 415 for any other. */
function declaredKind(contentType: string | null): FileKind {
  if (/^text\/csv\s*(;|$)/i.test(contentType ?? '')) return 'csv';
  if (/^application\/json\s*(;|$)/i.test(contentType ?? '')) return 'json';
  throw new HttpError(415, 'unsupported_media_type', 'Send the file as text/csv or application/json', [
    { field: 'content-type', message: `must be text/csv or application/json, got "${contentType || 'none'}"` },
  ]);
}

export function createTransferApi(service: TransferService, authentication: ApiAuthentication) {
  return new Elysia({ name: 'transfer-api', prefix: '/api', normalize: false })
    .use(authentication)
    .model({ ...ERROR_MODELS, ...TRANSFER_MODELS })
    .get('/export.csv', ({ account }) => exportAnswer(service.exportedTasks(account.id), 'csv', new Date()), {
      response: { 200: Download(CsvExportSchema, 'Every task as CSV'), ...errorResponses(401, 503) },
      detail: exportDetail(
        'exportTasksCsv',
        'CSV',
        'RFC 4180, UTF-8 with a byte-order mark, CRLF, a header row. A cell that starts with = + - @ or an apostrophe gets an apostrophe before it, so spreadsheets never run it as a formula; POST /api/import takes it off again.',
      ),
    })
    .get('/export.json', ({ account }) => exportAnswer(service.exportedTasks(account.id), 'json', new Date()), {
      response: { 200: Download(ExportDocumentSchema, 'Every task as JSON'), ...errorResponses(401, 503) },
      detail: exportDetail(
        'exportTasksJson',
        'JSON',
        `A document of format "${EXPORT_FORMAT}" holding every task as GET /api/tasks/{id} shows it.`,
      ),
    })
    .post(
      '/import',
      async ({ request, account }) => {
        const kind = declaredKind(request.headers.get('content-type'));
        const bytes = await readLimitedBytes(request, API_IMPORT_BODY_LIMITS[IMPORT_PATH]);
        return service.importPlan(account.id, service.plan(bytes, kind));
      },
      {
        parse: bodyReadByHandler,
        response: {
          200: describedAs(ImportResultSchema, 'What the import stored'),
          413: describedAs(ErrorSchema, `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`),
          415: describedAs(ErrorSchema, 'The body is neither text/csv nor application/json'),
          422: describedAs(ImportRefusedSchema, 'Rows (or the file) that cannot be imported; nothing was stored'),
          ...errorResponses(401, 503),
        },
        detail: {
          operationId: 'importTasks',
          summary: 'Import tasks',
          description:
            `Our CSV or JSON export, or a Todoist CSV export (rows of TYPE task: CONTENT the title, DESCRIPTION the notes, PRIORITY 1 high, 2–3 normal, 4 low, DATE kept when it is a date such as 2026-05-01 and left out with a notice when it is words). At most ${IMPORT_MAX_BYTES / 1024 / 1024} MB and ${IMPORT_MAX_TASKS.toLocaleString('en')} tasks. ` +
            'All or nothing: one row breaking a rule (the same rules as POST /api/tasks) refuses the whole file with every such row and its line. ' +
            'Safe to repeat: each task is keyed by its content (and its place among tasks alike in the file), so importing a file again adds only what it did not add before.',
          tags: TAG,
          requestBody: {
            required: true,
            content: {
              'text/csv': { schema: { type: 'string' }, example: CSV_EXAMPLE },
              'application/json': {
                schema: { $ref: '#/components/schemas/TaskExport' },
                example: ExportDocumentSchema.examples[0],
              },
            },
          },
        },
      },
    );
}
