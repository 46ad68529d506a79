/**
 * Where an account's person is: the time zone that decides what "today" and "overdue" mean, and the
 * locale dates are written in. The browser reports both (Intl on the page, at sign-in and when
 * they change); an account may instead pin them on the settings page, which is also how a browser
 * without JavaScript sets them.
 */

export interface Region {
  time_zone: string;
  locale: string;
}

export const DEFAULT_REGION: Region = { time_zone: 'UTC', locale: 'en-GB' };
/** IANA names are at most 32 characters today; BCP 47 tags as browsers send them, at most 35. */
export const TIME_ZONE_MAX = 64;
export const LOCALE_MAX = 35;

/** The time zone as Intl spells it ("asia/kolkata" → "Asia/Kolkata"), or null when it names none. */
export function canonicalTimeZone(value: string): string | null {
  if (!value || value.length > TIME_ZONE_MAX) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The locale's canonical tag, when dates can be written in it; otherwise null. */
export function canonicalLocale(value: string): string | null {
  if (!value || value.length > LOCALE_MAX) return null;
  try {
    const [tag] = Intl.getCanonicalLocales(value);
    return tag && Intl.DateTimeFormat.supportedLocalesOf([tag]).length === 1 ? tag : null;
  } catch {
    return null;
  }
}

/** Every time zone the settings page offers, by name. */
export const TIME_ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

/** The locales the settings page offers: their dates differ in order, month names or digits. */
export const LOCALES: readonly string[] = [
  'ar-EG',
  'cs-CZ',
  'da-DK',
  'de-CH',
  'de-DE',
  'el-GR',
  'en-AU',
  'en-CA',
  'en-GB',
  'en-IE',
  'en-IN',
  'en-NZ',
  'en-US',
  'en-ZA',
  'es-ES',
  'es-MX',
  'fa-IR',
  'fi-FI',
  'fr-CA',
  'fr-FR',
  'he-IL',
  'hi-IN',
  'hu-HU',
  'id-ID',
  'it-IT',
  'ja-JP',
  'ko-KR',
  'nb-NO',
  'nl-NL',
  'pl-PL',
  'pt-BR',
  'pt-PT',
  'ro-RO',
  'ru-RU',
  'sv-SE',
  'th-TH',
  'tr-TR',
  'uk-UA',
  'vi-VN',
  'zh-CN',
  'zh-TW',
];
