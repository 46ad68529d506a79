import { Value } from '@sinclair/typebox/value';
import { t } from 'elysia';
import type { FieldErrors, TaskFormValues } from '../../components/task-forms';
import type { ErrorDetail } from '../lib/domain-errors';
import { fieldErrorsOf } from '../lib/schema-errors';
import { type TaskCreate, TaskCreateSchema } from './model';
import { parseQuickAdd, type QuickAdd } from './quick-add';
import { checkTaskFields } from './service';

/**
 * The task forms of the HTML pages, read with the API's own schema (TaskCreateSchema), so a form
 * and a JSON body are held to the same rules and report them in the same words.
 */

/** What a task form posts: every field a string, as browsers send them. Extra fields are ignored. */
export const TaskFormBody = t.Object(
  {
    title: t.Optional(t.String()),
    notes: t.Optional(t.String()),
    priority: t.Optional(t.String()),
    due_date: t.Optional(t.String()),
    version: t.Optional(t.String()),
    return_to: t.Optional(t.String()),
  },
  { additionalProperties: true },
);
export type TaskFormBody = typeof TaskFormBody.static;

export interface TaskForm {
  /** What the user typed, to show the form again exactly as sent. */
  values: TaskFormValues;
  /** The task to save when the form breaks no rule; otherwise null, and `errors` says why. */
  input: TaskCreate | null;
  errors: FieldErrors;
}

/** The add form, whose title may also set a priority and a due date (quick add). */
export interface NewTaskForm extends TaskForm {
  /** What the words of the title set, which wins over the fields. */
  quickAdd: Omit<QuickAdd, 'title'>;
}

/** What a task form's fields say, as typed. */
function valuesOf(body: TaskFormBody): TaskFormValues {
  return {
    title: body.title ?? '',
    // A form sends a textarea's line breaks as CRLF whatever it holds (HTML's form encoding); we
    // store LF, as the API and htmx (which posts the textarea's own value) send them.
    notes: (body.notes ?? '').replaceAll('\r\n', '\n'),
    priority: body.priority ?? 'normal',
    due_date: body.due_date ?? '',
  };
}

export function readTaskForm(body: TaskFormBody): TaskForm {
  return checkedForm(valuesOf(body));
}

/**
 * The add form: words in the title ("Call the bank tomorrow !high") set the priority and the due
 * date, over what the fields say; `today` is the account's, for "today", "tomorrow" and weekdays.
 * The form comes back (after a refusal) with the title as typed.
 */
export function readNewTaskForm(body: TaskFormBody, today: string): NewTaskForm {
  const values = valuesOf(body);
  const { title, ...quickAdd } = parseQuickAdd(values.title, today);
  return { ...checkedForm(values, { title, ...quickAdd }), quickAdd };
}

/**
 * The task the fields describe, or what is wrong with them; `meant` replaces what the fields say
 * (the title with its quick-add words taken out, and what they set).
 */
function checkedForm(values: TaskFormValues, meant: Partial<TaskFormValues> = {}): TaskForm {
  // An empty date field means "no due date", which JSON says with null.
  const fields = { ...values, ...meant };
  const candidate = { ...fields, due_date: fields.due_date || null };
  // Every problem at once: the shape's, and the meaning of the fields whose shape is right.
  const shapeProblems = fieldErrorsOf(Value.Errors(TaskCreateSchema, candidate));
  const wellShaped = Object.entries(candidate).filter(([field]) => !shapeProblems.some((p) => p.field === field));
  const problems = [...shapeProblems, ...checkTaskFields(Object.fromEntries(wellShaped)).problems];
  // No problem means the schema holds, so the candidate is a TaskCreate.
  if (problems.length === 0) return { values, input: candidate as TaskCreate, errors: {} };
  return { values, input: null, errors: formErrorsOf(problems) };
}

/** Field errors as the form shows them, beside each field. */
function formErrorsOf(details: ErrorDetail[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const { field, message } of details) errors[field as keyof FieldErrors] = capitalise(message);
  return errors;
}

/** The version the form was rendered with; a missing or garbled one can only ever conflict. */
export const formVersion = (body: TaskFormBody) => (/^\d{1,10}$/.test(body.version ?? '') ? Number(body.version) : 0);

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
