import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLiveServer } from '../../harness/live-server';
import { ENGINE_MEMORY_ENV } from '../../src/ops/engine-memory';

/**
 * The engine's memory plan (src/ops/engine-memory.ts) only works when it is in the process's
 * environment from the start, so every way the app is started must carry the same value.
 */

const ROOT = join(import.meta.dir, '../..');
const [[NAME, VALUE]] = Object.entries(ENGINE_MEMORY_ENV) as [[string, string]];
const assignment = `${NAME}=${VALUE}`;

test('the engine knows the setting by that name and takes its value', () => {
  // dumpOptions lists the options the engine read: a misspelt name would be missing.
  const run = Bun.spawnSync(['bun', '-e', '0'], {
    env: { ...process.env, ...ENGINE_MEMORY_ENV, BUN_JSC_dumpOptions: '1' },
    stderr: 'pipe',
    stdout: 'pipe',
  });
  const dumped = `${run.stdout.toString()}${run.stderr.toString()}`;
  expect(dumped).toContain(`${NAME.replace(/^BUN_JSC_/, '')}=${VALUE} `);
});

test("package.json's scripts that start the app set it", () => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  for (const name of ['start', 'serve', 'dev']) expect(scripts[name]).toMatch(new RegExp(`${assignment} bun `));
});

test("the instance's systemd unit sets it", () => {
  const bootstrap = readFileSync(join(ROOT, 'infra/bootstrap.sh'), 'utf8');
  const unit = /task-manager@\.service <<EOF\n([\s\S]*?)\nEOF/.exec(bootstrap)?.[1] ?? '';
  expect(unit).toContain(`Environment=${assignment}\n`);
});

test('the app the tests and the bench start runs with it', async () => {
  const server = await startLiveServer();
  try {
    const environ = readFileSync(`/proc/${server.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(assignment);
  } finally {
    await server.stop();
  }
});
