import { describe, expect, test } from 'bun:test';
import { readBulkForm } from '../../src/tasks/bulk-form';

describe('the bulk form, read', () => {
  const body = (fields: { action?: string; task?: string[]; deleted_at?: string }) => ({ task: [], ...fields });

  test('ticked tasks with the versions shown, and the pressed button’s action', () => {
    expect(readBulkForm(body({ action: 'complete', task: ['4:2', '17:1'] }))).toEqual({
      change: {
        action: 'complete',
        tasks: [
          { id: 4, version: 2 },
          { id: 17, version: 1 },
        ],
      },
      problem: '',
      ticked: [
        { id: 4, version: 2 },
        { id: 17, version: 1 },
      ],
    });
    // Clearing completed tasks names none: the ticks are left out of the change.
    expect(readBulkForm(body({ action: 'clear_completed', task: ['4:2'] })).change).toEqual({
      action: 'clear_completed',
    });
    expect(readBulkForm(body({ action: 'restore', deleted_at: '2026-12-02T10:15:00.123Z' })).change).toEqual({
      action: 'restore',
      deleted_at: '2026-12-02T10:15:00.123Z',
    });
  });

  test('what cannot be carried out is said in words, never passed on', () => {
    const problemOf = (fields: Parameters<typeof body>[0]) => {
      const form = readBulkForm(body(fields));
      expect(form.change).toBeNull();
      return form.problem;
    };
    expect(problemOf({ action: 'complete' })).toBe('Nothing is selected: tick the tasks to complete first.');
    expect(problemOf({ action: 'delete' })).toBe('Nothing is selected: tick the tasks to delete first.');
    expect(problemOf({ task: ['4:2'] })).toBe('Choose what to do with the selected tasks.');
    expect(problemOf({ action: 'reopen', task: ['4:2'] })).toBe('Choose what to do with the selected tasks.');
    expect(problemOf({ action: 'delete', task: ['4:2', '4'] })).toContain('could not be read');
    expect(problemOf({ action: 'delete', task: ['0x4:2'] })).toContain('could not be read');
    expect(problemOf({ action: 'restore', deleted_at: 'now' })).toContain('nothing was restored');
    const many = Array.from({ length: 1_001 }, (_, n) => `${n + 1}:1`);
    expect(problemOf({ action: 'complete', task: many })).toBe('Select at most 1,000 tasks at a time.');
  });
});
