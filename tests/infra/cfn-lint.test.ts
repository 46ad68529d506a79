import { describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { templateFiles } from '../support/cloudformation';

/**
 * cfn-lint (AWS's own linter, Python) over every template: resource schemas, allowed values,
 * patterns, and what its authors count as mistakes. No error and no warning is allowed; an
 * informational note is not printed at its default level either. CI pins the version
 * (CFN_LINT_VERSION in .github/workflows/ci.yml); scripts/setup.sh installs it where it is missing.
 */

const CFN_LINT_VERSION = '1.51.0';

/** On PATH, or where scripts/setup.sh's `pipx install` puts it (~/.local/bin, often not on PATH). */
function cfnLintBinary(): string | null {
  const pipx = join(homedir(), '.local/bin/cfn-lint');
  return Bun.which('cfn-lint') ?? (existsSync(pipx) ? pipx : null);
}

function cfnLint(args: string[]) {
  const run = Bun.spawnSync([cfnLintBinary() ?? 'cfn-lint', ...args], { stdout: 'pipe', stderr: 'pipe' });
  return { exitCode: run.exitCode, output: `${run.stdout.toString()}${run.stderr.toString()}`.trim() };
}

describe('cfn-lint', () => {
  test(`is installed, version ${CFN_LINT_VERSION}`, () => {
    expect(cfnLintBinary(), 'cfn-lint is missing: pipx install cfn-lint==1.51.0').not.toBeNull();
    expect(cfnLint(['--version']).output).toBe(`cfn-lint ${CFN_LINT_VERSION}`);
  });

  test('finds no error or warning in any template of infra/', () => {
    const files = templateFiles();
    expect(files.length).toBeGreaterThan(0);
    const run = cfnLint(['--format', 'parseable', '--', ...files]);
    console.log(
      `cfn-lint ${CFN_LINT_VERSION} over ${files.length} templates (${files.map((f) => relative(process.cwd(), f)).join(' ')}): ` +
        `exit ${run.exitCode}, ${run.output === '' ? 'no' : run.output.split('\n').length} findings`,
    );
    expect(run.output).toBe('');
    expect(run.exitCode).toBe(0);
  }, 120_000); // about 15 s on two cores
});
