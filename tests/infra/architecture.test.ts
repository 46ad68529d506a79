import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { Architecture } from '../support/architecture';
import { type LoadedTemplate, loadTemplates, type Resource } from '../support/cloudformation';
import { checkReferences } from '../support/cloudformation-references';
import { checkAgainstSpec } from '../support/cloudformation-spec';
import { checkExports } from '../support/cloudformation-stacks';

/**
 * The issue's architecture: two AZs, only the load balancer open to the internet, no port 22,
 * tiers linked by security group ids, no public IPs, a private database kept on delete,
 * IMDSv2, the health check; flow logs, interface endpoints for the instances' AWS calls, rollouts
 * that wait for the load balancer and outages that do not recycle the fleet, SSM without the broad
 * managed policy and with logged shells. First proven on a correct fixture and on copies of it broken one
 * way each (so every check can fail), then asserted on infra/*.yaml.
 */

const FIXTURE = loadTemplates(join(import.meta.dir, 'fixtures/two-az'));
const CHECKS = [
  'checkAvailabilityZones',
  'checkInternetIngress',
  'checkNoSsh',
  'checkSecurityGroupChain',
  'checkNoPublicIps',
  'checkDatabasePrivate',
  'checkLoadBalancer',
  'checkImdsV2',
  'checkFlowLogs',
  'checkInterfaceEndpoints',
  'checkRollouts',
  'checkInstanceAccess',
  'checkDatabaseCredentials',
] as const;
type Check = (typeof CHECKS)[number];

// biome-ignore lint/suspicious/noExplicitAny: a test edits fixture properties freely; the checks read them as unknown
type Editable = Resource & { Properties: Record<string, any> };

/** A copy of the fixture with one resource changed. */
function broken(file: string, id: string, change: (resource: Editable) => void) {
  const templates: LoadedTemplate[] = structuredClone(FIXTURE);
  const resource = templates.find((t) => t.file === file)?.template.Resources[id];
  if (!resource) throw new Error(`fixture has no ${file} ${id}`);
  resource.Properties ??= {};
  change(resource as Editable);
  return new Architecture(templates);
}

describe('the fixture is a valid stack set', () => {
  test('spec, references and exports', () => {
    expect(checkAgainstSpec(FIXTURE)).toEqual([]);
    expect(FIXTURE.flatMap(checkReferences)).toEqual([]);
    expect(checkExports(FIXTURE)).toEqual([]);
  });
  test.each(CHECKS)('%s accepts it', (check) => {
    expect(new Architecture(FIXTURE)[check]()).toEqual([]);
  });
});

describe('each check fails on a fixture broken its way', () => {
  const cases: [string, Check, Architecture, string][] = [
    [
      'a hard-coded AZ',
      'checkAvailabilityZones',
      broken('network.yaml', 'PrivateB', (r) => {
        r.Properties.AvailabilityZone = 'eu-west-1b';
      }),
      "network.yaml PrivateB: AvailabilityZone is not !Select [index, !GetAZs ''] (no hard-coded zone or region)",
    ],
    [
      'both public subnets in one AZ',
      'checkAvailabilityZones',
      broken('network.yaml', 'PublicB', (r) => {
        r.Properties.AvailabilityZone = { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] };
      }),
      'public subnets span 1 AZ index(es), need 2',
    ],
    [
      'a private subnet routed to the internet gateway',
      'checkAvailabilityZones',
      broken('network.yaml', 'PrivateDefault', (r) => {
        r.Properties.NatGatewayId = undefined;
        r.Properties.GatewayId = { Ref: 'Igw' };
      }),
      'private subnets span 0 AZ index(es), need 2',
    ],
    [
      'the app open to the internet',
      'checkInternetIngress',
      broken('security.yaml', 'AppGroup', (r) => {
        r.Properties.SecurityGroupIngress.push({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '0.0.0.0/0' });
      }),
      "security.yaml AppGroup ingress[1]: open to the internet, but only the load balancer's security group may be",
    ],
    [
      'the load balancer open on another port (IPv6)',
      'checkInternetIngress',
      broken('security.yaml', 'LoadBalancerGroup', (r) => {
        r.Properties.SecurityGroupIngress[1].ToPort = 8080;
      }),
      'security.yaml LoadBalancerGroup ingress[1]: the load balancer is open to the internet on more than port 80 or 443',
    ],
    [
      'a rule to the database from anywhere',
      'checkInternetIngress',
      broken('security.yaml', 'DatabaseFromApp', (r) => {
        r.Properties.SourceSecurityGroupId = undefined;
        r.Properties.CidrIp = '0.0.0.0/0';
      }),
      "security.yaml DatabaseFromApp: open to the internet, but only the load balancer's security group may be",
    ],
    [
      'port 22 in a range',
      'checkNoSsh',
      broken('security.yaml', 'AppGroup', (r) => {
        r.Properties.SecurityGroupIngress[0].FromPort = 0;
        r.Properties.SecurityGroupIngress[0].ToPort = 1024;
      }),
      'security.yaml AppGroup ingress[0]: allows port 22 (0-1024)',
    ],
    [
      'protocol -1',
      'checkNoSsh',
      broken('security.yaml', 'DatabaseFromApp', (r) => {
        r.Properties.IpProtocol = '-1';
      }),
      'security.yaml DatabaseFromApp: allows every protocol and port, 22 included',
    ],
    [
      'an SSH key pair',
      'checkNoSsh',
      broken('app.yaml', 'LaunchTemplate', (r) => {
        r.Properties.LaunchTemplateData.KeyName = 'ops';
      }),
      'app.yaml LaunchTemplate: has an SSH key pair; access is SSM only',
    ],
    [
      'a CIDR between tiers',
      'checkSecurityGroupChain',
      broken('security.yaml', 'DatabaseFromApp', (r) => {
        r.Properties.SourceSecurityGroupId = undefined;
        r.Properties.CidrIp = '10.0.0.0/16';
      }),
      'security.yaml DatabaseFromApp: allows a CIDR range; between security groups, name the source group',
    ],
    [
      'the database reachable from the load balancer',
      'checkSecurityGroupChain',
      broken('security.yaml', 'DatabaseFromApp', (r) => {
        r.Properties.SourceSecurityGroupId = { Ref: 'LoadBalancerGroup' };
      }),
      'security.yaml DatabaseFromApp (database): ingress must come only from the app security group',
    ],
    [
      'the app reachable from itself only',
      'checkSecurityGroupChain',
      broken('security.yaml', 'AppGroup', (r) => {
        r.Properties.SecurityGroupIngress[0].SourceSecurityGroupId = { Ref: 'AppGroup' };
      }),
      'security.yaml AppGroup ingress[0] (app): ingress must come only from the load balancer security group',
    ],
    [
      'a public IP on the instances',
      'checkNoPublicIps',
      broken('app.yaml', 'LaunchTemplate', (r) => {
        r.Properties.LaunchTemplateData.NetworkInterfaces[0].AssociatePublicIpAddress = true;
      }),
      'app.yaml LaunchTemplate: NetworkInterfaces[0] may associate a public IP address',
    ],
    [
      'instances in a public subnet',
      'checkNoPublicIps',
      broken('app.yaml', 'Group', (r) => {
        r.Properties.VPCZoneIdentifier[1] = { 'Fn::ImportValue': 'tm-network-PublicSubnets' };
      }),
      'app.yaml Group: VPCZoneIdentifier includes public subnet network.yaml PublicA',
    ],
    [
      'instances in a subnet without a NAT route',
      'checkNoPublicIps',
      broken('network.yaml', 'PrivateBAssociation', (r) => {
        r.Properties.RouteTableId = { Ref: 'Vpc' };
      }),
      'app.yaml Group: VPCZoneIdentifier includes isolated subnet network.yaml PrivateB',
    ],
    [
      'a NAT gateway in a private subnet',
      'checkAvailabilityZones',
      broken('network.yaml', 'Nat', (r) => {
        r.Properties.SubnetId = { Ref: 'PrivateA' };
      }),
      'network.yaml Nat: a NAT gateway belongs in a public subnet',
    ],
    [
      'a private subnet that maps public IPs',
      'checkNoPublicIps',
      broken('network.yaml', 'PrivateA', (r) => {
        r.Properties.MapPublicIpOnLaunch = true;
      }),
      'network.yaml PrivateA: a private subnet maps public IPs on launch',
    ],
    [
      'subnets given as a parameter, which cannot be followed',
      'checkNoPublicIps',
      broken('app.yaml', 'Group', (r) => {
        r.Properties.VPCZoneIdentifier = { Ref: 'NetworkStack' };
      }),
      'app.yaml Group: VPCZoneIdentifier does not lead to subnets in the templates',
    ],
    [
      'a publicly accessible database',
      'checkDatabasePrivate',
      broken('database.yaml', 'Db', (r) => {
        r.Properties.PubliclyAccessible = { 'Fn::If': ['Anything', false, true] };
      }),
      'database.yaml Db: PubliclyAccessible must be false',
    ],
    [
      'a database in the public subnets',
      'checkDatabasePrivate',
      broken('database.yaml', 'Subnets', (r) => {
        r.Properties.SubnetIds = { 'Fn::Split': [',', { 'Fn::ImportValue': 'tm-network-PublicSubnets' }] };
      }),
      'database.yaml Subnets: SubnetIds includes public subnet network.yaml PublicB',
    ],
    [
      'a database without snapshot on replace',
      'checkDatabasePrivate',
      broken('database.yaml', 'Db', (r) => {
        r.UpdateReplacePolicy = 'Delete';
      }),
      'database.yaml Db: UpdateReplacePolicy must be Snapshot',
    ],
    [
      'a database without snapshot on delete',
      'checkDatabasePrivate',
      broken('database.yaml', 'Db', (r) => {
        r.DeletionPolicy = undefined;
      }),
      'database.yaml Db: DeletionPolicy must be Snapshot',
    ],
    [
      'a health check on /',
      'checkLoadBalancer',
      broken('load-balancer.yaml', 'Targets', (r) => {
        r.Properties.HealthCheckPath = '/';
      }),
      'load-balancer.yaml Targets: HealthCheckPath is /, want /health',
    ],
    [
      'a health check every 10 s',
      'checkLoadBalancer',
      broken('load-balancer.yaml', 'Targets', (r) => {
        r.Properties.HealthCheckIntervalSeconds = 10;
      }),
      'load-balancer.yaml Targets: HealthCheckIntervalSeconds is 10, want 30',
    ],
    [
      'five passes to healthy',
      'checkLoadBalancer',
      broken('load-balancer.yaml', 'Targets', (r) => {
        r.Properties.HealthyThresholdCount = 5;
      }),
      'load-balancer.yaml Targets: HealthyThresholdCount is 5, want 2',
    ],
    [
      'an internal load balancer',
      'checkLoadBalancer',
      broken('load-balancer.yaml', 'LoadBalancer', (r) => {
        r.Properties.Scheme = 'internal';
      }),
      'load-balancer.yaml LoadBalancer: must be internet-facing',
    ],
    [
      'IMDSv1 allowed',
      'checkImdsV2',
      broken('app.yaml', 'LaunchTemplate', (r) => {
        r.Properties.LaunchTemplateData.MetadataOptions.HttpTokens = 'optional';
      }),
      'app.yaml LaunchTemplate: MetadataOptions.HttpTokens must be required (IMDSv2)',
    ],
    [
      'a hop limit of 2',
      'checkImdsV2',
      broken('app.yaml', 'LaunchTemplate', (r) => {
        r.Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit = 2;
      }),
      'app.yaml LaunchTemplate: MetadataOptions.HttpPutResponseHopLimit must be 1',
    ],
    [
      'a VPC without a flow log',
      'checkFlowLogs',
      broken('network.yaml', 'FlowLog', (r) => {
        r.Properties.ResourceId = { Ref: 'PublicA' };
      }),
      'network.yaml Vpc: no flow log records its traffic',
    ],
    [
      'an endpoint open to the VPC range',
      'checkInterfaceEndpoints',
      broken('security.yaml', 'EndpointGroup', (r) => {
        r.Properties.SecurityGroupIngress[0] = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.0.0.0/16' };
      }),
      "security.yaml EndpointGroup ingress[0] (security.yaml SsmEndpoint): an endpoint admits HTTPS from the instances' security group only",
    ],
    [
      'an endpoint admitting every port',
      'checkInterfaceEndpoints',
      broken('security.yaml', 'EndpointGroup', (r) => {
        r.Properties.SecurityGroupIngress[0].IpProtocol = '-1';
      }),
      "security.yaml EndpointGroup ingress[0] (security.yaml LogsEndpoint): an endpoint admits HTTPS from the instances' security group only",
    ],
    [
      'no Secrets Manager endpoint',
      'checkInterfaceEndpoints',
      broken('security.yaml', 'SecretsEndpoint', (r) => {
        r.Properties.ServiceName = { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.sqs' };
      }),
      'no interface endpoint for secretsmanager',
    ],
    [
      'ELB health checks on the group',
      'checkRollouts',
      broken('app.yaml', 'Group', (r) => {
        r.Properties.HealthCheckType = 'ELB';
      }),
      'app.yaml Group: HealthCheckType ELB replaces every instance when the database is down (readiness); use EC2',
    ],
    [
      'a DesiredCapacity',
      'checkRollouts',
      broken('app.yaml', 'Group', (r) => {
        r.Properties.DesiredCapacity = '2';
      }),
      'app.yaml Group: DesiredCapacity is set, so every stack update resets a scaled-out group',
    ],
    [
      'a rolling update that does not wait for signals',
      'checkRollouts',
      broken('app.yaml', 'Group', (r) => {
        r.UpdatePolicy = { AutoScalingRollingUpdate: { MinInstancesInService: 2 } };
      }),
      "app.yaml Group: a rolling update must wait for each new instance's signal",
    ],
    [
      'an AMI only an SSM lookup names',
      'checkRollouts',
      broken('app.yaml', 'LaunchTemplate', (r) => {
        r.Properties.LaunchTemplateData.ImageId = { Ref: 'LatestAmi' };
      }),
      "app.yaml LaunchTemplate: ImageId cannot be pinned to a release's AMI (only an SSM lookup)",
    ],
    [
      'AmazonSSMManagedInstanceCore',
      'checkInstanceAccess',
      broken('app.yaml', 'Role', (r) => {
        r.Properties.ManagedPolicyArns = ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'];
      }),
      'app.yaml Role: AmazonSSMManagedInstanceCore lets the instances read every SSM parameter',
    ],
    [
      'reading SSM parameters',
      'checkInstanceAccess',
      broken('app.yaml', 'Role', (r) => {
        r.Properties.Policies[0].PolicyDocument.Statement[0].Action.push('ssm:GetParameters');
      }),
      'app.yaml Role: allows ssm:GetParameters, beyond what Session Manager needs',
    ],
    [
      'no Session Manager channels',
      'checkInstanceAccess',
      broken('app.yaml', 'Role', (r) => {
        r.Properties.Policies[0].PolicyDocument.Statement[0].Action = ['ssm:UpdateInstanceInformation'];
      }),
      'app.yaml Role: lacks ssmmessages:OpenDataChannel, which Session Manager needs',
    ],
    [
      'shells not logged',
      'checkInstanceAccess',
      broken('app.yaml', 'Sessions', (r) => {
        r.Properties.Content.inputs.cloudWatchLogGroupName = '';
      }),
      'no Session document logs shells to a log group of ours',
    ],
    [
      "the instances reading the master's secret",
      'checkDatabaseCredentials',
      broken('app.yaml', 'Role', (r) => {
        r.Properties.Policies[0].PolicyDocument.Statement[1].Resource = {
          'Fn::ImportValue': { 'Fn::Sub': '${DatabaseStack}-MasterSecretArn' },
        };
      }),
      "app.yaml Role: reads the database master's secret; the app has a user of its own",
    ],
  ];
  test.each(cases)('%s (%s)', (_, check, architecture, message) => {
    expect(architecture[check]()).toContain(message);
  });

  test('every check fails when its subject is missing', () => {
    const nothing = new Architecture([{ file: 'empty.yaml', template: { Resources: {} } }]);
    for (const check of CHECKS)
      expect({ check, problems: nothing[check]().length > 0 }).toEqual({ check, problems: true });
  });
});

describe('architecture of infra/*.yaml', () => {
  const architecture = new Architecture(loadTemplates());
  test.each(CHECKS)('%s', (check) => {
    expect(architecture[check]()).toEqual([]);
  });
});
