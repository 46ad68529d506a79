import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLiveServer } from '../../harness/live-server';
import { ENGINE_MEMORY_ENV } from '../../src/ops/engine-memory';

/**
 * The engine's memory settings (src/ops/engine-memory.ts) only work when they are in the process's
 * environment from the start, so every way the app is started must carry the same values.
 */

const ROOT = join(import.meta.dir, '../..');
const SETTINGS = Object.entries(ENGINE_MEMORY_ENV);
const assignments = SETTINGS.map(([name, value]) => `${name}=${value}`);

test('the engine knows each setting by its name and takes its value', () => {
  // dumpOptions lists the options the engine read: a misspelt name would be missing.
  const run = Bun.spawnSync(['bun', '-e', '0'], {
    env: { ...process.env, ...ENGINE_MEMORY_ENV, BUN_JSC_dumpOptions: '1' },
    stderr: 'pipe',
    stdout: 'pipe',
  });
  const dumped = `${run.stdout.toString()}${run.stderr.toString()}`;
  expect(SETTINGS.length).toBeGreaterThan(0);
  for (const [name, value] of SETTINGS) expect(dumped).toContain(`${name.replace(/^BUN_JSC_/, '')}=${value} `);
});

test("package.json's scripts that start the app set them", () => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  for (const name of ['start', 'serve', 'dev']) expect(scripts[name]).toContain(`${assignments.join(' ')} bun `);
});

test("the instance's systemd unit sets them", () => {
  const bootstrap = readFileSync(join(ROOT, 'infra/bootstrap.sh'), 'utf8');
  const unit = /task-manager@\.service <<EOF\n([\s\S]*?)\nEOF/.exec(bootstrap)?.[1] ?? '';
  for (const assignment of assignments) expect(unit).toContain(`Environment=${assignment}\n`);
});

test('the app the tests and the bench start runs with them', async () => {
  const server = await startLiveServer();
  try {
    const environ = readFileSync(`/proc/${server.pid}/environ`, 'utf8').split('\0');
    for (const assignment of assignments) expect(environ).toContain(assignment);
  } finally {
    await server.stop();
  }
});
