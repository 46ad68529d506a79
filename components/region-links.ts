import { TASK_LIST_IDS } from './task-list-ids';

/** Swaps the task region in place; hx-push-url keeps the address bar (and Back) in step. */
export const swapsRegion = { 'hx-target': `#${TASK_LIST_IDS.region}`, 'hx-swap': 'outerHTML', 'hx-push-url': 'true' };

/**
 * A link that its own answer replaces names where the keyboard focus goes in that answer
 * (static/app.js), so that it does not fall back to the page's start.
 */
export const focusInAnswer = (selector: string) => ({ 'data-focus-in-answer': selector });

/** A link to another view of the list: a plain link, or with htmx a swap of the region that puts the focus in the list. */
export const regionLink = (url: string) => ({
  href: url,
  'hx-get': url,
  ...swapsRegion,
  ...focusInAnswer(`#${TASK_LIST_IDS.items}`),
});
