import { describe, expect, test } from 'bun:test';
import { listViewUrl } from '../../components/list-view-url';
import { parseListView, safeReturnTo, viewShows } from '../../src/tasks/list-view';

describe('list views in URLs', () => {
  test('round-trip through the URL, leaving defaults out', () => {
    expect(listViewUrl({ status: 'all', q: '' })).toBe('/');
    expect(listViewUrl({ status: 'open', q: 'milk & eggs', cursor: 'abc' })).toBe(
      '/?status=open&q=milk+%26+eggs&cursor=abc',
    );
    expect(parseListView(new URLSearchParams('status=done&q=x'))).toEqual({ status: 'done', q: 'x' });
  });

  test('values a link cannot mean fall back to the defaults', () => {
    expect(parseListView({ status: 'bogus', q: 'x'.repeat(500) })).toEqual({ status: 'all', q: 'x'.repeat(200) });
  });

  test('return_to only ever leads back to our own list page', () => {
    expect(safeReturnTo('/?status=open&q=milk')).toBe('/?status=open&q=milk');
    expect(safeReturnTo('http://127.0.0.1:3000/?status=done')).toBe('/?status=done');
    for (const hostile of [
      'https://evil.example/',
      '//evil.example/?status=open',
      '/tasks/1/delete',
      'javascript:alert(1)',
    ]) {
      expect(safeReturnTo(hostile)).toMatch(/^\/(\?|$)/);
      expect(safeReturnTo(hostile)).not.toContain('evil');
    }
    expect(safeReturnTo(undefined)).toBe('/');
    expect(safeReturnTo('/?status=open&utm=1&cursor=c1')).toBe('/?status=open&cursor=c1');
  });

  test('what a view echoes into a URL is bounded: a cursor that cannot be ours is left out, the search cut', () => {
    for (const cursor of ['A'.repeat(513), 'a b', 'a/b', '€'])
      expect(parseListView({ status: 'open', cursor })).toEqual({ status: 'open', q: '' });
    expect(parseListView({ cursor: 'A'.repeat(512) }).cursor).toBe('A'.repeat(512));
    // 200 bytes of UTF-8, cut where a character ends, percent-encode to at most 600 characters.
    expect(parseListView({ q: '€'.repeat(200) }).q).toBe('€'.repeat(66));
    expect(parseListView({ q: `a${'😀'.repeat(100)}` }).q).toBe(`a${'😀'.repeat(49)}`);
    expect(safeReturnTo(`/?q=milk&cursor=${'A'.repeat(6_000)}`)).toBe('/?q=milk');
  });

  test('a view shows the tasks its filter and search match', () => {
    const task = { status: 'open' as const, title: 'Buy MILK', notes: 'at the corner shop' };
    expect(viewShows({ status: 'all', q: '' }, task)).toBe(true);
    expect(viewShows({ status: 'done', q: '' }, task)).toBe(false);
    expect(viewShows({ status: 'open', q: 'milk' }, task)).toBe(true);
    expect(viewShows({ status: 'open', q: 'corner' }, task)).toBe(true);
    expect(viewShows({ status: 'open', q: 'bread' }, task)).toBe(false);
  });
});
