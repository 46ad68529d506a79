import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  callsOf,
  changeSetStacks,
  type DeployRun,
  executedStacks,
  FakeAws,
  parametersOf,
  regionOf,
} from '../support/fake-aws';

/**
 * infra/deploy.sh against a fake `aws` (tests/infra/fixtures/fake-aws.sh) that plays CloudFormation:
 * change sets shown before they run, events streamed while a stack works, a failed first creation
 * recreated after asking, rollbacks that restore the release's AMI. Each run makes about a hundred
 * aws calls, each a bash process: seconds on an idle machine, a minute or more on a loaded one.
 */

const SLOW = 300_000;
const work = mkdtempSync(join(tmpdir(), 'tm-deploy-'));
const release = join(work, 'task-manager-1.2.3-abcdef123456.tar.gz');
const RELEASE = 'task-manager-1.2.3-abcdef123456';
const SHA256 = new Bun.CryptoHasher('sha256').update('a release').digest('hex');
const LAYERS = ['artifacts', 'network', 'security', 'database', 'edge', 'load-balancer', 'app', 'monitoring'];
const DEMO_STACKS = LAYERS.map((layer) => `demo-${layer}`);
const HTTPS = ['--domain', 'tasks.example.com', '--hosted-zone', 'Z0123456789ABC'];
const ROLE = 'arn:aws:iam::123456789012:role/demo-cfn';

const fakes: FakeAws[] = [];
const fake = () => {
  const aws = new FakeAws();
  fakes.push(aws);
  return aws;
};
const deploy = (aws: FakeAws, args: string[], stdin = ''): DeployRun => aws.run(['--prefix', 'demo', ...args], stdin);
const stackOf = (call: string[]) => call[call.indexOf('--stack-name') + 1];

beforeAll(() => {
  writeFileSync(release, 'a release');
  writeFileSync(`${release}.sha256`, `${SHA256}  ${RELEASE}.tar.gz\n`);
});
afterAll(() => {
  for (const aws of fakes) aws.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('a first deployment, with a domain, for production', () => {
  let aws: FakeAws;
  let run: DeployRun;
  beforeAll(() => {
    aws = fake();
    run = deploy(aws, [
      '--region',
      'eu-west-1',
      '--release',
      release,
      '--alarm-email',
      'ops@example.com',
      '--environment',
      'production',
      '--cfn-role',
      ROLE,
      ...HTTPS,
    ]);
  }, SLOW);

  test('creates every stack in dependency order through a change set, then prints the HTTPS URL', () => {
    expect(run.stderr).not.toContain('deploy: unknown');
    expect(run.exitCode).toBe(0);
    expect(changeSetStacks(run)).toEqual(DEMO_STACKS);
    expect(executedStacks(run)).toEqual(DEMO_STACKS);
    for (const call of callsOf(run, 'cloudformation create-change-set')) {
      expect(call[call.indexOf('--change-set-type') + 1]).toBe('CREATE');
      expect(call[call.indexOf('--template-body') + 1]).toMatch(/^file:\/\/.*\/infra\/[a-z-]+\.yaml$/);
      expect(call).toContain('CAPABILITY_IAM');
      expect(call[call.indexOf('--role-arn') + 1]).toBe(ROLE);
    }
    expect(run.stdout).toContain('Task Manager is at https://tasks.example.com');
    expect(run.stderr).not.toContain('PLAIN HTTP');
  });

  test('shows each change set, with property values before and after, before executing it', () => {
    const shown = callsOf(run, 'cloudformation describe-change-set').filter((c) =>
      c.includes('--include-property-values'),
    );
    expect(shown.map(stackOf)).toEqual(DEMO_STACKS);
    expect(run.stdout).toContain('After: "new of demo-app"');
    for (const stack of DEMO_STACKS) {
      const describe = run.calls.findIndex((c) => c.includes('--include-property-values') && c.includes(stack));
      const execute = run.calls.findIndex((c) => c[1] === 'execute-change-set' && c.includes(stack));
      expect(describe).toBeLessThan(execute);
    }
  });

  test('streams the stack events while it waits', () => {
    expect(run.stderr).toMatch(/CREATE_IN_PROGRESS\s+demo-app\s+User Initiated/);
    expect(run.stderr).toMatch(/CREATE_COMPLETE\s+demo-app/);
    expect(run.stderr).toContain('deploy: stack demo-monitoring: CREATE_COMPLETE');
  });

  test('the edge stack goes to us-east-1 for CloudFront, every other stack to the given region', () => {
    for (const call of callsOf(run, 'cloudformation create-change-set')) {
      expect(regionOf(call)).toBe(stackOf(call) === 'demo-edge' ? 'us-east-1' : 'eu-west-1');
    }
    expect(parametersOf(run, 'demo-edge')).toEqual({
      Scope: 'CLOUDFRONT',
      DomainName: 'tasks.example.com',
      HostedZoneId: 'Z0123456789ABC',
    });
  });

  test("passes each stack the outputs it needs: the edge's to the load balancer, the load balancer's to the app", () => {
    expect(parametersOf(run, 'demo-security')).toEqual({
      NetworkStack: 'demo-network',
      CloudFrontPrefixListId: 'pl-0a1b2c3d',
    });
    expect(parametersOf(run, 'demo-load-balancer')).toMatchObject({
      DomainName: 'tasks.example.com',
      HostedZoneId: 'Z0123456789ABC',
      CloudFront: 'true',
      WebAclArn: 'out:demo-edge:WebAclArn',
      CloudFrontCertificateArn: 'out:demo-edge:CertificateArn',
    });
    expect(parametersOf(run, 'demo-app')).toEqual({
      NetworkStack: 'demo-network',
      SecurityStack: 'demo-security',
      DatabaseStack: 'demo-database',
      LoadBalancerStack: 'demo-load-balancer',
      ArtifactBucket: 'demo-artifacts-bucket',
      ReleaseKey: `releases/${RELEASE}.tar.gz`,
      ReleaseSha256: SHA256,
      ImageId: '',
      DomainName: 'tasks.example.com',
      OriginSecretArn: 'out:demo-load-balancer:OriginSecretArn',
      CloudFrontPrefixListId: 'pl-0a1b2c3d',
    });
    expect(parametersOf(run, 'demo-monitoring')).toMatchObject({
      AlarmEmail: 'ops@example.com',
      WebAclName: 'out:demo-edge:WebAclName',
      WebAclRegion: 'us-east-1',
    });
  });

  test('uploads the release before the app stack uses it, and records the AMI the release runs on', () => {
    const uploads = callsOf(run, 's3 cp').filter((c) => c.some((arg) => arg.startsWith(work)));
    expect(uploads.map((c) => c.find((arg) => arg.startsWith('s3://')))).toEqual([
      `s3://demo-artifacts-bucket/releases/${RELEASE}.tar.gz`,
      `s3://demo-artifacts-bucket/releases/${RELEASE}.tar.gz.sha256`,
    ]);
    const app = run.calls.findIndex((c) => c[1] === 'create-change-set' && c.includes('demo-app'));
    expect(run.calls.indexOf(uploads[1] as string[])).toBeLessThan(app);
    expect(aws.recordedImage(RELEASE)).toBe('out:demo-app:ImageId');
  });

  test("creates the app's database user between the database stack and the app stack, and waits for it", () => {
    const [start] = callsOf(run, 'ecs run-task');
    expect(start).toBeDefined();
    expect(start?.[start.indexOf('--cluster') + 1]).toBe('out:demo-database:DatabaseUsersCluster');
    expect(start?.[start.indexOf('--task-definition') + 1]).toBe('out:demo-database:DatabaseUsersTaskDefinition');
    expect(start?.[start.indexOf('--network-configuration') + 1]).toBe(
      'awsvpcConfiguration={subnets=[out:demo-network:PrivateSubnet1,out:demo-network:PrivateSubnet2],' +
        'securityGroups=[out:demo-security:InstanceSecurityGroup],assignPublicIp=DISABLED}',
    );
    const at = (match: (call: string[]) => boolean) => run.calls.findIndex(match);
    const database = at((c) => c[1] === 'execute-change-set' && c.includes('demo-database'));
    const task = at((c) => c[1] === 'run-task');
    const waited = at((c) => c[1] === 'wait' && c[2] === 'tasks-stopped');
    const checked = at((c) => c[1] === 'describe-tasks');
    const app = at((c) => c[1] === 'create-change-set' && c.includes('demo-app'));
    expect([database < task, task < waited, waited < checked, checked < app]).toEqual([true, true, true, true]);
  });

  test('turns termination protection on for every production stack once it is deployed', () => {
    expect(callsOf(run, 'cloudformation update-termination-protection').map(stackOf)).toEqual(DEMO_STACKS);
  });
});

describe('the next deployment of the same stacks', () => {
  let run: DeployRun;
  beforeAll(() => {
    const aws = fake();
    for (const stack of DEMO_STACKS) aws.stack(stack, 'UPDATE_COMPLETE');
    aws
      .stack('demo-network', 'UPDATE_COMPLETE', ['VpcCidr', 'NatGateways'])
      .stack('demo-load-balancer', 'UPDATE_COMPLETE', [
        'DomainName=tasks.example.com',
        'HostedZoneId=Z0123456789ABC',
        'CloudFront=false',
      ])
      .mark('no-changes', 'demo-database')
      .image(RELEASE, 'ami-0bbbbbbbbbbbbbbb2');
    run = deploy(aws, ['--release', release, '--param', 'network.NatGateways=single']);
  }, SLOW);

  test('updates each stack, keeping the values of parameters it is not given', () => {
    expect(run.exitCode).toBe(0);
    const network = callsOf(run, 'cloudformation create-change-set', 'demo-network')[0] ?? [];
    expect(network[network.indexOf('--change-set-type') + 1]).toBe('UPDATE');
    expect(parametersOf(run, 'demo-network')).toEqual({ NatGateways: 'single', VpcCidr: { previous: true } });
  });

  test('keeps the domain and the CloudFront choice the stacks already have', () => {
    expect(run.stderr).not.toContain('PLAIN HTTP');
    expect(parametersOf(run, 'demo-load-balancer')).toMatchObject({
      DomainName: 'tasks.example.com',
      CloudFront: 'false',
    });
    expect(parametersOf(run, 'demo-edge')).toMatchObject({ Scope: 'REGIONAL' });
    expect(regionOf(callsOf(run, 'cloudformation create-change-set', 'demo-edge')[0])).toBeUndefined();
  });

  test('leaves a stack without changes alone: its empty change set is deleted, not executed', () => {
    expect(executedStacks(run)).not.toContain('demo-database');
    expect(callsOf(run, 'cloudformation delete-change-set', 'demo-database').length).toBe(1);
    expect(run.stderr).toContain('deploy: no changes');
  });

  test('a release deployed before stays on the AMI recorded with it', () => {
    expect(parametersOf(run, 'demo-app')).toMatchObject({ ImageId: 'ami-0bbbbbbbbbbbbbbb2' });
  });

  test('leaves termination protection alone outside production', () => {
    expect(callsOf(run, 'cloudformation update-termination-protection')).toEqual([]);
  });
});

test(
  'without a domain it deploys plain HTTP, warning loudly, with the web ACL on the load balancer',
  () => {
    const run = deploy(fake(), ['--release', release]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr.match(/WARNING: no --domain, so the site is PLAIN HTTP/g)?.length).toBe(2);
    expect(parametersOf(run, 'demo-edge')).toEqual({ Scope: 'REGIONAL', DomainName: '', HostedZoneId: '' });
    expect(parametersOf(run, 'demo-security')).toMatchObject({ CloudFrontPrefixListId: '' });
    expect(callsOf(run, 'ec2 describe-managed-prefix-lists')).toEqual([]);
    expect(parametersOf(run, 'demo-monitoring')).toMatchObject({ WebAclRegion: 'eu-west-1' });
  },
  SLOW,
);

test(
  'a failed update stops the deploy, its events and final status shown',
  () => {
    const aws = fake().stack('demo-network', 'UPDATE_COMPLETE', ['VpcCidr']).mark('fails', 'demo-network');
    const run = deploy(aws, ['--release', release, '--bucket', 'own-bucket']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('Resource handler returned message: boom');
    expect(run.stderr).toContain('stack demo-network ended UPDATE_ROLLBACK_COMPLETE');
    expect(changeSetStacks(run)).toEqual(['demo-network']);
  },
  SLOW,
);

describe('a stack left in ROLLBACK_COMPLETE by a failed first creation', () => {
  // The security stack's creation fails too, so each run stops after the network stack.
  const failedNetwork = () => fake().stack('demo-network', 'ROLLBACK_COMPLETE').mark('fails', 'demo-security');
  const run = (aws: FakeAws, extra: string[], stdin: string) =>
    deploy(aws, ['--release', release, '--bucket', 'own-bucket', ...extra], stdin);

  test(
    'is deleted and created again once the operator says yes',
    () => {
      const result = run(failedNetwork(), [], 'y\n');
      expect(result.stderr).toContain('demo-network is in ROLLBACK_COMPLETE');
      const deleted = result.calls.findIndex((c) => c[1] === 'delete-stack' && c.includes('demo-network'));
      const created = result.calls.findIndex((c) => c[1] === 'create-change-set' && c.includes('demo-network'));
      expect(deleted).toBeGreaterThanOrEqual(0);
      expect(deleted).toBeLessThan(created);
      expect(result.stderr).toContain('DELETE_IN_PROGRESS');
      expect(executedStacks(result)).toEqual(['demo-network', 'demo-security']);
    },
    SLOW,
  );

  test(
    'is left as it is when the answer is no, or there is none (CI without --yes)',
    () => {
      for (const stdin of ['n\n', '']) {
        const result = run(failedNetwork(), [], stdin);
        expect(result.exitCode).toBe(1);
        expect(callsOf(result, 'cloudformation delete-stack')).toEqual([]);
        expect(result.stderr).toContain('left demo-network as it is');
      }
    },
    SLOW,
  );

  test(
    '--yes answers for the operator',
    () => {
      const result = run(failedNetwork(), ['--yes'], '');
      expect(callsOf(result, 'cloudformation delete-stack', 'demo-network').length).toBe(1);
    },
    SLOW,
  );
});

test(
  "--dry-run shows every change set's diff and changes nothing",
  () => {
    const aws = fake().stack('demo-network', 'UPDATE_COMPLETE', ['VpcCidr']);
    const run = deploy(aws, ['--release', release, '--dry-run', ...HTTPS]);
    expect(run.exitCode).toBe(0);
    expect(changeSetStacks(run)).toEqual(DEMO_STACKS);
    expect(run.stdout).toContain('Before: "old of demo-network"');
    expect(run.stdout).toContain('After: "new of demo-app"');
    for (const kind of ['execute-change-set', 'update-termination-protection']) {
      expect(run.calls.filter((c) => c[1] === kind)).toEqual([]);
    }
    // It reads (the AMI recorded with the release) but uploads nothing.
    const sourceOf = (call: string[]) => call.slice(2).find((arg) => !arg.startsWith('--')) ?? '';
    expect(callsOf(run, 's3 cp').filter((call) => !sourceOf(call).startsWith('s3://'))).toEqual([]);
    expect(run.stdout).toContain(`+ aws s3 cp --only-show-errors ${release} s3://`);
    // Every change set is deleted again; so is each stack that existed only because of one.
    expect(callsOf(run, 'cloudformation delete-change-set').length).toBe(DEMO_STACKS.length);
    expect(callsOf(run, 'cloudformation delete-stack').map(stackOf)).toEqual(
      DEMO_STACKS.filter((s) => s !== 'demo-network'),
    );
  },
  SLOW,
);

describe('rollback', () => {
  const deployed = () =>
    fake()
      .stack('demo-artifacts', 'UPDATE_COMPLETE')
      .stack('demo-app', 'UPDATE_COMPLETE', ['ReleaseKey', 'ReleaseSha256', 'ImageId', 'InstanceType'])
      .stack('demo-load-balancer', 'UPDATE_COMPLETE', ['DomainName=tasks.example.com']);

  test(
    'redeploys only the app stack, with the release, its checksum and the AMI recorded with it',
    () => {
      const run = deploy(deployed().image('task-manager-1.0.0-old', 'ami-0aaaaaaaaaaaaaaa1'), [
        'rollback',
        'task-manager-1.0.0-old',
      ]);
      expect(run.exitCode).toBe(0);
      expect(executedStacks(run)).toEqual(['demo-app']);
      expect(parametersOf(run, 'demo-app')).toMatchObject({
        ReleaseKey: 'releases/task-manager-1.0.0-old.tar.gz',
        ReleaseSha256: '1'.repeat(64),
        ImageId: 'ami-0aaaaaaaaaaaaaaa1',
        InstanceType: { previous: true },
      });
      expect(run.stderr).toContain('on ami-0aaaaaaaaaaaaaaa1, the AMI it ran on');
      expect(run.stdout).toContain('https://tasks.example.com (release task-manager-1.0.0-old)');
    },
    SLOW,
  );

  test(
    'a release deployed before AMIs were recorded keeps the AMI the instances run, and says so',
    () => {
      const run = deploy(deployed(), ['rollback', 'task-manager-1.0.0-old']);
      expect(run.exitCode).toBe(0);
      expect(parametersOf(run, 'demo-app')).toMatchObject({ ImageId: 'out:demo-app:ImageId' });
      expect(run.stderr).toContain('no AMI was recorded with it');
    },
    SLOW,
  );
});

test(
  'refresh starts an instance refresh of the group and waits for it',
  () => {
    const run = deploy(fake().stack('demo-app', 'UPDATE_COMPLETE'), ['refresh']);
    expect(run.exitCode).toBe(0);
    const start = callsOf(run, 'autoscaling start-instance-refresh')[0] ?? [];
    expect(start[start.indexOf('--auto-scaling-group-name') + 1]).toBe('out:demo-app:AutoScalingGroupName');
    expect(callsOf(run, 'autoscaling describe-instance-refreshes').length).toBe(1);
  },
  SLOW,
);

test(
  'refuses bad input before touching AWS: a tarball not matching its checksum, unknown options, commands, parameters',
  () => {
    const aws = fake();
    const tampered = join(work, 'task-manager-9.9.9-tampered.tar.gz');
    writeFileSync(tampered, 'something else');
    writeFileSync(`${tampered}.sha256`, `${SHA256}  task-manager-9.9.9-tampered.tar.gz\n`);
    const mismatch = aws.run(['--release', tampered]);
    expect(mismatch.exitCode).toBe(1);
    expect(mismatch.stderr).toContain('does not match');
    expect(mismatch.calls).toEqual([]);
    for (const args of [
      ['--bogus'],
      ['launch'],
      ['--param', 'nowhere.Key=1'],
      ['rollback'],
      ['--domain', 'Not A Domain'],
    ]) {
      const run = deploy(aws, args);
      expect(run.exitCode).toBe(1);
      expect(run.calls).toEqual([]);
    }
  },
  SLOW,
);

test(
  'a --param the template does not declare stops the deploy at that stack',
  () => {
    const run = deploy(fake(), ['--release', release, '--bucket', 'own-bucket', '--param', 'network.Bogus=1']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('infra/network.yaml has no parameter Bogus');
    expect(callsOf(run, 'cloudformation create-change-set')).toEqual([]);
  },
  SLOW,
);

test(
  'a database user task that fails stops the deploy before the app stack, naming its log',
  () => {
    const aws = fake().databaseUserExit(1);
    const run = deploy(aws, ['--region', 'eu-west-1', '--release', release, ...HTTPS]);
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain('the database user task ended with exit code 1');
    expect(run.stderr).toContain('/task-manager/demo-database/database-users');
    expect(changeSetStacks(run)).not.toContain('demo-app');
  },
  SLOW,
);
