/** @jsxImportSource @kitajs/html */
import type { Task, TaskPriority } from '../src/tasks/model';
import { type Calendar, CalendarDate } from './calendar-dates';
import { describedBy, Field, focusIf } from './form-field';
import { QUICK_ADD_PREVIEW_ID, QuickAddPreview, type QuickAddSettings } from './quick-add-preview';
import { TASK_LIST_IDS, taskItemId } from './task-list';

/** What the user typed, kept as strings so a rejected form comes back exactly as it was sent. */
export interface TaskFormValues {
  title: string;
  notes: string;
  priority: string;
  due_date: string;
}

export type FieldErrors = Partial<Record<keyof TaskFormValues | 'form', string>>;

/** The add form's DOM id, which routes target to replace it. */
export const NEW_TASK_FORM_ID = 'new-task-form';
/** The add form's title field, which has the focus again after an add. */
export const NEW_TASK_TITLE_ID = 'new-title';
/** Where the add form's title asks what its words will set (GET, with htmx only). */
export const QUICK_ADD_PREVIEW_PATH = '/tasks/preview';

export const EMPTY_FORM: TaskFormValues = { title: '', notes: '', priority: 'normal', due_date: '' };

export const formValuesOf = (task: Task): TaskFormValues => ({
  title: task.title,
  notes: task.notes,
  priority: task.priority,
  due_date: task.due_date ?? '',
});

const PRIORITY_LABELS: Record<TaskPriority, string> = { low: 'Low', normal: 'Normal', high: 'High' };
const PRIORITIES = Object.keys(PRIORITY_LABELS) as TaskPriority[];

/** Which field wants focus: the first one in error, or the first one when asked to focus. */
function focusedField(errors: FieldErrors, focus: boolean): keyof TaskFormValues | null {
  const firstError = (['title', 'notes', 'priority', 'due_date'] as const).find((field) => errors[field]);
  return firstError ?? (focus ? 'title' : null);
}

interface PrioritySelectProps {
  id: string;
  value: string;
  error?: string;
  focus: boolean;
  /** The choice stays once its task is added, for the next one (the add form, static/app.js). */
  keep?: boolean;
}

/** data-keep: static/app.js leaves the field as it is after an add. */
const keptIf = (keep: boolean | undefined) => (keep ? { 'data-keep': '' } : {});

function PrioritySelect({ id, value, error, focus, keep }: PrioritySelectProps) {
  return (
    <select id={id} name="priority" {...keptIf(keep)} {...describedBy(id, error)} {...focusIf(focus)}>
      {PRIORITIES.map((priority) => (
        <option value={priority} selected={priority === value} safe>
          {PRIORITY_LABELS[priority]}
        </option>
      ))}
    </select>
  );
}

/** One task field as both forms show it: label, control, hint of error, focus. */
interface TaskFieldProps {
  id: string;
  values: TaskFormValues;
  errors: FieldErrors;
  focused: keyof TaskFormValues | null;
  class?: string;
}

interface TitleFieldProps extends TaskFieldProps {
  label: string;
  placeholder?: string;
  /** The quick-add preview's id: it describes the field (QUICK_ADD_PREVIEW_ID). */
  hint?: string;
  /** htmx asks for the preview as the title is typed. */
  live?: Record<string, string>;
}

function TitleField({
  id,
  label,
  values,
  errors,
  focused,
  class: className,
  placeholder,
  hint,
  live,
}: TitleFieldProps) {
  return (
    <Field id={id} label={label} error={errors.title} class={className}>
      <input
        id={id}
        name="title"
        type="text"
        value={values.title}
        dir="auto"
        autocomplete="off"
        placeholder={placeholder}
        {...live}
        {...describedBy(id, errors.title, hint)}
        {...focusIf(focused === 'title')}
      />
    </Field>
  );
}

function NotesField({ id, values, errors, focused, class: className, rows }: TaskFieldProps & { rows: number }) {
  // An HTML parser drops a line break right after <textarea>: give it one, so notes that start
  // with a line break keep it.
  const text = `\n${values.notes}`;
  return (
    <Field id={id} label="Notes" error={errors.notes} class={className}>
      <textarea
        id={id}
        name="notes"
        rows={String(rows)}
        dir="auto"
        {...describedBy(id, errors.notes)}
        {...focusIf(focused === 'notes')}
        safe
      >
        {text}
      </textarea>
    </Field>
  );
}

function PriorityField({ id, values, errors, focused, keep }: TaskFieldProps & { keep?: boolean }) {
  return (
    <Field id={id} label="Priority" error={errors.priority}>
      <PrioritySelect
        id={id}
        value={values.priority}
        error={errors.priority}
        focus={focused === 'priority'}
        keep={keep}
      />
    </Field>
  );
}

function DueDateField({ id, values, errors, focused, keep }: TaskFieldProps & { keep?: boolean }) {
  return (
    <Field id={id} label="Due date" error={errors.due_date}>
      <input
        id={id}
        name="due_date"
        type="date"
        value={values.due_date}
        {...keptIf(keep)}
        {...describedBy(id, errors.due_date)}
        {...focusIf(focused === 'due_date')}
      />
    </Field>
  );
}

interface NewTaskFormProps {
  values: TaskFormValues;
  errors: FieldErrors;
  returnTo: string;
  /** Put the cursor in the form (after an add without JavaScript, so the next task can be typed at once). */
  focus?: boolean;
  /** What the words of the title shown will set (src/tasks/quick-add.ts), and how to write its date. */
  preview: QuickAddSettings;
  calendar: Calendar;
}

/**
 * The title asks for its preview as it is typed: the newest question replaces one on its way. Not
 * past 300 characters (static/app.js): a longer title cannot be added anyway (TITLE_MAX is 200),
 * and 300 characters of any script fit the longest address the server reads (4,096).
 */
const ASKS_FOR_PREVIEW = {
  'hx-get': QUICK_ADD_PREVIEW_PATH,
  'hx-trigger': 'input changed delay:300ms',
  'hx-target': `#${QUICK_ADD_PREVIEW_ID}`,
  'hx-swap': 'innerHTML',
  'hx-sync': 'this:replace',
  'data-preview-up-to': '300',
};

/**
 * The add form. With htmx the new item is prepended to the list and the form stays as it is, since
 * the user may be typing the next task already (data-type-ahead, static/app.js); without, a plain
 * POST and redirect. Priority and due date stay as chosen from one add to the next (data-keep; the
 * routes carry them across the redirect). Words in the title can set them too (quick add), which
 * the preview under the title announces.
 */
export function NewTaskForm({ values, errors, returnTo, focus = false, preview, calendar }: NewTaskFormProps) {
  const state = { values, errors, focused: focusedField(errors, focus) };
  const chosen = values.notes || values.due_date || values.priority !== EMPTY_FORM.priority;
  return (
    <form
      id={NEW_TASK_FORM_ID}
      class="new-task"
      method="post"
      action="/tasks"
      hx-post="/tasks"
      hx-target={`#${TASK_LIST_IDS.items}`}
      hx-swap="afterbegin"
      hx-disable="find button"
      data-type-ahead=""
    >
      <input type="hidden" name="return_to" value={returnTo} />
      <div class="new-task-row">
        <TitleField
          id={NEW_TASK_TITLE_ID}
          label="New task"
          placeholder="What needs doing?"
          class="field-title"
          hint={QUICK_ADD_PREVIEW_ID}
          live={ASKS_FOR_PREVIEW}
          {...state}
        />
        <button type="submit" class="primary">
          Add
        </button>
      </div>
      <QuickAddPreview settings={preview} calendar={calendar} />
      <details class="more-fields" open={Boolean(chosen || errors.notes || errors.priority || errors.due_date)}>
        <summary>Notes, priority and due date</summary>
        <div class="field-row">
          <NotesField id="new-notes" rows={2} class="field-notes" {...state} />
          <PriorityField id="new-priority" keep {...state} />
          <DueDateField id="new-due" keep {...state} />
        </div>
      </details>
    </form>
  );
}

interface EditTaskFormProps {
  task: Task;
  values: TaskFormValues;
  errors: FieldErrors;
  returnTo: string;
  /** The task as stored now, when the user's edit was based on an older version. */
  conflict?: Task;
  /** Inline in the list (htmx) rather than on its own page. */
  inline: boolean;
  /** How the account writes dates (the conflict notice's due date). */
  calendar: Calendar;
}

export function EditTaskForm({ task, values, errors, returnTo, conflict, inline, calendar }: EditTaskFormProps) {
  const id = (field: string) => `edit-${task.id}-${field}`;
  const state = { values, errors, focused: focusedField(errors, inline || conflict !== undefined) };
  const swap = inline ? { 'hx-post': `/tasks/${task.id}`, 'hx-target': 'closest li', 'hx-swap': 'outerHTML' } : {};
  return (
    <form class="task-edit" method="post" action={`/tasks/${task.id}`} {...swap} aria-label={`Edit ${task.title}`}>
      {conflict ? <ConflictNotice current={conflict} calendar={calendar} /> : ''}
      <input type="hidden" name="version" value={String(conflict?.version ?? task.version)} />
      <input type="hidden" name="return_to" value={returnTo} />
      <TitleField id={id('title')} label="Title" {...state} />
      <NotesField id={id('notes')} rows={3} {...state} />
      <div class="field-row">
        <PriorityField id={id('priority')} {...state} />
        <DueDateField id={id('due')} {...state} />
      </div>
      <div class="form-actions">
        <button type="submit" class="primary">
          Save
        </button>
        {inline ? (
          <a
            class="button cancel"
            href={returnTo}
            hx-get={`/tasks/${task.id}`}
            hx-target="closest li"
            hx-swap="outerHTML"
          >
            Cancel
          </a>
        ) : (
          <a class="button cancel" href={returnTo}>
            Cancel
          </a>
        )}
      </div>
    </form>
  );
}

/** A task being edited where its item stood in the list (htmx). */
export function EditingTaskItem(props: Omit<EditTaskFormProps, 'inline'>) {
  return (
    <li id={taskItemId(props.task.id)} class="task editing">
      <EditTaskForm {...props} inline />
    </li>
  );
}

function ConflictNotice({ current, calendar }: { current: Task; calendar: Calendar }) {
  return (
    <div class="conflict" role="alert">
      <p>
        <strong>This task was changed elsewhere.</strong> Nothing was overwritten. It now reads:
      </p>
      <dl class="conflict-current">
        <dt>Title</dt>
        <dd dir="auto" safe>
          {current.title}
        </dd>
        <dt>Notes</dt>
        <dd dir="auto" safe>
          {current.notes || '(none)'}
        </dd>
        <dt>Priority</dt>
        <dd safe>{PRIORITY_LABELS[current.priority]}</dd>
        <dt>Due date</dt>
        <dd>{current.due_date ? <CalendarDate date={current.due_date} calendar={calendar} /> : '(none)'}</dd>
        <dt>Status</dt>
        <dd>{current.status === 'done' ? 'Done' : 'Open'}</dd>
      </dl>
      <p>Your version is in the form below: Save to apply it, or Cancel to keep the current one.</p>
    </div>
  );
}
