import { describe, expect, test } from 'bun:test';
import { listViewUrl, sortOf } from '../../components/list-view-url';
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

  test('due views, priority and order round-trip; each view has one URL, without its own order', () => {
    const view = parseListView(new URLSearchParams('status=open&q=rent&priority=high&sort=priority'));
    expect(view).toEqual({ status: 'open', q: 'rent', priority: 'high', sort: 'priority' });
    expect(listViewUrl(view)).toBe('/?status=open&q=rent&priority=high&sort=priority');
    const due = parseListView(new URLSearchParams('due=today&q=rent&priority=high'));
    expect(due).toEqual({ status: 'all', due: 'today', q: 'rent', priority: 'high' });
    expect(listViewUrl(due)).toBe('/?due=today&q=rent&priority=high');
    // Newest first is the default, and a due view is always in due-date order: neither is written.
    expect(parseListView({ sort: 'created' })).toEqual({ status: 'all', q: '' });
    for (const sort of ['due', 'priority', 'created'])
      expect(parseListView({ due: 'week', sort })).toEqual({ status: 'all', q: '', due: 'week' });
    expect(listViewUrl({ status: 'all', q: '', due: 'week', sort: 'priority' })).toBe('/?due=week');
    expect(sortOf({ status: 'all', q: '', due: 'week', sort: 'priority' })).toBe('due');
    // What a GET form without JavaScript sends: every field, defaults and all.
    const submitted = new URLSearchParams('q=&status=open&sort=created&priority=');
    expect(listViewUrl(parseListView(submitted))).toBe('/?status=open');
  });

  test('due, order and priority values a link cannot mean fall back to the defaults', () => {
    expect(parseListView({ due: 'tomorrow', sort: 'random', priority: 'urgent' })).toEqual({ status: 'all', q: '' });
    expect(parseListView({ due: ['today', 'week'] as unknown as string })).toEqual({ status: 'all', q: '' });
    // A due view lists open tasks: it takes the status's place.
    expect(parseListView({ status: 'done', due: 'overdue' })).toEqual({ status: 'all', q: '', due: 'overdue' });
    expect(safeReturnTo('/?due=today&sort=bogus&priority=high')).toBe('/?due=today&priority=high');
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
    const task = {
      status: 'open' as const,
      title: 'Buy MILK',
      notes: 'at the corner shop',
      priority: 'high' as const,
      due_date: null,
    };
    const today = '2026-12-04';
    expect(viewShows({ status: 'all', q: '' }, task, today)).toBe(true);
    expect(viewShows({ status: 'done', q: '' }, task, today)).toBe(false);
    expect(viewShows({ status: 'open', q: 'milk' }, task, today)).toBe(true);
    expect(viewShows({ status: 'open', q: 'corner' }, task, today)).toBe(true);
    expect(viewShows({ status: 'open', q: 'bread' }, task, today)).toBe(false);
    expect(viewShows({ status: 'all', q: '', priority: 'high' }, task, today)).toBe(true);
    expect(viewShows({ status: 'all', q: '', priority: 'low' }, task, today)).toBe(false);
  });

  test('a due view shows open tasks due in its window, seen from the day given', () => {
    const dueOn = (due_date: string | null, status: 'open' | 'done' = 'open') =>
      ({ status, title: 'Pay rent', notes: '', priority: 'normal', due_date }) as const;
    const shownIn = (due: 'overdue' | 'today' | 'week', task: ReturnType<typeof dueOn>, today: string) =>
      viewShows({ status: 'all', q: '', due }, task, today);
    const today = '2026-12-04';
    expect(shownIn('overdue', dueOn('2026-12-03'), today)).toBe(true);
    expect(shownIn('overdue', dueOn('2026-12-04'), today)).toBe(false);
    expect(shownIn('overdue', dueOn('2026-12-03', 'done'), today)).toBe(false);
    expect(shownIn('today', dueOn('2026-12-04'), today)).toBe(true);
    expect(shownIn('today', dueOn('2026-12-04'), '2026-12-05')).toBe(false);
    expect(shownIn('week', dueOn('2026-12-10'), today)).toBe(true);
    expect(shownIn('week', dueOn('2026-12-11'), today)).toBe(false);
    expect(shownIn('week', dueOn(null), today)).toBe(false);
  });
});
