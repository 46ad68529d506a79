import type { Endpoint } from './endpoints';
import { SEARCH_WORD } from './seed';
import { errorCount, type WrkResult } from './wrk';

/** Figures from one table size. */
export interface SizeResult {
  /** The size asked for; `rows` is what the table held while measured. */
  size: number;
  rows: number;
  inserted: number;
  seedSeconds: number;
  searchShare: number;
  /** How long the machine took to go quiet after seeding, before anything was measured. */
  settle: { seconds: number; settled: boolean };
  pid: number | null;
  /** Largest RSS sampled during and after the load runs and the cache attack, kB. */
  rssMaxKb: number;
  /** The cache-filling attack run after the load (bench/cache-attack.ts). */
  cacheAttack: CacheAttack;
  /** The kernel's RSS high-water mark for the app process (VmHWM), kB. */
  peakKb: number;
  /** Share of the machine's CPU that processes outside the bench used during the runs (0–1). */
  othersCpuShare: number;
  /** Maintained task_counts against COUNT(*) after the write runs (see countsDrift); null without them. */
  countsAfterWrites: string | null;
  checks: ResponseCheck[];
  runs: RunRow[];
  /** The gate's lookups and the signed-in handlers, timed in the bench's process (bench/auth-cost.ts). */
  authInProcess: InProcessStep[];
  /** A search for the common word before anything is kept: its list and its counts, median ms. */
  firstSearch: { listMs: number; countsMs: number };
}

import type { CacheAttack } from '../harness/cache-attack';
import type { InProcessStep } from './auth-cost';

export interface ResponseCheck {
  endpoint: Endpoint;
  status: number;
  /** As sent, and how it was encoded. */
  bytes: number;
  encoding: string;
}

export interface RunRow {
  endpoint: Endpoint;
  connections: number;
  result: WrkResult | null;
  /** Why there is no result (wrk failed to run). */
  failure?: string;
}

/** The targets, all at 32 connections and direct to the app unless they say otherwise. */
export interface Target {
  label: string;
  /** A verdict, or why it could not be judged at this size. */
  judge(size: SizeResult): { pass: boolean; measured: string } | string;
}

export const TARGET_CONNECTIONS = 32;
export const RSS_LIMIT_KB = 150 * 1024;
const NGINX_SHARE = 0.7;
const FIRST_SEARCH_MS = 20;

export function resultOf(size: SizeResult, endpointId: string, connections = TARGET_CONNECTIONS) {
  return size.runs.find((run) => run.endpoint.id === endpointId && run.connections === connections)?.result ?? null;
}

/** A throughput floor; any failed request also fails it, since wrk's req/s counts error answers too. */
function throughput(endpointId: string, minRps: number, extra: { maxP99Ms?: number; showErrors?: boolean } = {}) {
  return (size: SizeResult) => {
    const result = resultOf(size, endpointId);
    if (!result) return `not measured (needs ${endpointId} at ${TARGET_CONNECTIONS} connections)`;
    const errors = errorCount(result);
    const pass =
      result.rps >= minRps && (extra.maxP99Ms === undefined || result.p99Ms <= extra.maxP99Ms) && errors === 0;
    const parts = [`${formatRps(result.rps)} req/s`];
    if (extra.maxP99Ms !== undefined) parts.push(`p99 ${formatMs(result.p99Ms)}`);
    if (extra.showErrors || errors > 0) parts.push(`${errors.toLocaleString('en-US')} errors`);
    return { pass, measured: parts.join(', ') };
  };
}

export const TARGETS: readonly Target[] = [
  { label: 'full page ≥ 6,000 req/s and p99 ≤ 20 ms', judge: throughput('page', 6_000, { maxP99Ms: 20 }) },
  { label: 'GET /api/tasks ≥ 9,000 req/s', judge: throughput('api-list', 9_000) },
  { label: 'GET /api/tasks/:id ≥ 12,000 req/s', judge: throughput('api-get', 12_000) },
  { label: 'POST /api/tasks ≥ 5,000 req/s, 0 errors', judge: throughput('api-post', 5_000, { showErrors: true }) },
  {
    label: 'full page through nginx ≥ 70 % of direct',
    judge(size) {
      const direct = resultOf(size, 'page');
      const proxied = resultOf(size, 'page-nginx');
      if (!direct || !proxied) return '(nginx row: not available yet)';
      const share = proxied.rps / direct.rps;
      return { pass: share >= NGINX_SHARE, measured: `${Math.round(share * 100)} %` };
    },
  },
  {
    label: `first search for a common word ("${SEARCH_WORD}"): list and counts p50 ≤ ${FIRST_SEARCH_MS} ms each`,
    judge: ({ firstSearch: { listMs, countsMs } }) => ({
      pass: listMs <= FIRST_SEARCH_MS && countsMs <= FIRST_SEARCH_MS,
      measured: `list ${formatMs(listMs)}, counts ${formatMs(countsMs)}`,
    }),
  },
  {
    label: 'app RSS ≤ 150 MB',
    judge: (size) =>
      size.pid === null
        ? 'not measured (app process not found)'
        : { pass: size.rssMaxKb <= RSS_LIMIT_KB, measured: formatMb(size.rssMaxKb) },
  },
];

export const SCALING_LIMIT = 1.5;

export const formatRps = (rps: number) => Math.round(rps).toLocaleString('en-US');
export const formatMb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}
