/** @jsxImportSource @kitajs/html */
import { TASK_LIST_IDS } from './task-list';

/** A change a message offers to take back: the route its form posts to, and the fields it sends. */
export interface UndoAction {
  path: string;
  fields: Record<string, string>;
}

/**
 * The Undo button beside a status message ("Deleted “Buy milk”"): a plain form, so it works without
 * JavaScript (back to the page the user was on); with htmx its answer is the list region, with the
 * task back where it belongs and the focus on it (else on the list's heading). The `u` shortcut
 * presses it (static/app.js).
 */
export function UndoForm({ undo, returnTo }: { undo: UndoAction; returnTo: string }) {
  return (
    <form
      class="undo"
      method="post"
      action={undo.path}
      hx-post={undo.path}
      hx-target={`#${TASK_LIST_IDS.region}`}
      hx-swap="outerHTML"
      hx-sync="drop"
      data-focus-in-answer={`#${TASK_LIST_IDS.heading}`}
    >
      {Object.entries(undo.fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <input type="hidden" name="return_to" value={returnTo} />
      <button type="submit" class="undo-button" aria-keyshortcuts="u">
        Undo
      </button>
    </form>
  );
}
