import type { FlashUndo, UndoRoute } from '../http/flash';
import type { Task } from './model';

/**
 * What a message on the task page offers to take back, as the form that does it: a delete by the
 * task's restore, a completion by its reopen (at the version the completion left), a bulk delete or
 * "clear completed" by a bulk restore of everything deleted at that instant. The same routes a user
 * could post to by hand; a flash cookie naming anything else is never shown as an Undo.
 */

const TASK_ID = '[1-9][0-9]{0,14}';

/** The undo forms the task page accepts from a flash cookie: these routes with exactly these fields. */
export const UNDO_ROUTES: readonly UndoRoute[] = [
  { path: new RegExp(`^/tasks/${TASK_ID}/restore$`), fields: {} },
  { path: new RegExp(`^/tasks/${TASK_ID}/reopen$`), fields: { version: /^[1-9][0-9]{0,9}$/ } },
  {
    path: /^\/tasks\/bulk$/,
    fields: { action: /^restore$/, deleted_at: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/ },
  },
];

export const undoDelete = (task: Pick<Task, 'id'>): FlashUndo => ({ path: `/tasks/${task.id}/restore`, fields: {} });

export const undoComplete = (task: Pick<Task, 'id' | 'version'>): FlashUndo => ({
  path: `/tasks/${task.id}/reopen`,
  fields: { version: String(task.version) },
});

/** A bulk delete (or clear completed) is taken back by restoring what it deleted at its instant. */
export const undoBulkDelete = (deletedAt: string): FlashUndo => ({
  path: '/tasks/bulk',
  fields: { action: 'restore', deleted_at: deletedAt },
});
