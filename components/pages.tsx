/** @jsxImportSource @kitajs/html */
import type { ListView, Task } from '../src/tasks/model';
import { BulkActions } from './bulk-actions';
import type { Calendar } from './calendar-dates';
import { Layout, MessageRegions, type PageAssets, type SignedInAccount } from './layout';
import { ListControls } from './list-controls';
import { listViewUrl } from './list-view-url';
import type { QuickAddSettings } from './quick-add-preview';
import { ShortcutsDialog, ShortcutsLink } from './shortcuts';
import { EditTaskForm, type FieldErrors, NewTaskForm, type TaskFormValues } from './task-forms';
import { type ListCounts, type TaskItemProps, TaskRegion } from './task-list';

interface TaskPageProps extends ListCounts, Calendar {
  assets: PageAssets;
  view: ListView;
  items: Task[];
  nextCursor: string | null;
  /** How one item is rendered; the pages pass a cached renderer. */
  renderItem?: (props: TaskItemProps) => JSX.Element;
  /**
   * The add form: what it shows, what the words of its title will set, and whether it takes the
   * focus (after an add without JavaScript).
   */
  form: { values: TaskFormValues; errors: FieldErrors; preview: QuickAddSettings; focus?: boolean };
  flash?: string;
  /** What the status message offers (an Undo form). */
  flashAction?: JSX.Element;
  alert?: string;
  account?: SignedInAccount;
}

export function TaskPage({ assets, view, form, flash, flashAction, alert, account, ...list }: TaskPageProps) {
  const title = view.q ? `“${view.q}” · Tasks` : 'Tasks';
  const calendar = { today: list.today, locale: list.locale };
  return (
    <Layout title={title} assets={assets} account={account}>
      <h1>Tasks</h1>
      <MessageRegions flash={flash} flashAction={flashAction} alert={alert} />
      <NewTaskForm {...form} calendar={calendar} returnTo={listViewUrl(view)} />
      <ListControls view={view} />
      <TaskRegion view={view} {...list} />
      <BulkActions returnTo={listViewUrl(view)} />
      <ShortcutsLink />
      <ShortcutsDialog />
    </Layout>
  );
}

interface EditPageProps {
  assets: PageAssets;
  task: Task;
  values: TaskFormValues;
  errors: FieldErrors;
  conflict?: Task;
  returnTo: string;
  account?: SignedInAccount;
  calendar: Calendar;
}

export function EditPage({ assets, task, returnTo, account, ...form }: EditPageProps) {
  return (
    <Layout title={`Edit “${task.title}” · Tasks`} assets={assets} account={account}>
      <h1>Edit task</h1>
      <MessageRegions />
      <EditTaskForm task={task} returnTo={returnTo} inline={false} {...form} />
    </Layout>
  );
}

export function ErrorPage({ assets, status, message }: { assets: PageAssets; status: number; message: string }) {
  return (
    <Layout title={`${status} · Tasks`} assets={assets}>
      <h1>{status === 404 ? 'Not found' : 'Something went wrong'}</h1>
      <p safe>{message}</p>
      <p>
        <a href="/">Back to your tasks</a>
      </p>
    </Layout>
  );
}
