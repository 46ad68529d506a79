/** @jsxImportSource @kitajs/html */
import type { ListView, TaskPriority, TaskSort } from '../src/tasks/model';
import { sortOf } from './list-view-url';
import { swapsRegion } from './region-links';

/** The form's DOM ids: the form (htmx names it in HX-Source) and the part a view link's answer replaces. */
export const LIST_CONTROLS_IDS = { form: 'list-controls', options: 'list-options' } as const;

const SORT_LABELS: Record<TaskSort, string> = { created: 'Newest first', due: 'Due date', priority: 'Priority' };
const PRIORITY_FILTERS: { value: TaskPriority | ''; label: string }[] = [
  { value: '', label: 'All priorities' },
  { value: 'high', label: 'High only' },
  { value: 'normal', label: 'Normal only' },
  { value: 'low', label: 'Low only' },
];

/**
 * Search, order and priority: one GET form, so that without JavaScript its button shows the list
 * they describe (the status or due view rides along in hidden fields) and every combination has a
 * URL. With htmx any change swaps the list region (a newer change replaces one still on its way)
 * and the server says which URL to push: the view's own, without the defaults.
 */
export function ListControls({ view }: { view: ListView }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: the form itself is the search landmark, in every browser.
    <form
      id={LIST_CONTROLS_IDS.form}
      role="search"
      class="search"
      method="get"
      action="/"
      hx-get="/"
      {...swapsRegion}
      hx-trigger="submit, input delay:300ms"
      hx-sync="this:replace"
    >
      <div class="search-row">
        <label for="search-q">Search</label>
        <input
          id="search-q"
          type="search"
          name="q"
          value={view.q}
          dir="auto"
          autocomplete="off"
          placeholder="Title or notes"
        />
        <button type="submit">Search</button>
      </div>
      <ListOptions view={view} />
    </form>
  );
}

/**
 * The view's own settings in the form: order, priority, and the status or due view it shows. A
 * view link's answer replaces them (outOfBand), so that the next search keeps that view, and the
 * order shows the new view's: a due view's is always its due dates (the order is not for choosing
 * there, and a disabled select sends nothing).
 */
export function ListOptions({ view, outOfBand = false }: { view: ListView; outOfBand?: boolean }) {
  const sort = sortOf(view);
  return (
    <div id={LIST_CONTROLS_IDS.options} class="list-options" hx-swap-oob={outOfBand ? 'true' : undefined}>
      <input type="hidden" name="status" value={view.status} />
      {view.due ? <input type="hidden" name="due" value={view.due} /> : ''}
      <div class="list-option">
        <label for="list-sort">Sort by</label>
        <select id="list-sort" name="sort" disabled={Boolean(view.due)}>
          {(Object.keys(SORT_LABELS) as TaskSort[]).map((value) => (
            <option value={value} selected={value === sort} safe>
              {SORT_LABELS[value]}
            </option>
          ))}
        </select>
      </div>
      <div class="list-option">
        <label for="list-priority">Show</label>
        <select id="list-priority" name="priority">
          {PRIORITY_FILTERS.map(({ value, label }) => (
            <option value={value} selected={value === (view.priority ?? '')} safe>
              {label}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
