// Loaded first on purpose: @elysiajs/openapi bundles @sinclair/typemap, whose import replaces
// TypeBox's global `date` and `date-time` checks with Zod pipelines built on every call, forty
// times the cost of ours, three times per task in every list. Ours are registered after it, once.
import '@elysiajs/openapi';
import { FormatRegistry } from '@sinclair/typebox';
import { isCalendarDate } from '../lib/calendar-date';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** The string formats our schemas use, checked cheaply and strictly (real calendar dates). */
export const FORMATS = {
  date: (value: string) => isCalendarDate(value),
  'date-time': (value: string) => ISO_DATE_TIME.test(value) && isCalendarDate(value.slice(0, 10)),
};

for (const [name, check] of Object.entries(FORMATS)) FormatRegistry.Set(name, check);
