import { createHash } from 'node:crypto';
import { t } from 'elysia';
import { FORMATS } from '../http/formats';
import { CsvSyntaxError, csvRecord, csvRecords, defused, restored } from '../lib/csv';
import type { ErrorDetail } from '../lib/domain-errors';
import { PRIORITIES, STATUSES, type Task, type TaskPriority, TaskSchema } from './model';
import { checkTaskFields, fingerprintOf } from './service';
import type { ImportedTask } from './store';

/**
 * The files tasks travel in: our CSV and our JSON (written by the export, read by the import) and
 * Todoist's CSV (read only). Writing knows nothing of the database; reading turns a file into an
 * ImportPlan, checked by the same rules as a task made by hand (checkTaskFields), every refused row
 * named by its line.
 */

/** What our JSON export says it is; an import refuses any other name or version. */
export const EXPORT_FORMAT = 'task-manager/1';
/** The largest file an import reads: 5 MB, and at most IMPORT_MAX_TASKS tasks in it. */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
export const IMPORT_MAX_TASKS = 10_000;
/** Ours has 9 columns and Todoist's 14: a file with many more is neither, and is not read further. */
const CSV_MAX_COLUMNS = 100;

export type FileKind = 'csv' | 'json';

export const EXPORT_CONTENT_TYPES: Record<FileKind, string> = {
  // RFC 4180's own parameter says the first record names the columns.
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
};

export const exportFileName = (kind: FileKind, at: Date) => `tasks-${at.toISOString().slice(0, 10)}.${kind}`;

/** Our CSV's columns, in order: every field of a task but its version. */
const CSV_COLUMNS = [
  'id',
  'title',
  'notes',
  'status',
  'priority',
  'due_date',
  'created_at',
  'updated_at',
  'completed_at',
] as const satisfies readonly (keyof Task)[];

/** An export file in pieces, so that it can be sent a batch of tasks at a time. */
export interface ExportWriter {
  opening: string;
  batch(tasks: readonly Task[]): string;
  closing: string;
}

export function exportWriter(kind: FileKind, exportedAt: Date): ExportWriter {
  if (kind === 'csv') {
    const row = (task: Task) => csvRecord(CSV_COLUMNS.map((column) => defused(String(task[column] ?? ''))));
    // The byte-order mark makes Excel read the file as UTF-8 (without it, as the system's code page).
    return { opening: `\ufeff${csvRecord(CSV_COLUMNS)}`, batch: (tasks) => tasks.map(row).join(''), closing: '' };
  }
  // One task a line: a diff of two exports reads task by task.
  let separator = '\n';
  const line = (task: Task) => {
    const text = `${separator}${JSON.stringify(task)}`;
    separator = ',\n';
    return text;
  };
  const opening = `{"format":"${EXPORT_FORMAT}","exported_at":"${exportedAt.toISOString()}","tasks":[`;
  return { opening, batch: (tasks) => tasks.map(line).join(''), closing: '\n]}\n' };
}

export const ExportDocumentSchema = t.Object(
  {
    format: t.Literal(EXPORT_FORMAT, { description: 'The name and version of this format' }),
    exported_at: t.String({ format: 'date-time' }),
    tasks: t.Array(TaskSchema, { description: 'Every task, newest first' }),
  },
  {
    title: 'TaskExport',
    examples: [{ format: EXPORT_FORMAT, exported_at: '2026-11-21T16:02:11.250Z', tasks: TaskSchema.examples }],
  },
);

/** A refused row (its line, from 1) or a refused file (line null); or a note on how a row was read. */
export interface RowProblem extends ErrorDetail {
  line: number | null;
}

export type ImportFormat = 'Task Manager CSV' | 'Task Manager JSON' | 'Todoist CSV';

export interface PlannedTask {
  /** The line of the file the task starts on. */
  line: number | null;
  task: ImportedTask;
}

/** What a file would import: all of `tasks` when nothing is `refused`, else nothing. */
export interface ImportPlan {
  format: ImportFormat | null;
  tasks: PlannedTask[];
  refused: RowProblem[];
  /** What is imported otherwise than written (a date that is not a calendar date, a column we do not know). */
  notices: RowProblem[];
  /** Rows that are not tasks (Todoist's sections, comments and view settings). */
  skipped: number;
}

/** A task's fields as a file gives them, before any check. */
type Field = 'title' | 'notes' | 'status' | 'priority' | 'due_date' | 'completed_at';
type Values = Partial<Record<Field, unknown>>;

interface RawRow {
  line: number | null;
  values: Values;
  /** What the format itself found wrong (a Todoist PRIORITY of 7). */
  problems: RowProblem[];
  notices: RowProblem[];
}

/** A file's rows in our vocabulary, and what its columns are called in it (for the messages). */
interface Rows {
  format: ImportFormat;
  labels: Record<Field, string>;
  rows: RawRow[];
  /** Rows that cannot be read as a task at all (more fields than the header names; not an object). */
  unreadable: RowProblem[];
  skipped: number;
  notices: RowProblem[];
}

type Refusal = { format: ImportFormat | null; problem: RowProblem };

const OUR_LABELS: Record<Field, string> = {
  title: 'title',
  notes: 'notes',
  status: 'status',
  priority: 'priority',
  due_date: 'due_date',
  completed_at: 'completed_at',
};

const fileProblem = (line: number | null, message: string): RowProblem => ({ line, field: 'file', message });

/**
 * Reads a file into the tasks it would import. `declared` is the kind its sender named (the API's
 * Content-Type); without one, a file starting with `{` is JSON and any other CSV. A CSV is ours or
 * Todoist's by its header.
 */
export function planImport(bytes: Uint8Array, declared: FileKind | null, now: Date): ImportPlan {
  const text = textOf(bytes);
  if (typeof text !== 'string') return refusedWhole({ format: null, problem: text });
  const kind = declared ?? (/^\s*[[{]/.test(text) ? 'json' : 'csv');
  const read = kind === 'json' ? jsonRows(text) : csvRows(text);
  if ('problem' in read) return refusedWhole(read);
  const plan = planOf(read, now);
  if (plan.tasks.length === 0 && plan.refused.length === 0) plan.refused.push(fileProblem(null, 'holds no tasks'));
  return plan;
}

const refusedWhole = ({ format, problem }: Refusal): ImportPlan => ({
  format,
  tasks: [],
  refused: [problem],
  notices: [],
  skipped: 0,
});

/** UTF-8 (a byte-order mark taken off), or UTF-16 when a byte-order mark says so; nothing else is guessed. */
function textOf(bytes: Uint8Array): string | RowProblem {
  const encoding =
    bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return fileProblem(null, 'is not UTF-8 text: save it as “CSV UTF-8”, or export it again from here');
  }
  if (text.includes('\0')) return fileProblem(null, 'is not a text file: choose a CSV or JSON file');
  if (text.trim() === '') return fileProblem(null, 'is empty');
  return text;
}

function planOf({ format, labels, rows, unreadable, skipped, notices }: Rows, now: Date): ImportPlan {
  const plan: ImportPlan = { format, tasks: [], refused: [...unreadable], notices: [...notices], skipped };
  // The n-th task with the same content in a file keeps its own key: two "Buy milk" are two tasks.
  const seen = new Map<string, number>();
  for (const row of rows) {
    const { task, problems } = checkedRow(row, labels, now);
    if (!task) {
      plan.refused.push(...problems);
      continue;
    }
    plan.notices.push(...row.notices);
    const fingerprint = fingerprintOf(task);
    const occurrence = seen.get(fingerprint) ?? 0;
    seen.set(fingerprint, occurrence + 1);
    plan.tasks.push({
      line: row.line,
      task: { ...task, request: { key: importKey(fingerprint, occurrence), fingerprint } },
    });
  }
  plan.refused.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return plan;
}

/**
 * The request key of an imported task: a hash of what it holds and of how many tasks alike came
 * before it in the file. Importing the same file again, or a later export holding the same tasks
 * and more, finds their keys taken and adds only what is new.
 */
const importKey = (fingerprint: string, occurrence: number) =>
  `import:${createHash('sha256').update(`${fingerprint}#${occurrence}`).digest('base64url')}`;

/** A row checked by the rules every task is held to; every problem at once. */
function checkedRow(row: RawRow, labels: Record<Field, string>, now: Date) {
  const problems = [...row.problems];
  const refuse = (field: string, message: string) =>
    problems.push({ line: row.line, field: labels[field as Field] ?? field, message });
  /** The text given for a field; undefined when absent or empty, null when it is not text. */
  const given = (field: Field): string | undefined | null => {
    const value = row.values[field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value;
    refuse(field, 'must be text');
    return null;
  };
  const oneOf = <T extends string>(field: Field, allowed: readonly T[], fallback: T): T => {
    const value = given(field);
    if (value === undefined || value === null) return fallback;
    if (allowed.includes(value as T)) return value as T;
    refuse(field, `must be one of: ${allowed.join(', ')}`);
    return fallback;
  };
  const [title, notes, dueDate, completedAt] = (['title', 'notes', 'due_date', 'completed_at'] as const).map(given);
  const priority = oneOf('priority', PRIORITIES, 'normal');
  const status = oneOf('status', STATUSES, 'open');
  if (completedAt && !FORMATS['date-time'](completedAt)) {
    refuse('completed_at', 'must be a date and time such as 2026-05-01T09:30:00.000Z');
  }
  // Only the fields of the right type are checked further: a number for a title is one problem, not two.
  const { changes, problems: meaning } = checkTaskFields({
    ...(title !== null && { title: title ?? '' }),
    ...(notes !== null && { notes: notes ?? '' }),
    ...(dueDate !== null && { due_date: dueDate ?? null }),
  });
  for (const { field, message } of meaning) refuse(field, message);
  if (problems.length) return { problems };
  const task: Omit<ImportedTask, 'request'> = {
    title: changes.title ?? '',
    notes: changes.notes ?? '',
    priority,
    due_date: changes.due_date ?? null,
    status,
    completed_at: status === 'done' ? (completedAt ? new Date(completedAt) : now) : null,
  };
  return { task, problems };
}

function csvRows(text: string): Rows | Refusal {
  const records = csvRecords(text, CSV_MAX_COLUMNS);
  let format: ImportFormat | null = null;
  try {
    const header = nextRecord(records);
    if (!header) return { format, problem: fileProblem(null, 'holds no tasks') };
    const names = header.fields.map((name) => name.trim());
    const todoist = names.includes('TYPE') && names.includes('CONTENT');
    format = todoist ? 'Todoist CSV' : 'Task Manager CSV';
    const columns = todoist ? TODOIST_COLUMNS : ourColumns(names);
    if ('problem' in columns) return { format, problem: columns.problem };
    const rows: RawRow[] = [];
    const unreadable: RowProblem[] = [];
    let skipped = 0;
    for (let record = nextRecord(records); record; record = nextRecord(records)) {
      const cells = Object.fromEntries(names.map((name, index) => [name, record?.fields[index] ?? '']));
      if (record.fields.length > names.length) {
        const count = record.fields.length;
        unreadable.push(fileProblem(record.line, `has ${count} fields, but the header names ${names.length}`));
      } else if (todoist && cells.TYPE?.trim().toLowerCase() !== 'task') {
        skipped++;
      } else {
        rows.push(columns.row(record.line, cells));
      }
      if (rows.length + unreadable.length > IMPORT_MAX_TASKS) return { format, problem: TOO_MANY_TASKS };
    }
    return { format, labels: columns.labels, rows, unreadable, skipped, notices: columns.notices };
  } catch (error) {
    if (error instanceof CsvSyntaxError) return { format, problem: fileProblem(error.line, error.message) };
    throw error;
  }
}

const TOO_MANY_TASKS = fileProblem(
  null,
  `holds more than ${IMPORT_MAX_TASKS.toLocaleString('en')} tasks: split it into smaller files`,
);

/** The next record that is not a blank line (Todoist's exports have some). */
function nextRecord(records: Generator<{ line: number; fields: string[] }>) {
  for (let next = records.next(); !next.done; next = records.next()) {
    if (next.value.fields.some((field) => field.trim() !== '')) return next.value;
  }
  return undefined;
}

interface Columns {
  labels: Record<Field, string>;
  notices: RowProblem[];
  row(line: number, cells: Record<string, string>): RawRow;
}

/** Columns of ours that the import reads; the others we write (id, dates of the task's life) are ours to set. */
const OUR_COLUMNS: readonly Field[] = ['title', 'notes', 'status', 'priority', 'due_date', 'completed_at'];
const OUR_WRITTEN_ONLY = ['id', 'created_at', 'updated_at', 'version'];

function ourColumns(header: string[]): Columns | { problem: RowProblem } {
  const names = header.map((name) => name.toLowerCase());
  if (!names.includes('title')) {
    return {
      problem: fileProblem(
        1,
        'must name the columns: title, and any of notes, status, priority, due_date (our export), or TYPE, CONTENT, … (a Todoist export)',
      ),
    };
  }
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) return { problem: fileProblem(1, `names the column “${repeated}” twice`) };
  const unknown = names.filter((name) => !OUR_COLUMNS.includes(name as Field) && !OUR_WRITTEN_ONLY.includes(name));
  const notices = unknown.map((name) => fileProblem(1, `has a column “${name}” that is not ours: it is not imported`));
  return {
    labels: OUR_LABELS,
    notices,
    row(line, cells) {
      const values: Values = {};
      // Cells the export defused start with an apostrophe: taken off, the task reads back as it was.
      header.forEach((name, index) => {
        const field = names[index] as Field;
        if (OUR_COLUMNS.includes(field)) values[field] = restored(cells[name] ?? '');
      });
      return { line, values, problems: [], notices: [] };
    },
  };
}

const TODOIST_LABELS: Record<Field, string> = {
  title: 'CONTENT',
  notes: 'DESCRIPTION',
  status: 'TYPE',
  priority: 'PRIORITY',
  due_date: 'DATE',
  completed_at: 'DATE',
};

/**
 * Todoist's PRIORITY in its CSV is the p-level people see: 1 is p1, the highest, 4 is p4, the
 * lowest. (Its REST API counts the other way, 4 for p1; the CSV does not.) Four levels become our
 * three; an empty cell (Todoist would make it p1) becomes our default rather than urgent.
 */
const TODOIST_PRIORITIES: Record<string, TaskPriority> = {
  '': 'normal',
  '1': 'high',
  '2': 'normal',
  '3': 'normal',
  '4': 'low',
};

/** A date Todoist wrote as a date (2026-05-01, perhaps with a time): its calendar date. Anything else is words. */
const ISO_LIKE_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const TODOIST_COLUMNS: Columns = {
  labels: TODOIST_LABELS,
  notices: [],
  row(line, cells) {
    const problems: RowProblem[] = [];
    const notices: RowProblem[] = [];
    const priority = TODOIST_PRIORITIES[(cells.PRIORITY ?? '').trim()];
    if (!priority) problems.push({ line, field: 'PRIORITY', message: 'must be 1, 2, 3 or 4' });
    const date = (cells.DATE ?? '').trim();
    const isoDate = ISO_LIKE_DATE.exec(date)?.[1];
    // Words ("every monday", "tomorrow") mean a date only to Todoist, on the day it reads them:
    // the task comes without a due date, and the preview says so.
    if (date && !isoDate) {
      notices.push({ line, field: 'DATE', message: `“${date}” is not a calendar date: imported without a due date` });
    }
    const values: Values = {
      title: cells.CONTENT ?? '',
      notes: cells.DESCRIPTION ?? '',
      priority,
      due_date: isoDate,
    };
    return { line, values, problems, notices };
  },
};

function jsonRows(text: string): Rows | Refusal {
  const format = 'Task Manager JSON';
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { format, problem: fileProblem(null, `is not valid JSON (${(error as Error).message})`) };
  }
  const { format: named, tasks } = (isObject(document) ? document : {}) as { format?: unknown; tasks?: unknown };
  if (named !== EXPORT_FORMAT) {
    return { format, problem: fileProblem(null, `is not an export of ours: its “format” must be “${EXPORT_FORMAT}”`) };
  }
  if (!Array.isArray(tasks)) return { format, problem: fileProblem(null, 'has no “tasks” list') };
  if (tasks.length > IMPORT_MAX_TASKS) return { format, problem: TOO_MANY_TASKS };
  const lines = elementLines(text, 'tasks');
  const lineOf = (index: number) => (lines.length === tasks.length ? (lines[index] ?? null) : null);
  const rows: RawRow[] = [];
  const unreadable: RowProblem[] = [];
  tasks.forEach((task: unknown, index) => {
    const line = lineOf(index);
    if (!isObject(task)) unreadable.push(fileProblem(line, 'is not a task object'));
    else {
      const values: Values = Object.fromEntries(OUR_COLUMNS.map((field) => [field, task[field]]));
      rows.push({ line, values, problems: [], notices: [] });
    }
  });
  return { format, labels: OUR_LABELS, rows, unreadable, skipped: 0, notices: [] };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The lines on which the elements of the root object's array `key` start, in a text JSON.parse
 * has accepted: a refused task is named by its line, as a CSV row is. A linear scan, no recursion;
 * when the key is written with escapes it finds none, and the tasks are named without a line.
 */
function elementLines(text: string, key: string): number[] {
  let lines: number[] = [];
  let line = 1;
  let depth = 0;
  let stringStart = -1;
  let lastRootString = '';
  let inArray = false;
  let expectingElement = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (stringStart >= 0) {
      if (char === '\\') at++;
      else if (char === '"') {
        if (depth === 1) lastRootString = text.slice(stringStart + 1, at);
        stringStart = -1;
      }
      continue;
    }
    if (char === '\n') line++;
    if (char === ' ' || char === '\t' || char === '\r' || char === '\n') continue;
    if (inArray && depth === 2 && expectingElement && char !== ']') {
      lines.push(line);
      expectingElement = false;
    }
    if (char === '"') stringStart = at;
    else if (char === '{' || char === '[') {
      depth++;
      // A key's string is the last one closed at the root before its value opens (a later "tasks" wins, as in JSON.parse).
      if (depth === 2 && char === '[' && lastRootString === key) {
        inArray = true;
        expectingElement = true;
        lines = [];
      }
    } else if (char === '}' || char === ']') {
      depth--;
      if (depth === 1) inArray = false;
    } else if (char === ',' && inArray && depth === 2) expectingElement = true;
  }
  return lines;
}
