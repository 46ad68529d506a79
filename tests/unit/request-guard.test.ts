import { expect, test } from 'bun:test';
import { createApp } from '../../src/app';
import { openSqlite } from '../../src/db/sqlite';
import { SERVED_METHODS } from '../../src/http/request-guard';
import { hostNameOf } from '../../src/lib/host-name';
import { createLogger } from '../../src/lib/logger';

/** The request guard's two facts: which methods exist here, and what counts as a host name. */

test('SERVED_METHODS names every method a route answers, so the guard never refuses a real route', () => {
  const app = createApp({ db: openSqlite(':memory:'), logger: createLogger('error', () => {}) });
  const routeMethods = new Set(app.routes.map((route) => route.method));
  expect([...routeMethods].filter((method) => !SERVED_METHODS.includes(method))).toEqual([]);
});

test('a host name is read in lower case, without its port or a trailing dot', () => {
  expect(
    ['localhost', 'LocalHost:3000', '127.0.0.1:8080', '[::1]', '[::1]:443', 'Tasks.Example.COM.', 'ip-10-0-1-23_a'].map(
      hostNameOf,
    ),
  ).toEqual(['localhost', 'localhost', '127.0.0.1', '[::1]', '[::1]', 'tasks.example.com', 'ip-10-0-1-23_a']);
});

test('anything else is not a host name', () => {
  const refused = ['', '%', '[', 'é', 'a b', 'user@evil.example', 'a/b', 'a?b', 'a#b', 'a\\b', 'a,b', 'a, b', 'a..b'];
  const badPorts = ['localhost:', 'localhost:99999', 'localhost:80:80', '[::1]:x'];
  const badAddresses = ['[::g]', '[1.2.3.4]', '::1', '[::1'];
  expect([...refused, ...badPorts, ...badAddresses].filter((value) => hostNameOf(value) !== null)).toEqual([]);
});
