import { InvalidInputError } from '../lib/domain-errors';
import type { Task } from './model';
import type { ListPosition, TaskStore } from './store';
import { type FileKind, type ImportPlan, planImport, type RowProblem } from './transfer';

/**
 * Export and import, shared by the pages and the API. An export reads the owner's tasks a batch at
 * a time by keyset, so it costs the same memory for ten tasks or a million; an import stores every
 * task of a file in one transaction, or none when any row breaks a rule.
 */

/** Tasks per read while exporting: one batch is all an export holds at a time. */
export const EXPORT_BATCH = 500;

export interface ImportPreview {
  plan: ImportPlan;
  /** Tasks the import would add, and tasks of the file a former import added already. */
  fresh: number;
  present: number;
}

export interface ImportOutcome {
  added: number;
  already_imported: number;
  notices: RowProblem[];
}

export type TransferService = ReturnType<typeof createTransferService>;

function refusalMessage(refused: readonly RowProblem[]): string {
  const rows = new Set(refused.map((problem) => problem.line)).size;
  return `Nothing was imported: ${rows === 1 ? 'one row' : `${rows} rows`} cannot be imported as written`;
}

export function createTransferService(store: TaskStore, clock: () => Date = () => new Date()) {
  return {
    /** The owner's tasks, newest first (as the list shows them), a batch at a time as they are read. */
    async *exportedTasks(owner: number): AsyncGenerator<Task[]> {
      let after: ListPosition | null = null;
      for (;;) {
        const batch = await store.list(owner, { status: 'all' }, 'created', after, EXPORT_BATCH);
        if (batch.length) yield batch;
        const last = batch.at(-1);
        if (!last || batch.length < EXPORT_BATCH) return;
        after = { sort: 'created', id: last.id };
      }
    },

    /** What a file holds, checked; nothing is stored. */
    plan: (bytes: Uint8Array, declared: FileKind | null = null): ImportPlan => planImport(bytes, declared, clock()),

    /** The plan, and how many of its tasks are new to the owner. */
    async preview(owner: number, plan: ImportPlan): Promise<ImportPreview> {
      const keys = plan.refused.length ? [] : plan.tasks.map(({ task }) => task.request.key);
      const taken = await store.takenRequestKeys(owner, keys);
      return { plan, fresh: keys.length - taken.size, present: taken.size };
    },

    /**
     * Stores the plan's tasks that the owner has not imported before, all in one transaction; a plan
     * with any refused row stores nothing and throws them all.
     */
    async importPlan(owner: number, plan: ImportPlan): Promise<ImportOutcome> {
      if (plan.refused.length) throw new InvalidInputError(plan.refused, refusalMessage(plan.refused));
      // Last row first: the file's first task gets the newest id and heads the list, as in the file.
      const tasks = plan.tasks.map(({ task }) => task).reverse();
      const { added, present } = await store.insertMany(owner, tasks, clock());
      return { added, already_imported: present, notices: plan.notices };
    },
  };
}
