import { FormatRegistry } from '@sinclair/typebox';
import { isCalendarDate } from '../tasks/service';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * The string formats our schemas use, checked cheaply. @elysiajs/openapi bundles
 * @sinclair/typemap, whose import replaces TypeBox's global `date` and `date-time` checks with Zod
 * pipelines built on every call: 4 µs instead of 0.1 µs, three times per task in every list.
 * Registered after the plugin is loaded, so ours are the ones in force.
 */
export const FORMATS = {
  date: (value: string) => isCalendarDate(value),
  'date-time': (value: string) => ISO_DATE_TIME.test(value) && isCalendarDate(value.slice(0, 10)),
};

export function registerFormats(): void {
  for (const [name, check] of Object.entries(FORMATS)) FormatRegistry.Set(name, check);
}
