import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTSTRAP, embeddedBootstrap, TEMPLATE } from '../../scripts/embed-bootstrap';
import { loadConfig } from '../../src/config';
import { loadTemplates, parseTemplate } from '../support/cloudformation';
import { Stacks } from '../support/cloudformation-stacks';

/**
 * The instance's user data: the header app.yaml fills in, then infra/bootstrap.sh. Checked as the
 * instance will get it, and the step that picks up a rotated database password run for real
 * against fake `aws`, `systemctl` and `curl`.
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
    DbSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1',
    DbHost: 'db.example.internal',
    DbPort: '3306',
    DbName: 'tasks',
    VpcCidr: '10.0.0.0/16',
    AllowedHosts: 'tasks.example.com,demo-lb-1234567890.eu-west-1.elb.amazonaws.com',
    SignUp: 'closed',
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

describe('bootstrap.sh credentials: a rotated database password', () => {
  const work = mkdtempSync(join(tmpdir(), 'tm-user-data-'));
  const config = join(work, 'etc');
  const calls = join(work, 'calls.log');
  let password = 'first/pass:w@rd%+ "quoted"';

  const fake = (name: string, body: string) => {
    writeFileSync(join(work, 'bin', name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(work, 'bin', name), 0o755);
  };
  const run = () => {
    writeFileSync(join(work, 'secret.json'), JSON.stringify({ username: 'taskmaster', password }));
    writeFileSync(calls, '');
    const result = Bun.spawnSync(['bash', BOOTSTRAP, 'credentials'], {
      env: { PATH: `${join(work, 'bin')}:${process.env.PATH}`, TASK_MANAGER_CONFIG_DIR: config, CALLS: calls },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    if (result.exitCode !== 0) throw new Error(result.stderr.toString());
    return readFileSync(calls, 'utf8').split('\n').filter(Boolean);
  };
  const appEnv = () =>
    Object.fromEntries(
      readFileSync(join(config, 'app.env'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );

  beforeAll(() => {
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
      `[[ "$*" == "secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1 "* ]] || exit 3\ncat "${join(work, 'secret.json')}"`,
    );
    fake('systemctl', 'echo "systemctl $*" >>"$CALLS"');
    fake('curl', 'echo "curl ${*: -1}" >>"$CALLS"');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('writes the environment the app reads, with the password percent-encoded', () => {
    run();
    const env = appEnv();
    const url = new URL(env.DATABASE_URL ?? '');
    expect(url.protocol).toBe('mysql:');
    expect(url.host).toBe('db.example.internal:3306');
    expect(url.pathname).toBe('/tasks');
    expect(decodeURIComponent(url.username)).toBe('taskmaster');
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
});
