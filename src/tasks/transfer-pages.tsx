/** @jsxImportSource @kitajs/html */
import { Elysia } from 'elysia';
import { ImportPage, type ImportPageProps } from '../../components/import-page';
import type { PageAssets } from '../../components/layout';
import type { PageAuthentication } from '../accounts/gate';
import type { Account } from '../accounts/model';
import { sameOriginForms } from '../http/csrf';
import { flashCookie } from '../http/flash';
import { page, redirect } from '../http/html';
import { type BodyLimit, bodyReadByHandler, readFormBody, readMultipartFile } from '../http/request-body';
import { exportAnswer } from './export-answer';
import { IMPORT_MAX_BYTES, IMPORT_MAX_TASKS, type ImportPlan } from './transfer';
import type { TransferService } from './transfer-service';

/**
 * Export and import for browsers: two download links, and an import in two plain forms. The
 * upload answers a preview; its "Import" form carries the file back (base64url in a hidden field),
 * so nothing is kept on the server between the two and any instance can take the second. That
 * copy is the client's: it is read and checked again from scratch before anything is stored.
 */

const MEGABYTES = IMPORT_MAX_BYTES / 1024 / 1024;
const TOO_LARGE = `The file is larger than ${MEGABYTES} MB`;
/** Room for a form's own lines around the file. */
const FORM_OVERHEAD = 64 * 1024;
const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

/** The upload carries the file, the confirmation the file in base64url. */
export const PAGE_IMPORT_BODY_LIMITS: Record<string, BodyLimit> = {
  '/import': { bytes: IMPORT_MAX_BYTES + FORM_OVERHEAD, message: TOO_LARGE },
  '/import/confirm': { bytes: base64Length(IMPORT_MAX_BYTES) + FORM_OVERHEAD, message: TOO_LARGE },
};

/** Refused rows (and notices) listed one by one on the page; the API lists them all. */
const ROWS_SHOWN = 100;
const NO_FILE = 'Choose a file to import.';
const hidden = { detail: { hide: true } };

const finished = (added: number, present: number) =>
  `Import finished: ${added.toLocaleString('en')} new, ${present.toLocaleString('en')} already imported.`;

export function createTransferPages(service: TransferService, assets: PageAssets, authentication: PageAuthentication) {
  const limits = { megabytes: MEGABYTES, tasks: IMPORT_MAX_TASKS };
  const importPage = (account: Account, props: Pick<ImportPageProps, 'error' | 'preview'>, status = 200) =>
    page(<ImportPage assets={assets} account={account} limits={limits} rowsShown={ROWS_SHOWN} {...props} />, {
      status,
    });

  /** The plan as the page shows it, with the file to send back; 422 when any row is refused. */
  async function previewPage(account: Account, plan: ImportPlan, fileName: string, content: string) {
    const { fresh, present } = await service.preview(account.id, plan);
    const { format, skipped, refused, notices } = plan;
    const preview = { fileName, format, fresh, present, skipped, refused, notices, content };
    return importPage(account, { preview }, refused.length ? 422 : 200);
  }

  return new Elysia({ name: 'transfer-pages' })
    .use(sameOriginForms())
    .use(authentication)
    .get('/export.csv', ({ account }) => exportAnswer(service.exportedTasks(account.id), 'csv', new Date()), hidden)
    .get('/export.json', ({ account }) => exportAnswer(service.exportedTasks(account.id), 'json', new Date()), hidden)
    .get('/import', ({ account }) => importPage(account, {}), hidden)
    .post(
      '/import',
      async ({ request, account }) => {
        const file = await readMultipartFile(request, 'file', PAGE_IMPORT_BODY_LIMITS['/import'] as BodyLimit);
        if (!file) return importPage(account, { error: NO_FILE }, 422);
        if (file.bytes.byteLength > IMPORT_MAX_BYTES) return importPage(account, { error: `${TOO_LARGE}.` }, 413);
        const content = Buffer.from(file.bytes).toString('base64url');
        return previewPage(account, service.plan(file.bytes), file.name, content);
      },
      { parse: bodyReadByHandler, ...hidden },
    )
    .post(
      '/import/confirm',
      async ({ request, account, overHttps }) => {
        const form = await readFormBody(request, PAGE_IMPORT_BODY_LIMITS['/import/confirm']);
        const bytes = Buffer.from(form.content ?? '', 'base64url');
        if (bytes.byteLength === 0) return importPage(account, { error: NO_FILE }, 422);
        if (bytes.byteLength > IMPORT_MAX_BYTES) return importPage(account, { error: `${TOO_LARGE}.` }, 413);
        const plan = service.plan(bytes);
        if (plan.refused.length) return previewPage(account, plan, 'the file', form.content ?? '');
        const { added, already_imported } = await service.importPlan(account.id, plan);
        return redirect('/', [flashCookie({ kind: 'status', text: finished(added, already_imported) }, overHttps)]);
      },
      { parse: bodyReadByHandler, ...hidden },
    );
}
