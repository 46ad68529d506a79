import { describe, expect, test } from 'bun:test';
import { type Flash, flashCookie, takeFlash } from '../../src/http/flash';
import { UNDO_ROUTES, undoBulkDelete, undoComplete, undoDelete } from '../../src/tasks/undo';

/** The Cookie header a browser sends back for a flash cookie we set. */
const sentBack = (message: Flash) => flashCookie(message, false).split(';')[0] ?? '';
/** A flash cookie as anyone could write it into their own browser. */
const forged = (value: unknown) => `flash=${Buffer.from(JSON.stringify(value)).toString('base64url')}`;
const read = (cookie: string) => takeFlash(cookie, UNDO_ROUTES).flash;

describe('a message that offers an undo, across a redirect', () => {
  test('each undo the task page offers reads back as it was written', () => {
    const deletedAt = '2026-12-02T10:15:00.123Z';
    for (const undo of [undoDelete({ id: 42 }), undoComplete({ id: 42, version: 7 }), undoBulkDelete(deletedAt)]) {
      const message = { kind: 'status', text: 'Deleted “Buy milk”', undo } as const;
      expect(read(sentBack(message))).toEqual(message);
    }
  });

  test('the undo survives a title long enough to be cut', () => {
    const message = {
      kind: 'status',
      text: `Completed “${'😀'.repeat(200)}”`,
      undo: undoComplete({ id: 9, version: 3 }),
    };
    const cookie = sentBack(message as Flash);
    expect(cookie.length).toBeLessThanOrEqual('flash='.length + 1024);
    expect(read(cookie)?.undo).toEqual(message.undo);
  });

  test('an undo naming anything but our own routes and fields is dropped, the message kept', () => {
    const text = 'Deleted “Buy milk”';
    for (const undo of [
      { path: '/signout', fields: {} },
      { path: '/settings/sign-out-everywhere', fields: {} },
      { path: 'https://evil.example/tasks/1/restore', fields: {} },
      { path: '/tasks/1/restore?x=1', fields: {} },
      { path: '/tasks/0/restore', fields: {} },
      { path: '/tasks/1/delete', fields: {} },
      { path: '/tasks/1/restore', fields: { version: '1' } },
      { path: '/tasks/1/reopen', fields: {} },
      { path: '/tasks/1/reopen', fields: { version: '1" autofocus onfocus="x' } },
      { path: '/tasks/1/reopen', fields: { version: 1 } },
      { path: '/tasks/bulk', fields: { action: 'delete', deleted_at: '2026-12-02T10:15:00.123Z' } },
      { path: '/tasks/bulk', fields: { action: 'restore', deleted_at: 'yesterday' } },
      { path: '/tasks/bulk', fields: { action: 'restore' } },
      { path: '/tasks/1/restore', fields: null },
      { path: ['/tasks/1/restore'], fields: {} },
      'POST /tasks/1/restore',
    ]) {
      expect({ undo, flash: read(forged({ kind: 'status', text, undo })) }).toEqual({
        undo,
        flash: { kind: 'status', text },
      });
    }
  });

  test('a reader that offers no undo (the account pages) never shows one', () => {
    const cookie = sentBack({ kind: 'status', text: 'Deleted “Buy milk”', undo: undoDelete({ id: 1 }) });
    expect(takeFlash(cookie).flash).toEqual({ kind: 'status', text: 'Deleted “Buy milk”' });
  });
});
