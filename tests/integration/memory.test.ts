import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { fillCaches } from '../../harness/cache-attack';
import { type LiveServer, startLiveServer } from '../../harness/live-server';

/**
 * The memory attack of the hardening issue against the real process: 100 tasks with 5,000-emoji
 * notes, then 120 searches whose words the search ignores, each answering the whole 2 MB list.
 * When the caches were bounded by entries and keyed by the raw query, RSS grew by about 250 MB
 * (a t3.micro runs two processes in 1 GiB); bounded by bytes, with normalised keys, it stays flat.
 */

let server: LiveServer;
beforeAll(async () => {
  server = await startLiveServer();
});
afterAll(() => server.stop());

const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]) / 1024;

test('asking for many distinct big lists cannot grow the process', async () => {
  // Warm up first, so what the first requests allocate for good is not counted as growth.
  await fetch(`${server.origin}/api/tasks?limit=100`).then((response) => response.arrayBuffer());
  const before = rssMb();
  const attack = await fillCaches(server.origin);
  expect(attack.failed).toBe(0);
  expect(attack.bytes).toBeGreaterThan(200 * 1024 * 1024);
  const grown = rssMb() - before;
  console.log(`memory: RSS grew ${grown.toFixed(0)} MB while answering ${(attack.bytes / 1048576).toFixed(0)} MB`);
  expect(grown).toBeLessThan(80);
}, 120_000);
