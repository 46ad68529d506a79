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
// And the date it last gave, for the minute it was asked in: every zone's midnight falls on a whole
// UTC minute (offsets are whole minutes), so the date holds for the rest of that minute. Formatting
// it anew was about 5 % of a cached page's CPU.
const LAST_DATE = new Map<string, { minute: number; date: string }>();

/** Today's date (YYYY-MM-DD) in a time zone (an IANA name Intl knows). */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const minute = Math.floor(now.getTime() / 60_000);
  const last = LAST_DATE.get(timeZone);
  if (last?.minute === minute) return last.date;
  let format = DATE_IN_ZONE.get(timeZone);
  if (!format) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    DATE_IN_ZONE.set(timeZone, format);
  }
  const date = format.format(now);
  LAST_DATE.set(timeZone, { minute, date });
  return date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The calendar date `days` after `date` (both YYYY-MM-DD); negative goes back. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
