/** @jsxImportSource @kitajs/html */
import { Layout, type PageAssets, type SignedInAccount } from './layout';

/**
 * The task page's keyboard shortcuts (static/app.js acts on them): listed on their own page, which
 * works without JavaScript, and with it in a dialog that `?` opens on the task page.
 */

const SHORTCUTS_PATH = '/shortcuts';
const SHORTCUTS_DIALOG_ID = 'shortcuts-dialog';

const SHORTCUTS = [
  { key: 'n', does: 'New task: the cursor goes to its title' },
  { key: '/', does: 'Search: the cursor goes to the search box' },
  { key: 'j', does: 'Next task' },
  { key: 'k', does: 'Previous task' },
  { key: 'x', does: 'Select the task for the bulk actions, or unselect it' },
  { key: 'c', does: 'Complete the task (reopen it when it is done)' },
  { key: 'e', does: 'Edit the task' },
  { key: '#', does: 'Delete the task' },
  { key: 'u', does: 'Undo, when the message offers it' },
  { key: '?', does: 'Show these shortcuts' },
] as const;

/** The shortcuts and what each does; "the task" is the one the keyboard focus is in (j and k move it). */
export function ShortcutList() {
  return (
    <>
      <dl class="shortcut-list">
        {SHORTCUTS.map(({ key, does }) => (
          <div>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{does}</dd>
          </div>
        ))}
      </dl>
      <p class="shortcut-note">
        “The task” is the one the keyboard focus is in. Shortcuts do nothing while you type in a field, or with Ctrl,
        Alt or Command held; Escape closes this list and leaves an edit without saving.
      </p>
    </>
  );
}

/** The link to the shortcuts; with JavaScript it opens them in the page's dialog instead. */
export function ShortcutsLink() {
  return (
    <p class="shortcuts-link">
      <a href={SHORTCUTS_PATH} aria-keyshortcuts="?" data-opens-dialog={SHORTCUTS_DIALOG_ID}>
        Keyboard shortcuts
      </a>
    </p>
  );
}

/** The shortcuts in a modal dialog (static/app.js opens it; Escape or Close shuts it, focus goes back). */
export function ShortcutsDialog() {
  return (
    <dialog id={SHORTCUTS_DIALOG_ID} class="shortcuts-dialog" aria-labelledby={`${SHORTCUTS_DIALOG_ID}-title`}>
      <h2 id={`${SHORTCUTS_DIALOG_ID}-title`}>Keyboard shortcuts</h2>
      <ShortcutList />
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}

export function ShortcutsPage({ assets, account }: { assets: PageAssets; account?: SignedInAccount }) {
  return (
    <Layout title="Keyboard shortcuts · Tasks" assets={assets} account={account}>
      <h1>Keyboard shortcuts</h1>
      <ShortcutList />
      <p>
        <a href="/">Back to your tasks</a>
      </p>
    </Layout>
  );
}
