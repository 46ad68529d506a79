import { describe, expect, test } from 'bun:test';
import { availableParallelism } from 'node:os';
import { PEER_ROWS, type PeerResult, renderPeer } from '../../bench/peer';
import type { WrkResult } from '../../bench/wrk';

/** The peer section of bench/results.md: every target of the speed issue printed with ✓ or ✗ and its figure. */
const run = (rps: number, p99Ms = 5): WrkResult => ({
  requests: rps * 5,
  rps,
  p50Ms: 1,
  p99Ms,
  socket: { connect: 0, read: 0, write: 0, timeout: 0 },
  non2xx: 0,
  unexpected: null,
  firstUnexpected: null,
});

const spec = (id: string) => PEER_ROWS.find((row) => row.id === id) ?? expect.unreachable(`no peer row ${id}`);

function peer(overrides: Partial<PeerResult> = {}): PeerResult {
  return {
    rows: [
      { spec: spec('page'), ours: run(30_871), reference: run(496), referenceName: 'anchor' },
      { spec: spec('api-post'), ours: run(7_959, 8.9), reference: run(2_648), referenceName: 'anchor' },
      { spec: spec('mix'), ours: run(7_856, 21.5), reference: run(223), referenceName: 'anchor' },
      { spec: spec('mix-nginx'), ours: run(6_322), reference: run(8_087), referenceName: 'ours direct' },
    ],
    rounds: 3,
    durationS: 5,
    flushAtCommit: '1',
    created: { answered: 118_057, stored: 118_139 },
    oursRssMaxKb: 140 * 1024,
    createCpu: { appS: 6.4, databaseS: 7.8, creates: 100_000 },
    ...overrides,
  };
}

const lineOf = (text: string, start: string) =>
  text.split('\n').find((line) => line.startsWith(start)) ?? expect.unreachable(`no line starting ${start}`);

describe('the peer section', () => {
  test('judges each row by its ratio, and the mix by its p99 as well', () => {
    const text = renderPeer(peer());
    expect(lineOf(text, '| GET / from a browser')).toContain('| ✓ 62.2× | ≥ 10× |');
    expect(lineOf(text, '| POST /api/tasks')).toContain('| ✗ 3.0× | ≥ 10× |');
    // 35× the anchor, but its p99 is over 20 ms: the row fails.
    expect(lineOf(text, '| mix of 9 GET /')).toContain('| ✗ 35.2× | ≥ 10× | 21.5 ms (≤ 20 ms ✗) |');
    expect(lineOf(text, '| the same mix through nginx')).toContain('| ✓ 78 % | ≥ 70 % |');
  });

  test('judges the app RSS against 150 MB', () => {
    expect(lineOf(renderPeer(peer()), "Our app's RSS")).toEndWith('(≤ 150 MB): at most 140 MB ✓.');
    const over = renderPeer(peer({ oursRssMaxKb: 169 * 1024 }));
    expect(lineOf(over, "Our app's RSS")).toEndWith('(≤ 150 MB): at most 169 MB ✗.');
  });

  test('fails durability when fewer tasks were stored than creates acknowledged, or commits are not flushed', () => {
    expect(lineOf(renderPeer(peer()), 'Durability')).toEndWith('✓.');
    expect(lineOf(renderPeer(peer({ created: { answered: 100, stored: 99 } })), 'Durability')).toEndWith('✗.');
    expect(lineOf(renderPeer(peer({ flushAtCommit: '2' })), 'Durability')).toEndWith('✗.');
  });

  test('says what bounds creates: the CPU per create on both sides, against the cores at the target', () => {
    const cores = availableParallelism();
    const line = lineOf(renderPeer(peer()), 'What bounds creates');
    expect(line).toContain('our app used 64 µs of CPU per create and the database server 78 µs');
    expect(line).toContain(
      `${Math.round((cores * 1e6) / 142).toLocaleString('en-US')} creates/s would keep all ${cores} cores busy`,
    );
    expect(line).toContain(
      `10× the anchor's 2,648 is 26,480 creates/s, ${Math.round((cores * 1e6) / 26_480)} µs of the cores per create`,
    );
    const remote = renderPeer(peer({ createCpu: { appS: 6.4, databaseS: Number.NaN, creates: 100_000 } }));
    expect(lineOf(remote, 'What bounds creates')).toContain("the database server's CPU was not readable");
  });
});
