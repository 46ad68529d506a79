import { describe, expect, test } from 'bun:test';
import { loadTemplates, type Resource, type Template } from '../support/cloudformation';

/**
 * The edge and delivery as the templates promise them: HTTPS from a domain, CloudFront caching only
 * what may be cached and forwarding what the app reads, a load balancer only CloudFront reaches,
 * the web ACL's rules, and deploy roles that need no administrator.
 */

const templates = new Map(loadTemplates().map(({ file, template }) => [file, template]));
const template = (file: string): Template => {
  const found = templates.get(file);
  if (!found) throw new Error(`no infra/${file}`);
  return found;
};
const resource = (file: string, id: string): Resource & { Properties: Record<string, unknown> } => {
  const found = template(file).Resources[id];
  if (!found) throw new Error(`${file} has no ${id}`);
  return found as Resource & { Properties: Record<string, unknown> };
};
/** The branch of `{ 'Fn::If': [condition, whenTrue, whenFalse] }` taken when the condition is `when`. */
const branch = (value: unknown, when: boolean): unknown => {
  const args = (value as { 'Fn::If'?: unknown[] })['Fn::If'];
  if (!args) throw new Error(`not an Fn::If: ${JSON.stringify(value)}`);
  return args[when ? 1 : 2];
};
// biome-ignore lint/suspicious/noExplicitAny: the tests walk CloudFormation properties as the templates write them
type Any = any;

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3';
const YEAR = 31_536_000;

describe('HTTPS from a domain name', () => {
  test('the load balancer stack issues a DNS-validated certificate in the hosted zone, unless one is brought', () => {
    const certificate = resource('load-balancer.yaml', 'Certificate');
    expect(certificate.Condition).toBe('IssueCertificate');
    expect(certificate.Properties.ValidationMethod).toBe('DNS');
    expect((certificate.Properties.DomainValidationOptions as Any)[0].HostedZoneId).toEqual({ Ref: 'HostedZoneId' });
    expect(template('load-balancer.yaml').Conditions?.IssueCertificate).toEqual({
      'Fn::And': [
        { Condition: 'HasDomain' },
        { Condition: 'HasZone' },
        { 'Fn::Not': [{ Condition: 'BringsCertificate' }] },
      ],
    });
    const https = resource('load-balancer.yaml', 'HttpsListener').Properties as Any;
    expect(https.Certificates[0].CertificateArn).toEqual({
      'Fn::If': ['IssueCertificate', { Ref: 'Certificate' }, { Ref: 'CertificateArn' }],
    });
  });

  test('port 80 redirects to 443 whenever there is a certificate', () => {
    const actions = resource('load-balancer.yaml', 'HttpListener').Properties.DefaultActions as Any;
    expect(actions['Fn::If'][0]).toBe('HasCertificate');
    expect(branch(actions, true)).toEqual([
      {
        Type: 'redirect',
        RedirectConfig: {
          Protocol: 'HTTPS',
          Port: '443',
          Host: '#{host}',
          Path: '/#{path}',
          Query: '#{query}',
          StatusCode: 'HTTP_301',
        },
      },
    ]);
  });

  test("the Url output is the domain, and the site's alias points at CloudFront or at the load balancer", () => {
    const url = template('load-balancer.yaml').Outputs?.Url?.Value as Any;
    expect(url['Fn::If'][0]).toBe('HasDomain');
    expect(branch(url, true)).toEqual({ 'Fn::Sub': 'https://${DomainName}' });
    const alias = resource('load-balancer.yaml', 'SiteRecord');
    expect(alias.Properties.Name).toEqual({ Ref: 'DomainName' });
    expect((branch(alias.Properties.AliasTarget, true) as Any).HostedZoneId).toBe('Z2FDTNDATAQYW2');
    expect((branch(alias.Properties.AliasTarget, false) as Any).DNSName).toEqual({
      'Fn::GetAtt': ['LoadBalancer', 'DNSName'],
    });
  });

  test("CloudFront's certificate is issued in us-east-1 only, for the domain itself; the load balancer's names origin.<domain>", () => {
    const rule = template('edge.yaml').Rules as Any;
    expect(rule.CloudFrontScopeLivesInUsEast1.Assertions[0].Assert).toEqual({
      'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'],
    });
    expect(resource('edge.yaml', 'CloudFrontCertificate').Properties.DomainName).toEqual({ Ref: 'DomainName' });
    expect(branch(resource('load-balancer.yaml', 'Certificate').Properties.DomainName, true)).toEqual({
      'Fn::Sub': 'origin.${DomainName}',
    });
  });
});

describe('CloudFront in front of the load balancer', () => {
  const config = resource('load-balancer.yaml', 'Distribution').Properties.DistributionConfig as Any;

  test('pages, fragments and the API are never cached and get every cookie, header and query string', () => {
    const fallback = config.DefaultCacheBehavior;
    expect(fallback.CachePolicyId).toBe(CACHING_DISABLED);
    expect(fallback.OriginRequestPolicyId).toBe(ALL_VIEWER);
    expect(fallback.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE']));
    expect(fallback.ViewerProtocolPolicy).toBe('redirect-to-https');
  });

  test('/static/* is cached for a year, keyed on nothing a viewer sends', () => {
    const [statics, ...others] = config.CacheBehaviors;
    expect(others).toEqual([]);
    expect(statics.PathPattern).toBe('/static/*');
    expect(statics.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(statics.CachePolicyId).toEqual({ Ref: 'StaticCachePolicy' });
    const policy = (resource('load-balancer.yaml', 'StaticCachePolicy').Properties as Any).CachePolicyConfig;
    expect([policy.MinTTL, policy.DefaultTTL, policy.MaxTTL]).toEqual([YEAR, YEAR, YEAR]);
    const key = policy.ParametersInCacheKeyAndForwardedToOrigin;
    expect([
      key.CookiesConfig.CookieBehavior,
      key.HeadersConfig.HeaderBehavior,
      key.QueryStringsConfig.QueryStringBehavior,
    ]).toEqual(['none', 'none', 'none']);
  });

  test("the origin is reached over HTTPS with the stack's secret header, and the web ACL guards the distribution", () => {
    const [origin] = config.Origins;
    expect(origin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    expect(origin.OriginCustomHeaders).toEqual([
      { HeaderName: 'X-Origin-Verify', HeaderValue: { 'Fn::Sub': '{{resolve:secretsmanager:${OriginSecret}}}' } },
    ]);
    expect(resource('load-balancer.yaml', 'OriginSecret').Type).toBe('AWS::SecretsManager::Secret');
    expect(config.WebACLId).toEqual({ 'Fn::If': ['HasWebAcl', { Ref: 'WebAclArn' }, { Ref: 'AWS::NoValue' }] });
    expect(config.ViewerCertificate.MinimumProtocolVersion).toBe('TLSv1.2_2021');
  });

  test("the load balancer admits CloudFront's origin-facing addresses only, on 443, when CloudFront is on", () => {
    const ingress = resource('security.yaml', 'LoadBalancerSecurityGroup').Properties.SecurityGroupIngress as Any;
    expect(ingress['Fn::If'][0]).toBe('BehindCloudFront');
    expect(branch(ingress, true)).toEqual([
      expect.objectContaining({ FromPort: 443, ToPort: 443, SourcePrefixListId: { Ref: 'CloudFrontPrefixListId' } }),
    ]);
    expect((branch(ingress, false) as Any[]).map((rule) => [rule.FromPort, rule.CidrIp])).toEqual([
      [443, '0.0.0.0/0'],
      [80, '0.0.0.0/0'],
    ]);
  });
});

describe('the web ACL', () => {
  const rules = resource('edge.yaml', 'WebAcl').Properties.Rules as Any[];
  const byName = new Map(rules.map((rule) => [rule.Name, rule]));

  test('holds the managed common and known-bad-inputs sets, counting only the body size rule', () => {
    const common = byName.get('aws-common-rule-set').Statement.ManagedRuleGroupStatement;
    expect(common.Name).toBe('AWSManagedRulesCommonRuleSet');
    expect(common.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
    expect(byName.get('aws-known-bad-inputs').Statement.ManagedRuleGroupStatement.Name).toBe(
      'AWSManagedRulesKnownBadInputsRuleSet',
    );
  });

  test('blocks an address over its request rate, and over its sign-in rate on POST /signin and /signup', () => {
    const perAddress = byName.get('requests-per-address');
    expect(perAddress.Action).toEqual({ Block: {} });
    expect(perAddress.Statement.RateBasedStatement.AggregateKeyType).toBe('IP');
    const signIns = byName.get('sign-ins-per-address').Statement.RateBasedStatement;
    const [method, path] = signIns.ScopeDownStatement.AndStatement.Statements;
    expect(method.ByteMatchStatement).toMatchObject({ SearchString: 'POST', PositionalConstraint: 'EXACTLY' });
    const regex = new RegExp(path.RegexMatchStatement.RegexString);
    expect(['/signin', '/signup', '/signin/'].every((p) => regex.test(p))).toBe(true);
    expect(['/', '/signout', '/api/tasks', '/signing'].some((p) => regex.test(p))).toBe(false);
  });

  test('goes on the load balancer when CloudFront is off', () => {
    const association = resource('load-balancer.yaml', 'WebAclAssociation');
    expect(association.Condition).toBe('WebAclOnLoadBalancer');
    expect(association.Properties.ResourceArn).toEqual({ Ref: 'LoadBalancer' });
  });

  test('its blocked and counted requests are on the dashboard', () => {
    const body = JSON.stringify(resource('monitoring.yaml', 'Dashboard').Properties.DashboardBody);
    for (const metric of ['BlockedRequests', 'CountedRequests']) expect(body).toContain(`MetricName=\\\\\\"${metric}`);
    expect(body).toContain('WebACL=\\\\\\"${WebAclName}');
  });
});

describe('the deploy roles', () => {
  const statements = (id: string): Any[] =>
    (resource('deploy-roles.yaml', id).Properties.Policies as Any[]).flatMap((p) => p.PolicyDocument.Statement);

  test("GitHub's OIDC token for one repository and environment assumes the deploy role, nothing else", () => {
    const trust = (resource('deploy-roles.yaml', 'DeployRole').Properties.AssumeRolePolicyDocument as Any).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0].Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(trust[0].Condition.StringEquals).toEqual({
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
      'token.actions.githubusercontent.com:sub': {
        'Fn::Sub': 'repo:${GitHubRepository}:environment:${GitHubEnvironment}',
      },
    });
  });

  test('the deploy role creates nothing itself: only change sets and stacks that name the service role', () => {
    const creating = statements('DeployRole').filter((s) =>
      [s.Action].flat().some((a: string) => /^cloudformation:(Create|Update)(ChangeSet|Stack)$/.test(a)),
    );
    expect(creating).toHaveLength(1);
    expect(creating[0].Condition.StringEquals['cloudformation:RoleArn']).toEqual({
      'Fn::GetAtt': ['CloudFormationServiceRole', 'Arn'],
    });
    const services = statements('DeployRole').flatMap((s) => [s.Action].flat().map((a: string) => a.split(':')[0]));
    expect(new Set(services)).toEqual(new Set(['cloudformation', 'iam', 's3', 'ssm', 'ec2', 'autoscaling', 'ecs']));
    // ECS only to run the database stack's one-time task (the app's database user) in the stacks'
    // own clusters, and to read its exit code.
    const ecs = statements('DeployRole').filter((s) => [s.Action].flat().some((a: string) => a.startsWith('ecs:')));
    expect(ecs.flatMap((s) => [s.Action].flat()).sort()).toEqual(['ecs:DescribeTasks', 'ecs:RunTask']);
    const run = ecs.find((s) => [s.Action].flat().includes('ecs:RunTask'));
    expect(run.Condition.ArnLike['ecs:cluster']).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:ecs:*:${AWS::AccountId}:cluster/${StackPrefix}-*',
    });
  });

  test('no statement of either role allows a whole service or everything', () => {
    for (const id of ['DeployRole', 'CloudFormationServiceRole']) {
      for (const action of statements(id).flatMap((s) => [s.Action].flat()))
        expect(action).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
    }
  });
});
