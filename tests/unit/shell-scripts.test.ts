import { expect, test } from 'bun:test';
import { join } from 'node:path';
import { Glob } from 'bun';

const ROOT = join(import.meta.dir, '../..');

test('every shell script passes shellcheck', async () => {
  const scripts = [
    '.ci/run',
    ...(await Array.fromAsync(new Glob('{infra,scripts,bench}/**/*.sh').scan({ cwd: ROOT }))),
  ];
  const check = Bun.spawnSync(['shellcheck', '--severity=style', ...scripts], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  expect(check.stdout.toString() + check.stderr.toString()).toBe('');
  expect(check.exitCode).toBe(0);
});
