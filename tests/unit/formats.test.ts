import { expect, test } from 'bun:test';
import { FormatRegistry } from '@sinclair/typebox';
import { createApp } from '../../src/app';
import { openSqlite } from '../../src/db/sqlite';
import { FORMATS } from '../../src/http/formats';
import { createLogger } from '../../src/lib/logger';

test('once the app is built, the date formats in force are ours, not the ones the OpenAPI plugin installs', () => {
  createApp({ db: openSqlite(':memory:'), logger: createLogger('error', () => {}) });
  expect(FormatRegistry.Get('date')).toBe(FORMATS.date);
  expect(FormatRegistry.Get('date-time')).toBe(FORMATS['date-time']);
});

test('they accept real dates and timestamps only', () => {
  expect(['2026-02-28', '2024-02-29'].map(FORMATS.date)).toEqual([true, true]);
  expect(['2026-02-30', '2026-13-01', 'yesterday', '26-01-01'].map(FORMATS.date)).toEqual([false, false, false, false]);
  const dateTime = FORMATS['date-time'];
  expect(['2026-11-20T10:00:00.000Z', '2026-11-20T10:00:00+01:00'].map(dateTime)).toEqual([true, true]);
  expect(['2026-11-20 10:00:00', '2026-02-30T10:00:00Z', 'now'].map(dateTime)).toEqual([false, false, false]);
});
