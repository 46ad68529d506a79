/** @jsxImportSource @kitajs/html */
import { describedBy, Field, focusIf } from './form-field';
import { Layout, MessageRegions, type PageAssets, type SignedInAccount } from './layout';

/** A refused row of a file (or the file as a whole, with no line), or a note on how a row was read. */
export interface ImportRow {
  line: number | null;
  field: string;
  message: string;
}

/** What an uploaded file would import, for the user to confirm. */
export interface ImportPreviewView {
  fileName: string;
  /** What the file was read as (our CSV, our JSON, Todoist's CSV); null when it could not be told. */
  format: string | null;
  fresh: number;
  present: number;
  skipped: number;
  refused: ImportRow[];
  notices: ImportRow[];
  /** The file as the confirm form carries it back (base64url), so it need not be chosen again. */
  content: string;
}

export interface ImportPageProps {
  assets: PageAssets;
  account: SignedInAccount;
  /** What is wrong with the upload itself: no file chosen, too large. */
  error?: string;
  preview?: ImportPreviewView;
  /** The most rows of each list shown; the rest are counted. */
  rowsShown: number;
  limits: { megabytes: number; tasks: number };
}

export const IMPORT_IDS = { file: 'import-file', preview: 'import-preview' } as const;

const plural = (count: number, one: string, many: string) =>
  `${count.toLocaleString('en')} ${count === 1 ? one : many}`;

/** A row's problem in a sentence: "Line 4: title must not be empty", "The file is empty". */
export function describeRow({ line, field, message }: ImportRow): string {
  if (field === 'file') return line === null ? `The file ${message}` : `Line ${line} ${message}`;
  return `${line === null ? 'A task' : `Line ${line}`}: ${field} ${message}`;
}

export function ImportPage({ assets, account, error, preview, rowsShown, limits }: ImportPageProps) {
  const hint = `Our CSV or JSON export, or a Todoist CSV export. At most ${limits.megabytes} MB and ${limits.tasks.toLocaleString('en')} tasks.`;
  return (
    <Layout title="Import tasks · Tasks" assets={assets} account={account}>
      <h1>Import tasks</h1>
      <MessageRegions alert={error} />
      {preview ? <Preview preview={preview} rowsShown={rowsShown} /> : ''}
      <section class="settings-section" aria-labelledby="import-choose-heading">
        <h2 id="import-choose-heading">{preview ? 'Choose another file' : 'Choose a file'}</h2>
        <form class="settings-form" method="post" action="/import" enctype="multipart/form-data" novalidate>
          <Field id={IMPORT_IDS.file} label="File" error={error} hint={hint}>
            <input
              id={IMPORT_IDS.file}
              name="file"
              type="file"
              accept=".csv,.json,text/csv,application/json"
              {...describedBy(IMPORT_IDS.file, error, hint)}
              {...focusIf(!preview)}
            />
          </Field>
          <button type="submit" class="primary">
            Preview import
          </button>
        </form>
        <p>
          <a href="/">Back to your tasks</a>
        </p>
      </section>
    </Layout>
  );
}

function Preview({ preview, rowsShown }: { preview: ImportPreviewView; rowsShown: number }) {
  const { fresh, present, skipped, refused, notices } = preview;
  const importable = refused.length === 0 && fresh > 0;
  const refusedRows = new Set(refused.map((row) => row.line)).size;
  return (
    <section id={IMPORT_IDS.preview} class="settings-section" aria-labelledby="import-preview-heading">
      <h2 id="import-preview-heading" safe>
        Preview of {preview.fileName}
      </h2>
      {preview.format ? <p safe>Read as {preview.format}.</p> : ''}
      {refused.length ? (
        <>
          <p>
            <strong>Nothing can be imported yet:</strong>{' '}
            <span safe>{`${plural(refusedRows, 'row', 'rows')} cannot be imported as written.`}</span> Correct the file
            and preview it again; either every task is imported, or none.
          </p>
          <RowList title="Rows that cannot be imported" rows={refused} shown={rowsShown} />
        </>
      ) : (
        <ul class="import-summary">
          <li>
            <strong safe>{plural(fresh, 'new task', 'new tasks')}</strong> will be added
          </li>
          {present ? (
            <li safe>{`${plural(present, 'task was', 'tasks were')} already imported, and stay as they are`}</li>
          ) : (
            ''
          )}
          {skipped ? (
            <li safe>{`${plural(skipped, 'row is', 'rows are')} not a task (sections, comments) and skipped`}</li>
          ) : (
            ''
          )}
        </ul>
      )}
      {notices.length && !refused.length ? (
        <RowList title="Imported with changes" rows={notices} shown={rowsShown} />
      ) : (
        ''
      )}
      {importable ? (
        <form method="post" action="/import/confirm">
          <input type="hidden" name="content" value={preview.content} />
          <button type="submit" class="primary" safe>
            Import {plural(fresh, 'task', 'tasks')}
          </button>
        </form>
      ) : (
        ''
      )}
      {!refused.length && fresh === 0 ? <p>Nothing new to import: every task in this file is here already.</p> : ''}
    </section>
  );
}

function RowList({ title, rows, shown }: { title: string; rows: ImportRow[]; shown: number }) {
  const headingId = `import-${title.toLowerCase().replaceAll(' ', '-')}`;
  return (
    <>
      <h3 id={headingId} safe>
        {title}
      </h3>
      <ul class="import-rows" aria-labelledby={headingId}>
        {rows.slice(0, shown).map((row) => (
          <li safe>{describeRow(row)}</li>
        ))}
      </ul>
      {rows.length > shown ? <p safe>And {(rows.length - shown).toLocaleString('en')} more.</p> : ''}
    </>
  );
}
