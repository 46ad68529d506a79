/** @jsxImportSource @kitajs/html */
import { TaskItem, type TaskItemProps } from '../../components/task-list';
import { text } from '../http/html';
import { flattened } from '../lib/flat-string';
import { createLruCache } from '../lib/lru-cache';

/**
 * Rendered task items, kept by everything an item's HTML depends on. A task never changes without
 * a new version (and updated_at), so a cached item can only be stale if its key lies; the page
 * around it (counts, filters, the list itself) is always rendered fresh. Rendering attributes is
 * what a page spends most of its time on, so a page of 50 known tasks becomes 50 lookups.
 */
// A page holds 50 items of about 1.5 KB, so 4 MB keeps the items of some twenty-five pages. Under
// writes it fills with every new task's item, most of which no page shows once 50 newer tasks push
// them off the list: 16 MB of those kept the process 15-30 MB larger (docs/troubleshooting.md).
export function createItemCache(maxBytes = 4 * 1024 * 1024) {
  // Strings are counted at two bytes a character, as a JavaScript engine may hold them.
  const items = createLruCache<string>({ maxBytes, sizeOf: (html) => html.length * 2 });
  return function renderItem(props: TaskItemProps): string {
    const { task } = props;
    // Today marks overdue tasks and decides whether a date shows its year; the locale writes it.
    const key = `${task.id}:${task.version}:${task.updated_at}:${task.created_at}:${props.today}:${props.locale}:${props.focus ?? ''}:${props.selected ? 1 : 0}:${props.returnTo}`;
    let html = items.get(key);
    if (html === undefined) {
      html = flattened(text(<TaskItem {...props} />));
      items.set(key, html);
    }
    return html;
  };
}
