/**
 * How the JavaScript engine sizes its heap. JavaScriptCore plans from the machine's RAM and, below
 * 80 % of it, lets the heap double between collections; the strings and buffers a page render
 * leaves behind pile up meanwhile, and the allocator keeps the pages they dirtied. On a 24 GB machine
 * the app grew to 240-290 MB under a write-heavy load, on an instance that runs two of it in 1 GB
 * (infra/app.yaml, t3.micro).
 *
 * - forceRAMSize, 192 MB (Bun's counterpart of Node's --max-old-space-size, oven-sh/bun#6548):
 *   under 175 MB at the same throughput. 128 MB kept it under 140 MB but cost a fifth of the
 *   throughput.
 * - smallHeapGrowthFactor, 1.4: the next collection when the heap has grown by 40 %, not doubled.
 *   With both, the peer section's peak fell from 165-171 to 133 MB for 4-11 % more CPU per
 *   answer. In a harness of the same loads, 1.25 peaked no lower and cost 10-19 %, and 1.5 peaked
 *   at 151-154 MB (docs/troubleshooting.md, bench/results.md).
 *
 * The engine reads them from the environment as the process starts, so whatever starts the app sets
 * them: package.json's scripts, harness/live-server.ts and the instance's systemd unit
 * (infra/bootstrap.sh). tests/unit/engine-memory.test.ts holds them all to these values.
 */
export const ENGINE_MEMORY_ENV = {
  BUN_JSC_forceRAMSize: String(192 * 1024 * 1024),
  BUN_JSC_smallHeapGrowthFactor: '1.4',
} as const;
