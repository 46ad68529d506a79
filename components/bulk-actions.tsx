/** @jsxImportSource @kitajs/html */
import { TASK_LIST_IDS } from './task-list';

/** The DOM ids of the bulk actions' parts, which static/app.js keeps in step with the selection. */
const BULK_IDS = { selection: 'bulk-selection', selectAll: 'select-all' } as const;

/** What the bar says before anything is known of the selection (static/app.js counts it once it runs). */
const BULK_HINT = 'Tick tasks to change several at once.';

/**
 * One form for changing many tasks at once, after the list: the items' checkboxes belong to it by
 * their form attribute, since forms cannot nest. The pressed button says the action; without
 * JavaScript a plain post and redirect, with htmx the list region comes back in place (this bar
 * stays, and the focus with it). "Select all" needs a script, so it shows only when one runs.
 */
export function BulkActions({ returnTo }: { returnTo: string }) {
  const describedBy = { 'aria-describedby': BULK_IDS.selection };
  return (
    <form
      id={TASK_LIST_IDS.bulkForm}
      class="bulk-actions"
      method="post"
      action="/tasks/bulk"
      hx-post="/tasks/bulk"
      hx-target={`#${TASK_LIST_IDS.region}`}
      hx-swap="outerHTML"
      hx-sync="drop"
      aria-label="Selected tasks"
    >
      <input type="hidden" name="return_to" value={returnTo} />
      <label class="select-all" hidden>
        <input type="checkbox" class="tick" id={BULK_IDS.selectAll} />
        Select all
      </label>
      <p id={BULK_IDS.selection} class="bulk-selection" aria-live="polite">
        {BULK_HINT}
      </p>
      <div class="bulk-buttons">
        <button type="submit" name="action" value="complete" {...describedBy}>
          Complete selected
        </button>
        <button type="submit" name="action" value="delete" class="danger" {...describedBy}>
          Delete selected
        </button>
        <button type="submit" name="action" value="clear_completed">
          Clear completed
        </button>
      </div>
    </form>
  );
}
