import { t } from 'elysia';
import { readFormParams } from '../http/request-body';
import { BULK_MAX, type BulkRequest } from './model';

/**
 * The bulk actions' form on the task page: which action its pressed button named, and the tasks
 * ticked, each as `id:version` (the version the page showed, so a task changed elsewhere refuses
 * the change). Read into the API's own BulkRequest, or into a problem said in the user's words.
 */

/** What the form posts: `task` once per ticked checkbox (src/http/request-body.ts keeps them all). */
export const BulkFormBody = t.Object(
  {
    action: t.Optional(t.String()),
    task: t.Array(t.String()),
    deleted_at: t.Optional(t.String()),
    return_to: t.Optional(t.String()),
  },
  { additionalProperties: true },
);
export type BulkFormBody = typeof BulkFormBody.static;

/** Every field as its last value, but `task` as every value sent. */
export async function readBulkFormBody(request: Request): Promise<BulkFormBody> {
  const params = await readFormParams(request);
  return { ...Object.fromEntries(params), task: params.getAll('task') };
}

/** The actions the page offers; `restore` is the Undo of a bulk delete, by its instant. */
const PAGE_ACTIONS = ['complete', 'delete', 'clear_completed', 'restore'] as const;
type PageAction = (typeof PAGE_ACTIONS)[number];

export interface Ticked {
  id: number;
  version: number;
}

export interface BulkForm {
  /** The change to make, or null when the form cannot be carried out; `problem` then says why. */
  change: BulkRequest | null;
  problem: string;
  /** The tasks ticked, to show them ticked again when the change is refused. */
  ticked: Ticked[];
}

const TICKED = /^([1-9][0-9]{0,14}):([1-9][0-9]{0,9})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const isPageAction = (action: string | undefined): action is PageAction => PAGE_ACTIONS.includes(action as PageAction);

export function readBulkForm(body: BulkFormBody): BulkForm {
  const parsed = body.task.map((value) => TICKED.exec(value));
  const ticked = parsed.flatMap((match) => (match ? [{ id: Number(match[1]), version: Number(match[2]) }] : []));
  const refused = (problem: string): BulkForm => ({ change: null, problem, ticked });
  const { action } = body;
  if (!isPageAction(action)) return refused('Choose what to do with the selected tasks.');
  if (action === 'clear_completed') return { change: { action }, problem: '', ticked };
  if (action === 'restore') {
    if (!INSTANT.test(body.deleted_at ?? '')) return refused('That undo could not be read, so nothing was restored.');
    return { change: { action, deleted_at: body.deleted_at }, problem: '', ticked };
  }
  if (ticked.length < parsed.length) return refused('The selection could not be read; reload the page and try again.');
  if (ticked.length === 0) return refused(`Nothing is selected: tick the tasks to ${action} first.`);
  if (ticked.length > BULK_MAX) return refused(`Select at most ${BULK_MAX.toLocaleString('en')} tasks at a time.`);
  return { change: { action, tasks: ticked }, problem: '', ticked };
}
