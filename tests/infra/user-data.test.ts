import { afterAll, describe, expect, test } from 'bun:test';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTSTRAP, embeddedBootstrap, TEMPLATE } from '../../scripts/embed-bootstrap';
import { loadConfig } from '../../src/config';
import { loadTemplates, parseTemplate } from '../support/cloudformation';
import { Stacks } from '../support/cloudformation-stacks';

/**
 * The instance's user data: the header app.yaml fills in, then infra/bootstrap.sh. Checked as the
 * instance will get it, and the steps that pick up a rotated database password and report a dead
 * instance run for real against fake `aws`, `systemctl` and `curl`.
 */

const template = readFileSync(TEMPLATE, 'utf8');
const bootstrap = readFileSync(BOOTSTRAP, 'utf8');

/** The !Sub string that starts the user data, with sample values for its ${...} names. */
function renderHeader(): string {
  const block = /- - !Sub\n( *)- \|\n([\s\S]*?)\n *- DbSecretArn:/.exec(template);
  if (!block) throw new Error('app.yaml: the user data no longer starts with !Sub [header, values]');
  const indent = (block[1] ?? '').length + 2;
  const header = (block[2] ?? '')
    .split('\n')
    .map((line) => line.slice(indent))
    .join('\n');
  const values: Record<string, string> = {
    'AWS::StackName': 'demo-app',
    'AWS::Region': 'eu-west-1',
    ArtifactBucket: 'demo-artifacts',
    ReleaseKey: 'releases/task-manager-1.0.0-abc.tar.gz',
    ReleaseSha256: 'a'.repeat(64),
    DbSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-database-AppSecret-AbCdEf',
    DbHost: 'db.example.internal',
    DbPort: '3306',
    DbName: 'tasks',
    VpcCidr: '10.0.0.0/16',
    AllowedHosts: 'tasks.example.com,demo-lb-1234567890.eu-west-1.elb.amazonaws.com',
    SignUp: 'closed',
    TargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/demo/0123456789abcdef',
    OriginSecretArn: '',
    CloudFrontPrefixListId: '',
  };
  return `${header.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`the user data header names \${${name}}, unknown to this test`);
    return value;
  })}\n`;
}

describe('user data', () => {
  test('app.yaml carries infra/bootstrap.sh exactly (bun scripts/embed-bootstrap.ts)', () => {
    expect(embeddedBootstrap(template)).toBe(bootstrap);
  });

  test('header and bootstrap make one bash script that shellcheck passes, within the 16 KB limit', () => {
    const userData = renderHeader() + bootstrap;
    expect(userData.startsWith('#!/bin/bash\n')).toBe(true);
    expect(Buffer.byteLength(userData)).toBeLessThan(16 * 1024);
    const check = Bun.spawnSync(['shellcheck', '--severity=style', '--shell=bash', '-'], {
      stdin: new TextEncoder().encode(userData),
      stdout: 'pipe',
    });
    expect(check.stdout.toString()).toBe('');
    // Every value the bootstrap requires is one the header writes.
    const required = [...bootstrap.matchAll(/"\$\{([A-Z0-9_]+):\?\}"/g)].map((match) => match[1]);
    for (const name of required) expect(userData).toContain(`\n${name}='`);
  });
});

describe("the instance's database connections", () => {
  test('are 5 in all, shared by its two app processes (3 + 2), not 5 each', () => {
    const ports = /^APP_PORTS=\(([^)]*)\)$/m.exec(bootstrap)?.[1]?.split(' ');
    const sizes = /^declare -A POOL_SIZES=\(([^)]*)\)$/m.exec(bootstrap)?.[1] ?? '';
    const byPort: Record<string, number> = Object.fromEntries(
      [...sizes.matchAll(/\[(\d+)\]=(\d+)/g)].map((m) => [m[1], Number(m[2])]),
    );
    expect(Object.keys(byPort).sort()).toEqual([...(ports ?? [])].sort());
    expect(Object.values(byPort).reduce((a, b) => a + b, 0)).toBe(5);
    // Each process reads its own through a systemd drop-in, as DB_POOL_SIZE, the name the app reads.
    expect(bootstrap).toContain('Environment=DB_POOL_SIZE=%s');
    const mysqlUrl = 'mysql://u:p@db.example.internal:3306/tasks';
    expect(loadConfig({ DATABASE_URL: mysqlUrl, DB_POOL_SIZE: '3' }).database).toMatchObject({ poolSize: 3 });
  });
});

describe("the app's ALLOWED_HOSTS", () => {
  const importDnsName = { 'Fn::ImportValue': { 'Fn::Sub': '${LoadBalancerStack}-DnsName' } };

  test("are the site's DomainName, when one is given, and the load balancer's DNS name", () => {
    type Header = { 'Fn::Sub': [string, Record<string, unknown>] };
    type UserData = { 'Fn::Base64': { 'Fn::Join': [string, [Header, ...unknown[]]] } };
    const launchTemplate = parseTemplate(template, 'app.yaml').Resources.LaunchTemplate?.Properties ?? {};
    const { UserData } = launchTemplate.LaunchTemplateData as { UserData: UserData };
    expect(UserData['Fn::Base64']['Fn::Join'][1][0]['Fn::Sub'][1].AllowedHosts).toEqual({
      'Fn::If': ['HasDomainName', { 'Fn::Join': [',', [{ Ref: 'DomainName' }, importDnsName]] }, importDnsName],
    });
  });

  test("the import is the load balancer's own DNSName", () => {
    const [dnsName, ...others] = new Stacks(loadTemplates()).exportsFor(importDnsName['Fn::ImportValue'], 'app.yaml');
    expect(others).toEqual([]);
    expect(dnsName).toMatchObject({ file: 'load-balancer.yaml', value: { 'Fn::GetAtt': ['LoadBalancer', 'DNSName'] } });
  });
});

describe("the app's SIGNUP", () => {
  const signUp = parseTemplate(template, 'app.yaml').Parameters?.SignUp;
  const allowed = signUp?.AllowedValues as string[] | undefined;

  test('is the SignUp parameter, closed unless the operator opens it, in words the app accepts', () => {
    expect(signUp?.Default).toBe('closed');
    expect(allowed?.map((value) => loadConfig({ SIGNUP: value }).signup)).toEqual(['closed', 'open']);
    expect(renderHeader()).toContain("\nSIGNUP='closed'\n");
  });
});

/**
 * A temporary instance for bootstrap.sh's steps: deploy.env from the header, fake `aws` (the
 * secret from secret.json, refused while `secret-refused` exists; the target's states one per
 * call from target-states; any other call logged), `systemctl`, `sleep`, `cfn-signal` and `curl`
 * (IMDS answers; /health/live refused while `nginx-down` exists).
 */
function fakeInstance() {
  const work = mkdtempSync(join(tmpdir(), 'tm-user-data-'));
  const config = join(work, 'etc');
  const calls = join(work, 'calls.log');
  const fake = (name: string, body: string) => {
    writeFileSync(join(work, 'bin', name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(work, 'bin', name), 0o755);
  };
  mkdirSync(join(work, 'bin'), { recursive: true });
  mkdirSync(config);
  writeFileSync(
    join(config, 'deploy.env'),
    renderHeader()
      .split('\n')
      .filter((line) => /^[A-Z0-9_]+='/.test(line))
      .join('\n'),
  );
  fake(
    'aws',
    [
      'if [[ "$*" == "secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-database-AppSecret-AbCdEf "* ]]; then',
      `  [[ -e "${join(work, 'secret-refused')}" ]] && { echo "AccessDeniedException" >&2; exit 254; }`,
      `  exec cat "${join(work, 'secret.json')}"`,
      'fi',
      'echo "aws $*" >>"$CALLS"',
      'if [[ "$1 $2" == "elbv2 describe-target-health" ]]; then',
      `  states="${join(work, 'target-states')}"`,
      '  head -n 1 "$states"; sed -i 1d "$states"',
      'fi',
    ].join('\n'),
  );
  fake('systemctl', 'echo "systemctl $*" >>"$CALLS"');
  fake('sleep', 'echo "sleep $*" >>"$CALLS"');
  fake('cfn-signal', 'echo "cfn-signal $*" >>"$CALLS"');
  fake(
    'curl',
    [
      'url=${*: -1}',
      'case "$url" in',
      '  */latest/api/token) echo token ;;',
      '  */latest/meta-data/instance-id) echo i-0123456789abcdef0 ;;',
      `  */health/live) echo "curl $url" >>"$CALLS"; [[ ! -e "${join(work, 'nginx-down')}" ]] || exit 7 ;;`,
      '  *) echo "curl $url" >>"$CALLS" ;;',
      'esac',
    ].join('\n'),
  );
  /** A step (`credentials`, `liveness`), or `fn:<name>`: one function of the sourced script. */
  const run = (step: string) => {
    writeFileSync(calls, '');
    const command = step.startsWith('fn:')
      ? ['bash', '-c', `source "${BOOTSTRAP}"; ${step.slice(3)}`]
      : ['bash', BOOTSTRAP, step];
    const result = Bun.spawnSync(command, {
      env: {
        PATH: `${join(work, 'bin')}:${process.env.PATH}`,
        TASK_MANAGER_CONFIG_DIR: config,
        LIVENESS_STATE: join(work, 'liveness-misses'),
        CFN_SIGNAL: join(work, 'bin', 'cfn-signal'),
        CALLS: calls,
      },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const lines = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
    return { exitCode: result.exitCode, stderr: result.stderr.toString(), calls: lines };
  };
  return { work, config, run };
}

describe('bootstrap.sh credentials: a rotated database password', () => {
  const { work, config, run: runStep } = fakeInstance();
  let password = 'first/pass:w@rd%+ "quoted"';

  const run = () => {
    writeFileSync(join(work, 'secret.json'), JSON.stringify({ username: 'task_app', password }));
    const result = runStep('credentials');
    if (result.exitCode !== 0) throw new Error(result.stderr);
    return result.calls;
  };
  const appEnv = () =>
    Object.fromEntries(
      readFileSync(join(config, 'app.env'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('writes the environment the app reads, with the password percent-encoded', () => {
    run();
    const env = appEnv();
    const url = new URL(env.DATABASE_URL ?? '');
    expect(url.protocol).toBe('mysql:');
    expect(url.host).toBe('db.example.internal:3306');
    expect(url.pathname).toBe('/tasks');
    expect(decodeURIComponent(url.username)).toBe('task_app');
    expect(decodeURIComponent(url.password)).toBe(password);
    expect(env).toMatchObject({
      DB_TLS: 'rds',
      HOST: '127.0.0.1',
      TRUSTED_PROXIES: '127.0.0.1',
      SHUTDOWN_TIMEOUT_MS: '25000',
      ALLOWED_HOSTS: 'tasks.example.com,demo-lb-1234567890.eu-west-1.elb.amazonaws.com',
      SIGNUP: 'closed',
    });
    // The loopback names come first, always: operators reach /metrics through an SSM forward.
    expect(loadConfig(env).allowedHosts).toEqual([
      'localhost',
      '127.0.0.1',
      '[::1]',
      'tasks.example.com',
      'demo-lb-1234567890.eu-west-1.elb.amazonaws.com',
    ]);
    // The app stack's SignUp parameter reaches the app as it reads it: closed after the first account.
    expect(loadConfig(env).signup).toBe('closed');
    expect(statSync(join(config, 'app.env')).mode & 0o777).toBe(0o600);
  });

  test('restarts nothing while the secret is unchanged', () => {
    expect(run()).toEqual([]);
  });

  test('after a rotation, restarts the two app processes one at a time, each healthy before the next', () => {
    password = 'second-password';
    expect(run()).toEqual([
      'systemctl restart task-manager@3001',
      'curl http://127.0.0.1:3001/health',
      'systemctl restart task-manager@3002',
      'curl http://127.0.0.1:3002/health',
    ]);
    expect(decodeURIComponent(new URL(appEnv().DATABASE_URL ?? '').password)).toBe('second-password');
  });

  test('a secret that cannot be read fails the step: no restart, the environment kept as it was', () => {
    const before = readFileSync(join(config, 'app.env'), 'utf8');
    writeFileSync(join(work, 'secret-refused'), '');
    try {
      const result = runStep('credentials');
      // Inside $(render_app_env) errexit holds too (inherit_errexit): the step stops at the failed
      // call, before it could take an empty password for a rotation and write it.
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain('AccessDeniedException');
      expect(result.stderr).not.toContain('the database secret changed');
      expect(result.calls).toEqual([]);
    } finally {
      rmSync(join(work, 'secret-refused'));
    }
    expect(readFileSync(join(config, 'app.env'), 'utf8')).toBe(before);
    expect(readdirSync(config).sort()).toEqual(['app.env', 'deploy.env']);
  });

  test('a secret without a password fails the step rather than writing an empty one', () => {
    writeFileSync(join(work, 'secret.json'), JSON.stringify({ username: 'task_app', password: '' }));
    const result = runStep('credentials');
    expect(result.exitCode).not.toBe(0);
    expect(result.calls).toEqual([]);
    expect(decodeURIComponent(new URL(appEnv().DATABASE_URL ?? '').password)).toBe('second-password');
  });
});

describe('bootstrap.sh liveness: an instance that serves nothing', () => {
  const { work, run } = fakeInstance();
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const unhealthy =
    'aws autoscaling set-instance-health --instance-id i-0123456789abcdef0 --health-status Unhealthy --should-respect-grace-period';

  test('is reported unhealthy to Auto Scaling after 6 misses in a row, and not before', () => {
    writeFileSync(join(work, 'nginx-down'), '');
    for (let miss = 1; miss <= 5; miss++) {
      const result = run('liveness');
      expect(result.exitCode).toBe(0);
      expect(result.calls).toEqual(['curl http://127.0.0.1/health/live']);
    }
    expect(run('liveness').calls).toEqual(['curl http://127.0.0.1/health/live', unhealthy]);
  });

  test('one answer starts the count again', () => {
    rmSync(join(work, 'nginx-down'));
    expect(run('liveness').calls).toEqual(['curl http://127.0.0.1/health/live']);
    writeFileSync(join(work, 'nginx-down'), '');
    for (let miss = 1; miss <= 5; miss++) expect(run('liveness').calls).not.toContain(unhealthy);
  });
});

describe('bootstrap.sh: success is signalled once the load balancer finds the instance healthy', () => {
  const { work, run } = fakeInstance();
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const poll =
    'aws elbv2 describe-target-health --target-group-arn arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/demo/0123456789abcdef --targets Id=i-0123456789abcdef0 --query TargetHealthDescriptions[0].TargetHealth.State --output text';

  test('not after its own /health: it waits for the target to turn healthy, then starts liveness and signals', () => {
    writeFileSync(join(work, 'target-states'), 'initial\ninitial\nhealthy\n');
    const result = run('fn:report_ready');
    expect(result.exitCode).toBe(0);
    expect(result.calls).toEqual([
      'curl http://127.0.0.1/health',
      poll,
      'sleep 10',
      poll,
      'sleep 10',
      poll,
      'systemctl enable --now task-manager-liveness.timer',
      'cfn-signal --exit-code 0 --stack demo-app --resource AutoScalingGroup --region eu-west-1',
    ]);
  });

  test('never signals success for a target the load balancer keeps unhealthy', () => {
    writeFileSync(join(work, 'target-states'), 'unhealthy\n'.repeat(40));
    const result = run('fn:report_ready');
    expect(result.exitCode).not.toBe(0);
    expect(result.calls.filter((c) => c === poll)).toHaveLength(30);
    expect(result.calls.some((c) => c.startsWith('cfn-signal --exit-code 0'))).toBe(false);
    expect(result.stderr).toContain(
      'did not find i-0123456789abcdef0 healthy within 5 minutes (last state: unhealthy)',
    );
  });
});
