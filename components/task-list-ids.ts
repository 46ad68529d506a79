/** The DOM ids of the list's parts, which routes target with htmx partials. */
export const TASK_LIST_IDS = {
  region: 'task-region',
  items: 'task-items',
  statusFilters: 'status-filters',
  dueFilters: 'due-filters',
  emptyState: 'empty-state',
  pager: 'pager',
  heading: 'task-list-heading',
  /** The bulk actions' form, outside the list: each item's checkbox belongs to it by its form attribute. */
  bulkForm: 'bulk',
} as const;
