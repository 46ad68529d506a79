/** Accepts only real calendar dates in YYYY-MM-DD within MySQL's DATE range (years 1000–9999). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1000 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// One formatter per time zone, made once: making one costs more than a request's other work.
const DATE_IN_ZONE = new Map<string, Intl.DateTimeFormat>();

/** Today's date (YYYY-MM-DD) in a time zone (an IANA name Intl knows). */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  let format = DATE_IN_ZONE.get(timeZone);
  if (!format) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    DATE_IN_ZONE.set(timeZone, format);
  }
  return format.format(now);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The calendar date `days` after `date` (both YYYY-MM-DD); negative goes back. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
