import { expect, test } from 'bun:test';
import { parseQuickAdd } from '../../src/tasks/quick-add';

// A Wednesday.
const TODAY = '2026-12-02';

test('priority and due date words anywhere in the title are taken out and set', () => {
  expect(parseQuickAdd('Call the bank tomorrow !high', TODAY)).toEqual({
    title: 'Call the bank',
    priority: 'high',
    due_date: '2026-12-03',
  });
  expect(parseQuickAdd('!low Water the plants today', TODAY)).toEqual({
    title: 'Water the plants',
    priority: 'low',
    due_date: TODAY,
  });
  expect(parseQuickAdd('File taxes due 2027-04-15', TODAY)).toEqual({ title: 'File taxes', due_date: '2027-04-15' });
  expect(parseQuickAdd('TODAY: ship it !HIGH', TODAY)).toEqual({ title: 'TODAY: ship it', priority: 'high' });
});

test('a weekday is its next date, today included; three-letter names too', () => {
  expect(parseQuickAdd('Standup wednesday', TODAY).due_date).toBe('2026-12-02');
  expect(parseQuickAdd('Standup thursday', TODAY).due_date).toBe('2026-12-03');
  expect(parseQuickAdd('Review Mon', TODAY).due_date).toBe('2026-12-07');
  expect(parseQuickAdd('Review tuesday', TODAY).due_date).toBe('2026-12-08');
  expect(parseQuickAdd('Pay rent sun', '2026-12-31').due_date).toBe('2027-01-03');
});

test('a quoted word stays in the title as typed; so do words that only look like tokens', () => {
  expect(parseQuickAdd('Watch "Today" tonight', TODAY)).toEqual({ title: 'Watch "Today" tonight' });
  expect(parseQuickAdd('Fix "!high" parsing tomorrow', TODAY)).toEqual({
    title: 'Fix "!high" parsing',
    due_date: '2026-12-03',
  });
  expect(parseQuickAdd('todays list !highest', TODAY)).toEqual({ title: 'todays list !highest' });
  expect(parseQuickAdd('Renew due 2026-02-30', TODAY)).toEqual({ title: 'Renew due 2026-02-30' });
  expect(parseQuickAdd('Birthday due soon', TODAY)).toEqual({ title: 'Birthday due soon' });
});

test('the later word wins; a title of tokens alone is kept as typed', () => {
  expect(parseQuickAdd('Move today tomorrow !low !high', TODAY)).toEqual({
    title: 'Move',
    priority: 'high',
    due_date: '2026-12-03',
  });
  expect(parseQuickAdd('Tomorrow', TODAY)).toEqual({ title: 'Tomorrow' });
  expect(parseQuickAdd('  today !high ', TODAY)).toEqual({ title: '  today !high ' });
});

test('spacing inside the title is kept; unicode and emoji pass through', () => {
  expect(parseQuickAdd('Café  with Zoë 🚀 friday', TODAY)).toEqual({
    title: 'Café  with Zoë 🚀',
    due_date: '2026-12-04',
  });
  expect(parseQuickAdd('مراجعة التقرير tomorrow', TODAY)).toEqual({ title: 'مراجعة التقرير', due_date: '2026-12-03' });
});
