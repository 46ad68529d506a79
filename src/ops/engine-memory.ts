/**
 * How much memory the JavaScript engine plans for. JavaScriptCore sizes its heap, and how much
 * garbage it lets pile up between collections, from the machine's RAM: on a 24 GB machine the app
 * grew to 240-290 MB under a write-heavy load, on an instance that runs two of it in 1 GB
 * (infra/app.yaml, t3.micro). Told 192 MB (Bun's counterpart of Node's --max-old-space-size,
 * oven-sh/bun#6548) it stayed under 175 MB at the same throughput; 128 MB kept it under 140 MB but
 * cost a fifth of the throughput (docs/troubleshooting.md).
 *
 * The engine reads it from the environment as the process starts, so whatever starts the app sets
 * it: package.json's scripts, harness/live-server.ts and the instance's systemd unit
 * (infra/bootstrap.sh). tests/unit/engine-memory.test.ts holds them all to this value.
 */
export const ENGINE_MEMORY_ENV = { BUN_JSC_forceRAMSize: String(192 * 1024 * 1024) } as const;
