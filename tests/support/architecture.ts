import { intrinsicName, isObject, type Template, visitIntrinsics } from './cloudformation';
import { type Located, Stacks } from './cloudformation-stacks';

/**
 * The architecture the issue asks for, asserted on the templates as deployed together. Each check
 * finds its subjects by resource type and follows the real links (Ref, GetAtt, ImportValue across
 * stacks), never logical-id names, and returns its problems; none means it holds. A check whose
 * subject is missing (no launch template, no database...) fails rather than passing vacuously.
 */

const key = (r: Located) => `${r.file}:${r.id}`;
const label = (r: Located) => `${r.file} ${r.id}`;
const ANYWHERE = new Set(['0.0.0.0/0', '::/0']);

/** The values a property can take: both branches of Fn::If, a parameter's default; AWS::NoValue as undefined. */
function possibleValues(value: unknown, template: Template): unknown[] {
  const name = intrinsicName(value);
  const argument = name ? (value as Record<string, unknown>)[name] : undefined;
  if (name === 'Fn::If' && Array.isArray(argument)) {
    return argument.slice(1).flatMap((branch) => possibleValues(branch, template));
  }
  if (name === 'Ref' && argument === 'AWS::NoValue') return [undefined];
  if (name === 'Ref' && typeof argument === 'string' && template.Parameters?.[argument]) {
    const fallback = template.Parameters[argument].Default;
    return [fallback === undefined ? value : fallback];
  }
  return [value];
}
const same = (value: unknown, expected: string | number | boolean) => String(value) === String(expected);

type Tier = 'public' | 'private' | 'isolated';
interface SubnetFacts {
  subnet: Located;
  az: number | undefined;
  tier: Tier;
}

export class Architecture {
  readonly stacks: Stacks;
  constructor(templates: ConstructorParameters<typeof Stacks>[0]) {
    this.stacks = new Stacks(templates);
  }

  private targetsOfType(value: unknown, file: string, type: string): Located[] {
    return this.stacks.targets(value, file).filter((t) => t.resource.Type === type);
  }

  /** AZ index from `!Select [i, !GetAZs '']`, and the tier its route table gives it. */
  subnets(): SubnetFacts[] {
    const routesTo = (routeTable: Located): string[] =>
      this.stacks
        .resources('AWS::EC2::Route')
        .filter((r) => r.resource.Properties?.DestinationCidrBlock === '0.0.0.0/0')
        .filter((r) =>
          this.stacks.targets(r.resource.Properties?.RouteTableId, r.file).some((t) => key(t) === key(routeTable)),
        )
        .flatMap((r) => [
          ...this.targetsOfType(r.resource.Properties?.GatewayId, r.file, 'AWS::EC2::InternetGateway').map(() => 'igw'),
          ...this.targetsOfType(r.resource.Properties?.NatGatewayId, r.file, 'AWS::EC2::NatGateway').map(() => 'nat'),
        ]);
    return this.stacks.resources('AWS::EC2::Subnet').map((subnet) => {
      const tables = this.stacks
        .resources('AWS::EC2::SubnetRouteTableAssociation')
        .filter((a) => this.stacks.targets(a.resource.Properties?.SubnetId, a.file).some((t) => key(t) === key(subnet)))
        .flatMap((a) => this.targetsOfType(a.resource.Properties?.RouteTableId, a.file, 'AWS::EC2::RouteTable'));
      const routes = new Set(tables.flatMap(routesTo));
      const tier: Tier = routes.has('igw') ? 'public' : routes.has('nat') ? 'private' : 'isolated';
      return { subnet, az: azIndex(subnet.resource.Properties?.AvailabilityZone), tier };
    });
  }

  private subnetFacts(value: unknown, file: string): { facts: SubnetFacts[]; others: Located[] } {
    const all = this.subnets();
    const targets = this.stacks.targets(value, file);
    return {
      facts: all.filter((s) => targets.some((t) => key(t) === key(s.subnet))),
      others: targets.filter((t) => t.resource.Type !== 'AWS::EC2::Subnet'),
    };
  }

  /** Security groups attached to resources of a type, by the property that attaches them. */
  private attachedGroups(type: string, groupsOf: (properties: Record<string, unknown>) => unknown): Located[] {
    return this.stacks
      .resources(type)
      .flatMap((r) => this.targetsOfType(groupsOf(r.resource.Properties ?? {}), r.file, 'AWS::EC2::SecurityGroup'));
  }
  albGroups(): Located[] {
    return this.attachedGroups('AWS::ElasticLoadBalancingV2::LoadBalancer', (p) => p.SecurityGroups);
  }
  appGroups(): Located[] {
    return this.attachedGroups('AWS::EC2::LaunchTemplate', (p) => {
      const data = isObject(p.LaunchTemplateData) ? p.LaunchTemplateData : {};
      const interfaces = Array.isArray(data.NetworkInterfaces) ? data.NetworkInterfaces : [];
      return [
        data.SecurityGroupIds,
        data.SecurityGroups,
        ...interfaces.map((i) => (isObject(i) ? i.Groups : undefined)),
      ];
    });
  }
  databaseGroups(): Located[] {
    return this.attachedGroups('AWS::RDS::DBInstance', (p) => p.VPCSecurityGroups);
  }

  /** Every ingress rule: inline on a security group, or a SecurityGroupIngress resource on a group it leads to. */
  ingressRules(): { groups: Located[]; rule: Record<string, unknown>; where: string; file: string }[] {
    const inline = this.stacks.resources('AWS::EC2::SecurityGroup').flatMap((group) => {
      const template = this.stacks.template(group.file);
      const rules = group.resource.Properties?.SecurityGroupIngress;
      return (Array.isArray(rules) ? rules : [rules])
        .flatMap((rule) => possibleValues(rule, template))
        .filter(isObject)
        .map((rule, i) => ({ groups: [group], rule, where: `${label(group)} ingress[${i}]`, file: group.file }));
    });
    const separate = this.stacks.resources('AWS::EC2::SecurityGroupIngress').map((r) => ({
      groups: this.targetsOfType(r.resource.Properties?.GroupId, r.file, 'AWS::EC2::SecurityGroup'),
      rule: r.resource.Properties ?? {},
      where: label(r),
      file: r.file,
    }));
    return [...inline, ...separate];
  }

  checkAvailabilityZones(): string[] {
    const problems: string[] = [];
    const subnets = this.subnets();
    for (const { subnet, az } of subnets) {
      if (az === undefined) {
        problems.push(
          `${label(subnet)}: AvailabilityZone is not !Select [index, !GetAZs ''] (no hard-coded zone or region)`,
        );
      }
    }
    for (const tier of ['public', 'private'] as const) {
      const inTier = subnets.filter((s) => s.tier === tier);
      const zones = inTier.map((s) => s.az);
      if (new Set(zones).size < 2) problems.push(`${tier} subnets span ${new Set(zones).size} AZ index(es), need 2`);
      if (new Set(zones).size !== zones.length) {
        problems.push(`${tier} subnets share an AZ: ${inTier.map((s) => `${s.subnet.id}@${s.az}`).join(', ')}`);
      }
    }
    for (const nat of this.stacks.resources('AWS::EC2::NatGateway')) {
      const { facts } = this.subnetFacts(nat.resource.Properties?.SubnetId, nat.file);
      if (facts.length !== 1 || facts[0]?.tier !== 'public')
        problems.push(`${label(nat)}: a NAT gateway belongs in a public subnet`);
    }
    const zonesOf = (tier: Tier) => [...new Set(subnets.filter((s) => s.tier === tier).map((s) => s.az))].sort().join();
    if (zonesOf('public') !== zonesOf('private')) {
      problems.push(
        `public subnets are in AZs [${zonesOf('public')}], private in [${zonesOf('private')}]: want one of each per AZ`,
      );
    }
    return problems;
  }

  checkInternetIngress(): string[] {
    const alb = new Set(this.albGroups().map(key));
    if (alb.size === 0) return ['no security group is attached to a load balancer'];
    return this.ingressRules().flatMap(({ groups, rule, where, file }) => {
      const template = this.stacks.template(file);
      const sources = [rule.CidrIp, rule.CidrIpv6].flatMap((c) => possibleValues(c, template));
      if (!sources.some((c) => typeof c === 'string' && ANYWHERE.has(c))) return [];
      if (groups.length === 0 || !groups.every((g) => alb.has(key(g)))) {
        return [`${where}: open to the internet, but only the load balancer's security group may be`];
      }
      const port = ports(rule, template);
      if (port === undefined || port === 'all' || port.from !== port.to || ![80, 443].includes(port.from)) {
        return [`${where}: the load balancer is open to the internet on more than port 80 or 443`];
      }
      return [];
    });
  }

  checkNoSsh(): string[] {
    if (this.stacks.resources('AWS::EC2::SecurityGroup').length === 0) return ['no security group'];
    const problems = this.ingressRules().flatMap(({ rule, where, file }) => {
      const template = this.stacks.template(file);
      const port = ports(rule, template);
      if (port === 'all') return [`${where}: allows every protocol and port, 22 included`];
      if (port && port.from <= 22 && 22 <= port.to) return [`${where}: allows port 22 (${port.from}-${port.to})`];
      return [];
    });
    for (const type of ['AWS::EC2::LaunchTemplate', 'AWS::EC2::Instance']) {
      for (const r of this.stacks.resources(type)) {
        const data = type === 'AWS::EC2::Instance' ? r.resource.Properties : r.resource.Properties?.LaunchTemplateData;
        if (isObject(data) && data.KeyName !== undefined)
          problems.push(`${label(r)}: has an SSH key pair; access is SSM only`);
      }
    }
    return problems;
  }

  /** Between tiers, rules name the source security group: internet → ALB → app → database. */
  checkSecurityGroupChain(): string[] {
    const problems: string[] = [];
    const alb = this.albGroups();
    const app = this.appGroups();
    const database = this.databaseGroups();
    if (app.length === 0) problems.push('no security group is attached to a launch template');
    if (database.length === 0) problems.push('no security group is attached to a database instance');
    const albKeys = new Set(alb.map(key));
    const rules = this.ingressRules();
    for (const { groups, rule, where, file } of rules) {
      if (groups.length > 0 && groups.every((g) => albKeys.has(key(g)))) continue;
      if (rule.CidrIp !== undefined || rule.CidrIpv6 !== undefined || rule.SourcePrefixListId !== undefined) {
        problems.push(`${where}: allows a CIDR range; between security groups, name the source group`);
      } else if (this.targetsOfType(rule.SourceSecurityGroupId, file, 'AWS::EC2::SecurityGroup').length === 0) {
        problems.push(`${where}: SourceSecurityGroupId does not lead to a security group in the templates`);
      }
    }
    const onlyFrom = (tier: Located[], name: string, sources: Located[], sourceName: string) => {
      const allowed = new Set(sources.map(key));
      for (const group of tier) {
        const own = rules.filter((r) => r.groups.some((g) => key(g) === key(group)));
        if (own.length === 0) problems.push(`${label(group)} (${name}): no ingress at all, so nothing reaches it`);
        for (const { rule, where, file } of own) {
          const from = this.targetsOfType(rule.SourceSecurityGroupId, file, 'AWS::EC2::SecurityGroup');
          if (!from.every((f) => allowed.has(key(f))) || from.length === 0) {
            problems.push(`${where} (${name}): ingress must come only from the ${sourceName} security group`);
          }
        }
      }
    };
    onlyFrom(app, 'app', alb, 'load balancer');
    onlyFrom(database, 'database', app, 'app');
    return problems;
  }

  checkNoPublicIps(): string[] {
    const problems: string[] = [];
    for (const type of ['AWS::EC2::LaunchTemplate', 'AWS::EC2::Instance']) {
      for (const r of this.stacks.resources(type)) {
        const template = this.stacks.template(r.file);
        const data = type === 'AWS::EC2::Instance' ? r.resource.Properties : r.resource.Properties?.LaunchTemplateData;
        const interfaces = isObject(data) && Array.isArray(data.NetworkInterfaces) ? data.NetworkInterfaces : [];
        for (const [i, nic] of interfaces.entries()) {
          const values = isObject(nic) ? possibleValues(nic.AssociatePublicIpAddress, template) : [];
          if (values.some((v) => v !== undefined && !same(v, false))) {
            problems.push(`${label(r)}: NetworkInterfaces[${i}] may associate a public IP address`);
          }
        }
      }
    }
    const groups = this.stacks.resources('AWS::AutoScaling::AutoScalingGroup');
    if (groups.length === 0) problems.push('no Auto Scaling group');
    for (const group of groups) {
      const { facts, others } = this.subnetFacts(group.resource.Properties?.VPCZoneIdentifier, group.file);
      // Instances fetch their release and packages at boot: their subnets need the NAT route.
      problems.push(...this.privateSubnetProblems(label(group), 'VPCZoneIdentifier', facts, others, ['private']));
    }
    for (const { subnet, tier } of this.subnets()) {
      const template = this.stacks.template(subnet.file);
      const map = possibleValues(subnet.resource.Properties?.MapPublicIpOnLaunch, template);
      if (tier !== 'public' && map.some((v) => v !== undefined && !same(v, false))) {
        problems.push(`${label(subnet)}: a ${tier} subnet maps public IPs on launch`);
      }
    }
    return problems;
  }

  private privateSubnetProblems(
    owner: string,
    property: string,
    facts: SubnetFacts[],
    others: Located[],
    allowed: Tier[] = ['private', 'isolated'],
  ): string[] {
    const problems: string[] = [];
    if (facts.length === 0) problems.push(`${owner}: ${property} does not lead to subnets in the templates`);
    for (const other of others) problems.push(`${owner}: ${property} leads to ${label(other)}, not a subnet`);
    for (const { subnet, tier } of facts) {
      if (!allowed.includes(tier)) problems.push(`${owner}: ${property} includes ${tier} subnet ${label(subnet)}`);
    }
    if (new Set(facts.map((f) => f.az)).size < 2) problems.push(`${owner}: ${property} spans fewer than 2 AZs`);
    return problems;
  }

  checkDatabasePrivate(): string[] {
    const problems: string[] = [];
    const databases = this.stacks.resources('AWS::RDS::DBInstance');
    if (databases.length === 0) problems.push('no database instance');
    for (const db of databases) {
      const template = this.stacks.template(db.file);
      const publicly = possibleValues(db.resource.Properties?.PubliclyAccessible, template);
      if (!publicly.every((v) => same(v, false))) problems.push(`${label(db)}: PubliclyAccessible must be false`);
      const groups = this.targetsOfType(db.resource.Properties?.DBSubnetGroupName, db.file, 'AWS::RDS::DBSubnetGroup');
      if (groups.length === 0) problems.push(`${label(db)}: DBSubnetGroupName does not lead to a DB subnet group`);
      for (const group of groups) {
        const { facts, others } = this.subnetFacts(group.resource.Properties?.SubnetIds, group.file);
        problems.push(...this.privateSubnetProblems(label(group), 'SubnetIds', facts, others));
      }
    }
    for (const db of [...databases, ...this.stacks.resources('AWS::RDS::DBCluster')]) {
      for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
        if (db.resource[policy] !== 'Snapshot') problems.push(`${label(db)}: ${policy} must be Snapshot`);
      }
    }
    return problems;
  }

  checkLoadBalancer(): string[] {
    const problems: string[] = [];
    const balancers = this.stacks.resources('AWS::ElasticLoadBalancingV2::LoadBalancer');
    if (balancers.length === 0) problems.push('no load balancer');
    for (const lb of balancers) {
      const template = this.stacks.template(lb.file);
      if (
        !possibleValues(lb.resource.Properties?.Scheme, template).every(
          (v) => v === undefined || v === 'internet-facing',
        )
      ) {
        problems.push(`${label(lb)}: must be internet-facing`);
      }
      const { facts, others } = this.subnetFacts(lb.resource.Properties?.Subnets, lb.file);
      if (facts.length === 0 || others.length > 0)
        problems.push(`${label(lb)}: Subnets do not lead to subnets in the templates`);
      for (const { subnet, tier } of facts) {
        if (tier !== 'public') problems.push(`${label(lb)}: in ${tier} subnet ${label(subnet)}`);
      }
      if (new Set(facts.map((f) => f.az)).size < 2) problems.push(`${label(lb)}: spans fewer than 2 AZs`);
    }
    const targetGroups = this.stacks.resources('AWS::ElasticLoadBalancingV2::TargetGroup');
    if (targetGroups.length === 0) problems.push('no target group');
    for (const tg of targetGroups) {
      const template = this.stacks.template(tg.file);
      const expected = { HealthCheckPath: '/health', HealthCheckIntervalSeconds: 30, HealthyThresholdCount: 2 };
      for (const [property, value] of Object.entries(expected)) {
        const actual = possibleValues(tg.resource.Properties?.[property], template);
        if (!actual.every((v) => same(v, value))) {
          problems.push(`${label(tg)}: ${property} is ${actual.map(String).join(' or ')}, want ${value}`);
        }
      }
    }
    return problems;
  }

  checkImdsV2(): string[] {
    const templates = this.stacks.resources('AWS::EC2::LaunchTemplate');
    if (templates.length === 0) return ['no launch template'];
    return templates.flatMap((lt) => {
      const template = this.stacks.template(lt.file);
      const data = lt.resource.Properties?.LaunchTemplateData;
      const options = isObject(data) && isObject(data.MetadataOptions) ? data.MetadataOptions : {};
      const problems: string[] = [];
      if (!possibleValues(options.HttpTokens, template).every((v) => v === 'required')) {
        problems.push(`${label(lt)}: MetadataOptions.HttpTokens must be required (IMDSv2)`);
      }
      if (!possibleValues(options.HttpPutResponseHopLimit, template).every((v) => same(v, 1))) {
        problems.push(`${label(lt)}: MetadataOptions.HttpPutResponseHopLimit must be 1`);
      }
      return problems;
    });
  }

  /** Every VPC's traffic is recorded by a flow log attached to it. */
  checkFlowLogs(): string[] {
    const vpcs = this.stacks.resources('AWS::EC2::VPC');
    if (vpcs.length === 0) return ['no VPC'];
    const logged = new Set(
      this.stacks
        .resources('AWS::EC2::FlowLog')
        .filter((f) => f.resource.Properties?.ResourceType === 'VPC')
        .flatMap((f) => this.stacks.targets(f.resource.Properties?.ResourceId, f.file))
        .map(key),
    );
    return vpcs.filter((v) => !logged.has(key(v))).map((v) => `${label(v)}: no flow log records its traffic`);
  }

  /**
   * Interface endpoints for what an instance needs to be reached and to run without the NAT
   * (SSM sessions and commands, its secret, its logs), each admitting HTTPS from the instances only.
   */
  checkInterfaceEndpoints(): string[] {
    const endpoints = this.stacks
      .resources('AWS::EC2::VPCEndpoint')
      .filter((e) => e.resource.Properties?.VpcEndpointType === 'Interface');
    const service = (e: Located) => {
      const name = e.resource.Properties?.ServiceName;
      const text = isObject(name) && typeof name['Fn::Sub'] === 'string' ? name['Fn::Sub'] : name;
      return typeof text === 'string' ? text.split('.').at(-1) : undefined;
    };
    const offered = new Set(endpoints.map(service));
    const problems = ENDPOINT_SERVICES.filter((s) => !offered.has(s)).map((s) => `no interface endpoint for ${s}`);
    const app = new Set(this.appGroups().map(key));
    const rules = this.ingressRules();
    for (const endpoint of endpoints) {
      const groups = this.targetsOfType(
        endpoint.resource.Properties?.SecurityGroupIds,
        endpoint.file,
        'AWS::EC2::SecurityGroup',
      );
      if (groups.length === 0) problems.push(`${label(endpoint)}: no security group of ours`);
      for (const { rule, where, file } of rules.filter((r) =>
        r.groups.some((g) => groups.some((e) => key(e) === key(g))),
      )) {
        const port = ports(rule, this.stacks.template(file));
        const from = this.targetsOfType(rule.SourceSecurityGroupId, file, 'AWS::EC2::SecurityGroup');
        const fromApp = from.length > 0 && from.every((f) => app.has(key(f)));
        if (!fromApp || port === undefined || port === 'all' || port.from !== 443 || port.to !== 443)
          problems.push(
            `${where} (${label(endpoint)}): an endpoint admits HTTPS from the instances' security group only`,
          );
      }
    }
    return problems;
  }

  /**
   * Rollouts and outages that keep serving: a group waits for each new instance's signal, is
   * replaced on liveness (EC2 checks; the load balancer's /health is readiness and fails with the
   * database), keeps its size across deploys, and runs an AMI a release can pin.
   */
  checkRollouts(): string[] {
    const groups = this.stacks.resources('AWS::AutoScaling::AutoScalingGroup');
    if (groups.length === 0) return ['no Auto Scaling group'];
    return groups.flatMap((group) => {
      const template = this.stacks.template(group.file);
      const p = group.resource.Properties ?? {};
      const problems: string[] = [];
      if (possibleValues(p.HealthCheckType, template).some((v) => v === 'ELB'))
        problems.push(
          `${label(group)}: HealthCheckType ELB replaces every instance when the database is down (readiness); use EC2`,
        );
      if (p.DesiredCapacity !== undefined)
        problems.push(`${label(group)}: DesiredCapacity is set, so every stack update resets a scaled-out group`);
      const rolling = isObject(group.resource.UpdatePolicy)
        ? group.resource.UpdatePolicy.AutoScalingRollingUpdate
        : undefined;
      if (!isObject(rolling) || !same(rolling.WaitOnResourceSignals, true))
        problems.push(`${label(group)}: a rolling update must wait for each new instance's signal`);
      const creation = isObject(group.resource.CreationPolicy)
        ? group.resource.CreationPolicy.ResourceSignal
        : undefined;
      if (!isObject(creation)) problems.push(`${label(group)}: creation must wait for the instances' signals`);
      const launchTemplate = this.targetsOfType(
        isObject(p.LaunchTemplate) ? p.LaunchTemplate.LaunchTemplateId : undefined,
        group.file,
        'AWS::EC2::LaunchTemplate',
      )[0];
      if (!launchTemplate) problems.push(`${label(group)}: LaunchTemplate does not lead to a launch template`);
      else problems.push(...this.pinnableImageProblems(launchTemplate));
      return problems;
    });
  }

  /** ImageId must be able to take a literal AMI: a parameter that is not an SSM lookup. */
  private pinnableImageProblems(launchTemplate: Located): string[] {
    const template = this.stacks.template(launchTemplate.file);
    const data = launchTemplate.resource.Properties?.LaunchTemplateData;
    const image = isObject(data) ? data.ImageId : undefined;
    const refs: string[] = [];
    visitIntrinsics(image, (name, argument) => {
      if (name === 'Ref' && typeof argument === 'string') refs.push(argument);
    });
    const pinnable = refs.some((r) => {
      const type = template.Parameters?.[r]?.Type;
      return typeof type === 'string' && !type.startsWith('AWS::SSM::');
    });
    return pinnable
      ? []
      : [`${label(launchTemplate)}: ImageId cannot be pinned to a release's AMI (only an SSM lookup)`];
  }

  /**
   * The instances' role reaches SSM without AmazonSSMManagedInstanceCore (which reads every SSM
   * parameter), and shells started with a Session document of ours are logged to CloudWatch Logs.
   */
  checkInstanceAccess(): string[] {
    const profiles = this.stacks.resources('AWS::EC2::LaunchTemplate').flatMap((lt) => {
      const data = lt.resource.Properties?.LaunchTemplateData;
      const profile = isObject(data) && isObject(data.IamInstanceProfile) ? data.IamInstanceProfile.Arn : undefined;
      return this.targetsOfType(profile, lt.file, 'AWS::IAM::InstanceProfile');
    });
    if (profiles.length === 0) return ['no launch template has an instance profile of ours'];
    const problems: string[] = [];
    for (const profile of profiles) {
      const roles = this.targetsOfType(profile.resource.Properties?.Roles, profile.file, 'AWS::IAM::Role');
      if (roles.length === 0) problems.push(`${label(profile)}: no role of ours`);
      for (const role of roles) {
        const managed = JSON.stringify(role.resource.Properties?.ManagedPolicyArns ?? []);
        if (managed.includes('AmazonSSMManagedInstanceCore'))
          problems.push(`${label(role)}: AmazonSSMManagedInstanceCore lets the instances read every SSM parameter`);
        const actions = allowedActions(role.resource.Properties?.Policies);
        for (const action of actions.filter((a) => /^ssm:(\*|Get.*|Describe.*|List.*)$/.test(a)))
          problems.push(`${label(role)}: allows ${action}, beyond what Session Manager needs`);
        for (const action of SESSION_ACTIONS.filter((a) => !actions.includes(a)))
          problems.push(`${label(role)}: lacks ${action}, which Session Manager needs`);
      }
    }
    const logged = this.stacks.resources('AWS::SSM::Document').filter((d) => {
      const content = d.resource.Properties?.Content;
      const inputs = isObject(content) && isObject(content.inputs) ? content.inputs : {};
      const group = this.targetsOfType(inputs.cloudWatchLogGroupName, d.file, 'AWS::Logs::LogGroup');
      return d.resource.Properties?.DocumentType === 'Session' && group.length === 1;
    });
    if (logged.length === 0) problems.push('no Session document logs shells to a log group of ours');
    return problems;
  }

  /** The instances read a database secret of the app's own, never the master's (RDS's MasterUserSecret). */
  checkDatabaseCredentials(): string[] {
    const roles = this.stacks.resources('AWS::EC2::LaunchTemplate').flatMap((lt) => {
      const data = lt.resource.Properties?.LaunchTemplateData;
      const profile = isObject(data) && isObject(data.IamInstanceProfile) ? data.IamInstanceProfile.Arn : undefined;
      return this.targetsOfType(profile, lt.file, 'AWS::IAM::InstanceProfile').flatMap((p) =>
        this.targetsOfType(p.resource.Properties?.Roles, p.file, 'AWS::IAM::Role'),
      );
    });
    if (roles.length === 0) return ['no instance role of ours'];
    return roles.flatMap((role) => {
      const read = secretReads(role.resource.Properties?.Policies).flatMap((r) => this.stacks.targets(r, role.file));
      const problems: string[] = [];
      if (read.some((t) => t.resource.Type === 'AWS::RDS::DBInstance' || t.resource.Type === 'AWS::RDS::DBCluster'))
        problems.push(`${label(role)}: reads the database master's secret; the app has a user of its own`);
      if (!read.some((t) => t.resource.Type === 'AWS::SecretsManager::Secret'))
        problems.push(`${label(role)}: reads no database secret of the app's own`);
      return problems;
    });
  }
}

/** GetSecretValue statements of a role's inline policies, with their Resource values. */
function secretReads(policies: unknown): unknown[] {
  return (Array.isArray(policies) ? policies : []).flatMap((policy) => {
    const document = isObject(policy) && isObject(policy.PolicyDocument) ? policy.PolicyDocument : {};
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    return statements
      .filter((st) => isObject(st) && st.Effect === 'Allow')
      .filter((st) =>
        [(st as Record<string, unknown>).Action].flat().some((a) => a === 'secretsmanager:GetSecretValue'),
      )
      .map((st) => (st as Record<string, unknown>).Resource);
  });
}

const ENDPOINT_SERVICES = ['ssm', 'ssmmessages', 'ec2messages', 'secretsmanager', 'logs'];
const SESSION_ACTIONS = [
  'ssm:UpdateInstanceInformation',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
];

/** The actions a role's inline policies allow. */
function allowedActions(policies: unknown): string[] {
  return (Array.isArray(policies) ? policies : []).flatMap((policy) => {
    const document = isObject(policy) && isObject(policy.PolicyDocument) ? policy.PolicyDocument : {};
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    return statements
      .filter((st) => isObject(st) && st.Effect === 'Allow')
      .flatMap((st) => [(st as Record<string, unknown>).Action].flat())
      .filter((a): a is string => typeof a === 'string');
  });
}

/** `!Select [0, !GetAZs '']` (or with AWS::Region) → 0; a literal zone or anything else → undefined. */
function azIndex(value: unknown): number | undefined {
  if (intrinsicName(value) !== 'Fn::Select') return undefined;
  const [index, list] = (value as { 'Fn::Select': unknown[] })['Fn::Select'];
  if (intrinsicName(list) !== 'Fn::GetAZs') return undefined;
  const region = (list as { 'Fn::GetAZs': unknown })['Fn::GetAZs'];
  const anyRegion = region === '' || region === null || (isObject(region) && region.Ref === 'AWS::Region');
  return anyRegion && Number.isInteger(Number(index)) ? Number(index) : undefined;
}

/** Port range of a rule; 'all' for protocol -1; TCP without ports is every port. Non-TCP protocols other than -1 → undefined. */
function ports(rule: Record<string, unknown>, template: Template): { from: number; to: number } | 'all' | undefined {
  const [protocol] = possibleValues(rule.IpProtocol, template);
  const p = String(protocol).toLowerCase();
  if (p === '-1' || p === 'all') return 'all';
  if (p !== 'tcp' && p !== '6') return undefined;
  const [from] = possibleValues(rule.FromPort, template);
  const [to] = possibleValues(rule.ToPort, template);
  const low = from === undefined || Number(from) === -1 ? 0 : Number(from);
  const high = to === undefined || Number(to) === -1 ? 65535 : Number(to);
  return { from: low, to: high };
}
