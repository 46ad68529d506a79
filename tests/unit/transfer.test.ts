import { expect, test } from 'bun:test';
import type { Task } from '../../src/tasks/model';
import {
  EXPORT_FORMAT,
  exportWriter,
  IMPORT_MAX_TASKS,
  type ImportPlan,
  planImport,
  type RowProblem,
} from '../../src/tasks/transfer';
import { TODOIST_SAMPLE } from '../support/import-files';

/** Files read into what they would import: our CSV and JSON, Todoist's CSV, and files that are neither. */

const NOW = new Date('2026-05-01T12:00:00.000Z');
const bytes = (text: string) => new TextEncoder().encode(text);
const plan = (text: string | Uint8Array, declared: 'csv' | 'json' | null = null) =>
  planImport(typeof text === 'string' ? bytes(text) : text, declared, NOW);
const tasksOf = (planned: ImportPlan) =>
  planned.tasks.map(({ line, task }) => ({
    line,
    title: task.title,
    notes: task.notes,
    priority: task.priority,
    due_date: task.due_date,
    status: task.status,
  }));
const problems = (list: RowProblem[]) => list.map(({ line, field, message }) => `${line} ${field}: ${message}`);

test('Todoist: its tasks, p1 high, p2 and p3 normal, p4 low; dates kept, words left out and said so', () => {
  const planned = plan(TODOIST_SAMPLE);
  expect(planned.format).toBe('Todoist CSV');
  expect(planned.refused).toEqual([]);
  expect(tasksOf(planned)).toEqual([
    {
      line: 3,
      title: 'Buy milk @errands',
      notes: 'Oat if they have it',
      priority: 'high',
      due_date: '2026-05-04',
      status: 'open',
    },
    { line: 5, title: 'Water the plants', notes: '', priority: 'low', due_date: null, status: 'open' },
    {
      line: 6,
      title: 'Call Bob, about "the plan"',
      notes: 'Line one\r\nline two',
      priority: 'normal',
      due_date: '2026-05-06',
      status: 'open',
    },
    { line: 9, title: 'File taxes', notes: '', priority: 'normal', due_date: null, status: 'open' },
  ]);
  expect(problems(planned.notices)).toEqual([
    '5 DATE: “every monday” is not a calendar date: imported without a due date',
  ]);
  // The section, the comment and the view setting.
  expect(planned.skipped).toBe(3);
});

test('Todoist rows that break a rule are named by line and column', () => {
  const header = 'TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE';
  const planned = plan(
    [header, 'task,Fine,,4,1,,,,,', 'task,,,9,1,,,2026-02-30,en,UTC', `task,${'x'.repeat(201)},,1,1,,,,,`].join('\n'),
  );
  expect(problems(planned.refused)).toEqual([
    '3 PRIORITY: must be 1, 2, 3 or 4',
    '3 CONTENT: must not be empty',
    '3 DATE: must be a real date as YYYY-MM-DD',
    '4 CONTENT: must be at most 200 characters (got 201)',
  ]);
});

const task = (overrides: Partial<Task>): Task => ({
  id: 1,
  title: 'A task',
  notes: '',
  status: 'open',
  priority: 'normal',
  due_date: null,
  created_at: '2026-04-01T10:00:00.000Z',
  updated_at: '2026-04-02T10:00:00.000Z',
  completed_at: null,
  version: 1,
  ...overrides,
});

const written = (kind: 'csv' | 'json', tasks: Task[]) => {
  const writer = exportWriter(kind, NOW);
  return writer.opening + writer.batch(tasks.slice(0, 1)) + writer.batch(tasks.slice(1)) + writer.closing;
};

const ODD = [
  task({ id: 3, title: '=HYPERLINK("http://evil.example","click")', notes: '@SUM(1)\n-2', priority: 'high' }),
  task({
    id: 2,
    title: '\'quoted, "twice"',
    notes: 'tab\there',
    status: 'done',
    completed_at: '2026-04-03T08:00:00.000Z',
    due_date: '2026-06-01',
  }),
  task({ id: 1, title: '+1 😀 ünïcödé', priority: 'low' }),
];

test('our CSV and JSON read back as the tasks written, in the same order', () => {
  for (const kind of ['csv', 'json'] as const) {
    const planned = plan(written(kind, ODD));
    expect({ kind, refused: planned.refused, notices: planned.notices }).toEqual({ kind, refused: [], notices: [] });
    expect(planned.tasks.map(({ task }) => task)).toEqual(
      ODD.map((original) => ({
        title: original.title,
        notes: original.notes,
        priority: original.priority,
        due_date: original.due_date,
        status: original.status,
        completed_at: original.completed_at ? new Date(original.completed_at) : null,
        request: expect.anything(),
      })),
    );
  }
});

test('the CSV export is a spreadsheet-safe file: BOM, header, CRLF, formulas defused', () => {
  const csv = written('csv', ODD);
  expect(csv.startsWith('\ufeffid,title,notes,status,priority,due_date,created_at,updated_at,completed_at\r\n')).toBe(
    true,
  );
  expect(csv).toContain(`3,"'=HYPERLINK(""http://evil.example"",""click"")","'@SUM(1)\n-2",open,high`);
  expect(csv).toContain(`2,"''quoted, ""twice""",tab\there,done,normal,2026-06-01`);
  expect(csv).toContain("1,'+1 😀 ünïcödé,,open,low");
});

test('the JSON export is one versioned document, a task a line, whose refused tasks are named by line', () => {
  const json = written('json', ODD);
  const document = JSON.parse(json);
  expect(document.format).toBe(EXPORT_FORMAT);
  expect(document.exported_at).toBe(NOW.toISOString());
  expect(document.tasks).toEqual(ODD);
  const broken = json.replace('"title":"+1 😀 ünïcödé"', '"title":""').replace('"priority":"high"', '"priority":7');
  expect(problems(plan(broken).refused)).toEqual(['2 priority: must be text', '4 title: must not be empty']);
});

test('a JSON file that is not our export is refused whole, with why', () => {
  const refusals = {
    '{"format":"task-manager/2","tasks":[]}':
      'null file: is not an export of ours: its “format” must be “task-manager/1”',
    '[{"title":"a"}]': 'null file: is not an export of ours: its “format” must be “task-manager/1”',
    '{"format":"task-manager/1"}': 'null file: has no “tasks” list',
    '{"format":"task-manager/1","tasks":[]}': 'null file: holds no tasks',
    '{"format":"task-manager/1","tasks":[1,\n"x"]}': '1 file: is not a task object',
    '{"format":': 'null file: is not valid JSON',
  };
  for (const [text, refusal] of Object.entries(refusals)) {
    expect({ text, refused: problems(plan(text).refused)[0]?.slice(0, refusal.length) }).toEqual({
      text,
      refused: refusal,
    });
  }
});

test('our CSV: only title is needed, columns in any case and order; a column we do not know is said, not imported', () => {
  const planned = plan('Priority,TITLE,project\nhigh,Ship it,Work\n,Rest,\n');
  expect(tasksOf(planned).map(({ title, priority }) => [title, priority])).toEqual([
    ['Ship it', 'high'],
    ['Rest', 'normal'],
  ]);
  expect(problems(planned.notices)).toEqual(['1 file: has a column “project” that is not ours: it is not imported']);
  expect(problems(plan('notes,due_date\nx,\n').refused)[0]).toStartWith('1 file: must name the columns: title');
  expect(problems(plan('title,Title\na,b\n').refused)).toEqual(['1 file: names the column “title” twice']);
  expect(problems(plan('title\na,b\n').refused)).toEqual(['2 file: has 2 fields, but the header names 1']);
});

test('our CSV rows are held to the task rules; every problem of every row is listed', () => {
  const planned = plan(
    [
      'title,notes,status,priority,due_date,completed_at',
      ',,open,normal,,',
      'Fine,,done,normal,2026-05-01,2026-05-01T10:00:00.000Z',
      `Bad,${'n'.repeat(5001)},half,urgent,tomorrow,yesterday`,
    ].join('\r\n'),
  );
  expect(problems(planned.refused)).toEqual([
    '2 title: must not be empty',
    '4 priority: must be one of: low, normal, high',
    '4 status: must be one of: open, done',
    '4 completed_at: must be a date and time such as 2026-05-01T09:30:00.000Z',
    '4 notes: must be at most 5000 characters (got 5001)',
    '4 due_date: must be a real date as YYYY-MM-DD',
  ]);
});

test('a done task without a completion time is completed at the import; an open one has none', () => {
  const [done, open] = plan('title,status,completed_at\nA,done,\nB,open,2026-01-01T00:00:00.000Z\n').tasks;
  expect([done?.task.completed_at, open?.task.completed_at]).toEqual([NOW, null]);
});

test('the same tasks have the same keys in any file; two alike in one file have two', () => {
  const keys = (text: string) => plan(text).tasks.map(({ task }) => task.request.key);
  const [milk, bread, milkAgain] = keys('title\nBuy milk\nBuy bread\nBuy milk\n');
  expect(milk).toMatch(/^import:[\w-]{43}$/);
  expect(new Set([milk, bread, milkAgain]).size).toBe(3);
  // Another file, another order, one task more: the same tasks keep their keys.
  expect(keys('title,notes\nBuy bread,\nBuy eggs,\nBuy milk,\nBuy milk,\n')).toEqual([
    bread,
    expect.any(String),
    milk,
    milkAgain,
  ]);
  // A different priority is a different task.
  expect(keys('title,priority\nBuy milk,high\n')).not.toContain(milk);
});

test('encodings: a UTF-8 BOM is taken off, UTF-16 with a BOM is read, anything else not UTF-8 is refused', () => {
  const utf16le = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from('title\r\nCafé\r\n', 'utf16le'))]);
  const utf16be = new Uint8Array(
    [0xfe, 0xff, ...Buffer.from('title\r\nCafé\r\n', 'utf16le')].map((_, index, all) =>
      index < 2 ? (all[index] as number) : (all[index % 2 === 0 ? index + 1 : index - 1] as number),
    ),
  );
  for (const file of [bytes('\ufefftitle\r\nCafé\r\n'), utf16le, utf16be]) {
    expect(tasksOf(plan(file)).map(({ title }) => title)).toEqual(['Café']);
  }
  const latin1 = new Uint8Array([...bytes('title\r\nCaf'), 0xe9, 0x0d, 0x0a]);
  expect(problems(plan(latin1).refused)).toEqual([
    'null file: is not UTF-8 text: save it as “CSV UTF-8”, or export it again from here',
  ]);
});

test('binary junk, an empty file and a header alone are refused with a reason', () => {
  const junk = new Uint8Array(4096).map((_, index) => (index * 7919) % 256);
  expect(problems(plan(junk).refused)).toHaveLength(1);
  expect(problems(plan(bytes('title\r\n\0\0\0')).refused)).toEqual([
    'null file: is not a text file: choose a CSV or JSON file',
  ]);
  expect(problems(plan('  \r\n').refused)).toEqual(['null file: is empty']);
  expect(problems(plan('title\r\n').refused)).toEqual(['null file: holds no tasks']);
});

test(`at most ${IMPORT_MAX_TASKS.toLocaleString('en')} tasks a file`, () => {
  const rows = (count: number) => `title\n${Array.from({ length: count }, (_, index) => `Task ${index}`).join('\n')}`;
  expect(plan(rows(IMPORT_MAX_TASKS)).tasks).toHaveLength(IMPORT_MAX_TASKS);
  expect(problems(plan(rows(IMPORT_MAX_TASKS + 1)).refused)).toEqual([
    'null file: holds more than 10,000 tasks: split it into smaller files',
  ]);
});

test('the declared kind wins: CSV sent as JSON is refused as JSON', () => {
  expect(problems(plan('title\nA\n', 'json').refused)[0]).toStartWith('null file: is not valid JSON');
  expect(plan('title\nA\n', 'csv').tasks).toHaveLength(1);
});
