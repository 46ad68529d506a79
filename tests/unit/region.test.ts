import { expect, test } from 'bun:test';
import { canonicalLocale, canonicalTimeZone } from '../../src/accounts/region';
import { todayIn } from '../../src/lib/calendar-date';

test('a time zone is kept as Intl spells it; anything else is none', () => {
  expect(canonicalTimeZone('Europe/Zurich')).toBe('Europe/Zurich');
  expect(canonicalTimeZone('america/new_york')).toBe('America/New_York');
  expect(canonicalTimeZone('utc')).toBe('UTC');
  for (const nonsense of ['', 'Mars/Olympus', 'Europe/Zurich; DROP TABLE users', 'x'.repeat(65), '+02:00 '])
    expect(canonicalTimeZone(nonsense)).toBeNull();
});

test('a locale is kept as its canonical tag when dates can be written in it', () => {
  expect(canonicalLocale('de-ch')).toBe('de-CH');
  expect(canonicalLocale('en')).toBe('en');
  expect(canonicalLocale('ar-EG')).toBe('ar-EG');
  for (const nonsense of ['', 'not a locale', 'x'.repeat(36), '<script>', 'qq-ZZ'])
    expect(canonicalLocale(nonsense)).toBeNull();
});

test("today is the date where the person is, not the server's", () => {
  const lateEvening = new Date('2026-12-02T23:30:00Z');
  expect(todayIn('UTC', lateEvening)).toBe('2026-12-02');
  expect(todayIn('Pacific/Auckland', lateEvening)).toBe('2026-12-03');
  expect(todayIn('America/Los_Angeles', new Date('2026-12-02T05:00:00Z'))).toBe('2026-12-01');
});

test('today turns at midnight where the person is, to the second, though a date read is reused within its minute', () => {
  // Kathmandu is 5:45 ahead of UTC: its midnight falls at 18:15 UTC.
  expect(todayIn('Asia/Kathmandu', new Date('2026-12-02T18:14:00.000Z'))).toBe('2026-12-02');
  expect(todayIn('Asia/Kathmandu', new Date('2026-12-02T18:14:59.999Z'))).toBe('2026-12-02');
  expect(todayIn('Asia/Kathmandu', new Date('2026-12-02T18:15:00.000Z'))).toBe('2026-12-03');
  expect(todayIn('UTC', new Date('2026-12-02T23:59:59.999Z'))).toBe('2026-12-02');
  expect(todayIn('UTC', new Date('2026-12-03T00:00:00.000Z'))).toBe('2026-12-03');
  // Back in time too (a test's clock, a replay): the date follows the instant asked about.
  expect(todayIn('UTC', new Date('2026-12-02T23:59:59.999Z'))).toBe('2026-12-02');
});
