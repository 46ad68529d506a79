import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * infra/deploy.sh against a fake `aws` on PATH that records every call and answers the few
 * questions the script asks (stack outputs, a release checksum, an instance refresh).
 */

const SCRIPT = join(import.meta.dir, '../../infra/deploy.sh');
const work = mkdtempSync(join(tmpdir(), 'tm-deploy-'));
const release = join(work, 'task-manager-1.2.3-abcdef123456.tar.gz');
const SHA256 = new Bun.CryptoHasher('sha256').update('a release').digest('hex');
const URL = 'http://demo-alb-123.elb.example.com';
/** The stacks of prefix "demo", in the order they must be deployed (each imports the ones before). */
const DEMO_STACKS = ['artifacts', 'network', 'security', 'database', 'load-balancer', 'app', 'monitoring'].map(
  (layer) => `demo-${layer}`,
);

const FAKE_AWS = `#!/usr/bin/env bash
# Records each call as one line, arguments separated by a unit separator.
(IFS=$'\\x1f'; printf '%s\\n' "$*") >>"$FAKE_AWS_LOG"
case "$*" in
  *"describe-stacks"*ArtifactBucket*) echo demo-artifacts-bucket ;;
  *"describe-stacks"*Url*) echo "${URL}" ;;
  *"describe-stacks"*AutoScalingGroupName*) echo demo-app-group ;;
  *"s3 cp s3://"*".sha256 -"*) printf '%s  task-manager-1.0.0-old.tar.gz\\n' "${'1'.repeat(64)}" ;;
  *"start-instance-refresh"*) echo refresh-1 ;;
  *"describe-instance-refreshes"*) echo Successful ;;
esac
`;

function deploy(...args: string[]) {
  const log = join(work, `aws-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const run = Bun.spawnSync(['bash', SCRIPT, ...args], {
    env: { PATH: `${join(work, 'bin')}:${process.env.PATH}`, FAKE_AWS_LOG: log, HOME: work },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const calls = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\x1f'));
  return { exitCode: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString(), calls };
}

const stacksDeployed = (calls: string[][]) =>
  calls
    .filter((call) => call[0] === 'cloudformation' && call[1] === 'deploy')
    .map((call) => call[call.indexOf('--stack-name') + 1]);

const overridesOf = (call: string[] | undefined) => {
  if (!call) return [];
  const from = call.indexOf('--parameter-overrides') + 1;
  const to = call.findIndex((arg, index) => index > from && arg.startsWith('--'));
  return from === 0 ? [] : call.slice(from, to < 0 ? undefined : to);
};

beforeAll(() => {
  Bun.spawnSync(['mkdir', '-p', join(work, 'bin')]);
  writeFileSync(join(work, 'bin/aws'), FAKE_AWS);
  chmodSync(join(work, 'bin/aws'), 0o755);
  writeFileSync(release, 'a release');
  writeFileSync(`${release}.sha256`, `${SHA256}  task-manager-1.2.3-abcdef123456.tar.gz\n`);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('infra/deploy.sh', () => {
  test('uploads the release, deploys every stack in dependency order and prints the URL', () => {
    const run = deploy(
      '--prefix',
      'demo',
      '--region',
      'eu-west-1',
      '--release',
      release,
      '--alarm-email',
      'ops@example.com',
    );
    expect(run.stderr).not.toContain('deploy: unknown');
    expect(run.exitCode).toBe(0);
    expect(stacksDeployed(run.calls)).toEqual(DEMO_STACKS);
    expect(run.stdout).toContain(`Task Manager is at ${URL}`);
    for (const call of run.calls) expect(call.slice(-2)).toEqual(['--region', 'eu-west-1']);

    // The tarball and its checksum reach the bucket the artifacts stack made, before any instance
    // is told to fetch them.
    const uploads = run.calls.filter((call) => call[0] === 's3' && call[1] === 'cp');
    expect(uploads.map((call) => call.at(-3))).toEqual([
      's3://demo-artifacts-bucket/releases/task-manager-1.2.3-abcdef123456.tar.gz',
      's3://demo-artifacts-bucket/releases/task-manager-1.2.3-abcdef123456.tar.gz.sha256',
    ]);
    const appDeploy = run.calls.findIndex((call) => call.includes('demo-app') && call[1] === 'deploy');
    expect(run.calls.indexOf(uploads[1] as string[])).toBeLessThan(appDeploy);
    expect(overridesOf(run.calls[appDeploy])).toEqual([
      'NetworkStack=demo-network',
      'SecurityStack=demo-security',
      'DatabaseStack=demo-database',
      'LoadBalancerStack=demo-load-balancer',
      'ArtifactBucket=demo-artifacts-bucket',
      'ReleaseKey=releases/task-manager-1.2.3-abcdef123456.tar.gz',
      `ReleaseSha256=${SHA256}`,
    ]);
    const monitoring = run.calls.find((call) => call.includes('demo-monitoring'));
    expect(overridesOf(monitoring)).toContain('AlarmEmail=ops@example.com');
    // Stacks with IAM resources need the capability; every stack is deployed from infra/.
    const templates = run.calls
      .filter((call) => call[1] === 'deploy')
      .map((call) => call[call.indexOf('--template-file') + 1]);
    expect(templates.every((file) => /\/infra\/[a-z-]+\.yaml$/.test(file ?? ''))).toBe(true);
    expect(appDeploy >= 0 && run.calls[appDeploy]?.includes('CAPABILITY_IAM')).toBe(true);
  });

  test('with a bucket of its own and --param values, it skips the artifacts stack and passes them on', () => {
    const run = deploy(
      '--prefix',
      'demo',
      '--release',
      release,
      '--bucket',
      'my-bucket',
      '--param',
      'network.NatGateways=single',
      '--param',
      'database.MultiAZ=false',
    );
    expect(run.exitCode).toBe(0);
    expect(stacksDeployed(run.calls)[0]).toBe('demo-network');
    expect(overridesOf(run.calls.find((call) => call.includes('demo-network')))).toEqual(['NatGateways=single']);
    expect(overridesOf(run.calls.find((call) => call.includes('demo-database')))).toContain('MultiAZ=false');
    expect(overridesOf(run.calls.find((call) => call.includes('demo-app')))).toContain('ArtifactBucket=my-bucket');
  });

  test('--dry-run prints the same commands and calls nothing', () => {
    const run = deploy('--prefix', 'demo', '--release', release, '--dry-run');
    expect(run.exitCode).toBe(0);
    expect(run.calls).toEqual([]);
    const printed = run.stdout.split('\n').filter((line) => line.startsWith('+ aws cloudformation deploy'));
    expect(printed.map((line) => /--stack-name (\S+)/.exec(line)?.[1])).toEqual(DEMO_STACKS);
    expect(run.stdout).toContain('Task Manager is at <demo-load-balancer output Url>');
  });

  test('refuses a tarball that does not match its checksum, before touching AWS', () => {
    const tampered = join(work, 'task-manager-9.9.9-tampered.tar.gz');
    writeFileSync(tampered, 'something else');
    writeFileSync(`${tampered}.sha256`, `${SHA256}  task-manager-9.9.9-tampered.tar.gz\n`);
    const run = deploy('--release', tampered);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('does not match');
    expect(run.calls).toEqual([]);
  });

  test('rollback redeploys only the app stack with an uploaded release and its checksum', () => {
    const run = deploy('--prefix', 'demo', 'rollback', 'task-manager-1.0.0-old');
    expect(run.exitCode).toBe(0);
    expect(stacksDeployed(run.calls)).toEqual(['demo-app']);
    const overrides = overridesOf(run.calls.find((call) => call[1] === 'deploy'));
    expect(overrides).toContain('ReleaseKey=releases/task-manager-1.0.0-old.tar.gz');
    expect(overrides).toContain(`ReleaseSha256=${'1'.repeat(64)}`);
    expect(run.stdout).toContain(URL);
  });

  test('refresh starts an instance refresh of the group and waits for it', () => {
    const run = deploy('--prefix', 'demo', 'refresh');
    expect(run.exitCode).toBe(0);
    const start = run.calls.find((call) => call[1] === 'start-instance-refresh');
    expect(start?.[start.indexOf('--auto-scaling-group-name') + 1]).toBe('demo-app-group');
    expect(run.calls.some((call) => call[1] === 'describe-instance-refreshes')).toBe(true);
  });

  test('rejects unknown options, commands and parameters', () => {
    expect(deploy('--bogus').exitCode).toBe(1);
    expect(deploy('launch').exitCode).toBe(1);
    expect(deploy('--param', 'nowhere.Key=1').exitCode).toBe(1);
    expect(deploy('rollback').exitCode).toBe(1);
  });
});
