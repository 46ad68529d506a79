import { SEARCH_WORD } from './seed';
import type { LoadSpec } from './wrk';

/**
 * What the bench measures, one line per row, in this order (writes after every read). The nginx row
 * follows the direct page row, so the two are measured moments apart. Every row is signed in: pages
 * with the session cookie a browser sends, the API with a token as a script does (bench/accounts.ts
 * adds them), and one API row with the cookie, as the page's own scripts and Swagger UI send it.
 */
export interface Endpoint {
  /** For --only and the targets. */
  id: string;
  label: string;
  kind: 'read' | 'write';
  via: 'app' | 'nginx';
  /** How the request proves who sends it. */
  credential: 'session' | 'token';
  load: LoadSpec;
}

/**
 * What every browser sends (Chromium's list), and most HTTP clients a variant of: cached pages and
 * API lists answer gzipped to it. One row asks without it, to show what an identity answer costs.
 */
const CLIENT_HEADERS = { 'Accept-Encoding': 'gzip, deflate, br, zstd' };

const get = (path: string): LoadSpec => ({ method: 'GET', path, headers: CLIENT_HEADERS });

export const ENDPOINTS: readonly Endpoint[] = [
  { id: 'page', label: 'GET / (full page)', kind: 'read', via: 'app', credential: 'session', load: get('/') },
  {
    id: 'page-nginx',
    label: 'GET / (through nginx)',
    kind: 'read',
    via: 'nginx',
    credential: 'session',
    load: get('/'),
  },
  {
    id: 'page-identity',
    label: 'GET / (no Accept-Encoding)',
    kind: 'read',
    via: 'app',
    credential: 'session',
    load: { method: 'GET', path: '/' },
  },
  {
    id: 'page-open',
    label: 'GET /?status=open',
    kind: 'read',
    via: 'app',
    credential: 'session',
    load: get('/?status=open'),
  },
  {
    id: 'page-search',
    label: `GET /?q=${SEARCH_WORD}`,
    kind: 'read',
    via: 'app',
    credential: 'session',
    load: get(`/?q=${SEARCH_WORD}`),
  },
  { id: 'api-list', label: 'GET /api/tasks', kind: 'read', via: 'app', credential: 'token', load: get('/api/tasks') },
  {
    id: 'api-list-session',
    label: 'GET /api/tasks (session cookie)',
    kind: 'read',
    via: 'app',
    credential: 'session',
    load: get('/api/tasks'),
  },
  {
    id: 'api-list-due',
    label: 'GET /api/tasks?status=open&sort=due',
    kind: 'read',
    via: 'app',
    credential: 'token',
    load: get('/api/tasks?status=open&sort=due'),
  },
  {
    id: 'api-get',
    label: 'GET /api/tasks/:id',
    kind: 'read',
    via: 'app',
    credential: 'token',
    load: { method: 'GET', path: '/api/tasks/', randomId: true, expect: 200, headers: CLIENT_HEADERS },
  },
  {
    id: 'api-post',
    label: 'POST /api/tasks',
    kind: 'write',
    via: 'app',
    credential: 'token',
    load: {
      method: 'POST',
      path: '/api/tasks',
      body: { title: 'Benchmark task', notes: 'Created by bun run bench.', priority: 'normal', due_date: '2026-12-01' },
      expect: 201,
      headers: CLIENT_HEADERS,
    },
  },
  {
    id: 'api-patch',
    label: 'PATCH /api/tasks/:id',
    kind: 'write',
    via: 'app',
    credential: 'token',
    load: {
      method: 'PATCH',
      path: '/api/tasks/',
      randomId: true,
      body: { priority: 'high' },
      expect: 200,
      headers: CLIENT_HEADERS,
    },
  },
];

/** Reads first, then writes, keeping the list's order within each. */
export function runOrder(endpoints: readonly Endpoint[]): Endpoint[] {
  return [...endpoints.filter((e) => e.kind === 'read'), ...endpoints.filter((e) => e.kind === 'write')];
}
