/** @jsxImportSource @kitajs/html */
/**
 * Dates written the person's way: every date the pages show (a task's due date, the quick-add
 * preview, the message after an add) goes through writtenDate, in the account's locale.
 */

/** Where and when the person is: their locale, and today's date (YYYY-MM-DD) in their time zone. */
export interface Calendar {
  locale: string;
  today: string;
}

/** Dates this close to today, either way, are written without their year: which one is plain. */
const NEAR_DAYS = 180;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Locales are canonical tags (src/accounts/region.ts), yet unbounded in number: keep a few. */
const LOCALES_KEPT = 64;
const FALLBACK_LOCALE = 'en-GB';

interface DateFormats {
  near: Intl.DateTimeFormat;
  far: Intl.DateTimeFormat;
}

// A formatter costs tens of microseconds to make and under one to use: one pair per locale, made
// once. A due date is a calendar date, not an instant: written in UTC, it never shifts a day.
const formatsByLocale = new Map<string, DateFormats>();

function makeFormats(locale: string): DateFormats {
  const day = { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' } as const;
  return {
    near: new Intl.DateTimeFormat(locale, day),
    far: new Intl.DateTimeFormat(locale, { ...day, year: 'numeric' }),
  };
}

function formatsOf(locale: string): DateFormats {
  let formats = formatsByLocale.get(locale);
  if (formats) return formats;
  try {
    formats = makeFormats(locale);
  } catch {
    // An account's locale is checked when it is stored; should one still not work, dates stay readable.
    formats = makeFormats(FALLBACK_LOCALE);
  }
  if (formatsByLocale.size >= LOCALES_KEPT) formatsByLocale.delete(formatsByLocale.keys().next().value as string);
  formatsByLocale.set(locale, formats);
  return formats;
}

/** A calendar date (YYYY-MM-DD) as the person reads it: "Fri 4 Dec" (en-GB), "Fri, Dec 4" (en-US), with the year when far off. */
export function writtenDate(isoDate: string, { locale, today }: Calendar): string {
  const date = Date.parse(isoDate);
  const near = Math.abs(date - Date.parse(today)) <= NEAR_DAYS * DAY_MS;
  const formats = formatsOf(locale);
  return (near ? formats.near : formats.far).format(date);
}

/** A date as the person reads it, marked up with its ISO form for machines; its own language and direction. */
export function CalendarDate({ date, calendar }: { date: string; calendar: Calendar }) {
  return (
    <time datetime={date} lang={calendar.locale} dir="auto" safe>
      {writtenDate(date, calendar)}
    </time>
  );
}
