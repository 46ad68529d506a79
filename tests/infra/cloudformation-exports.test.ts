import { afterAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTemplates, parseTemplate } from '../support/cloudformation';
import { checkExports, namePattern, patternsOverlap, Stacks, showPattern } from '../support/cloudformation-stacks';
import { callsOf, changeSetParameters, FakeAws } from '../support/fake-aws';

/** Stacks linked by exports: names unique across templates, every import served by exactly one export. */

const loaded = (files: Record<string, string>) =>
  Object.entries(files).map(([file, yaml]) => ({ file, template: parseTemplate(yaml) }));

const NETWORK = `
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
Outputs:
  VpcId: { Value: !Ref Vpc, Export: { Name: !Sub '\${AWS::StackName}-VpcId' } }
  Cidr: { Value: !GetAtt Vpc.CidrBlock, Export: { Name: !Join ['-', [!Ref AWS::StackName, VpcCidr]] } }
`;
const importer = (name: string) => `
Parameters:
  NetworkStack: { Type: String }
  Fixed: { Type: String, Default: prod }
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: x, VpcId: !ImportValue ${name} }
`;

describe('export names', () => {
  test('are evaluated from literals and parameter defaults; the rest is a deploy-time hole', () => {
    const template = parseTemplate(importer("{ 'Fn::Sub': 'x' }"));
    expect(showPattern(namePattern({ 'Fn::Sub': '${NetworkStack}-${Fixed}-VpcId' }, template))).toBe('*-prod-VpcId');
    expect(showPattern(namePattern({ 'Fn::Sub': ['${A}-b', { A: 'a' }] }, template))).toBe('a-b');
    expect(showPattern(namePattern({ 'Fn::Sub': '${!Literal}' }, template))).toBe('${Literal}');
  });

  test('overlap when some deploy could make them equal', () => {
    const p = (s: string) => namePattern({ 'Fn::Sub': s }, { Resources: {} });
    expect(patternsOverlap(p('${AWS::StackName}-VpcId'), p('${Net}-VpcId'))).toBe(true);
    expect(patternsOverlap(p('${AWS::StackName}-VpcId'), p('${Net}-VpcCidr'))).toBe(false);
    expect(patternsOverlap(p('${AWS::StackName}-VpcId'), p('tm-network-VpcId'))).toBe(true);
    expect(patternsOverlap(p('a-VpcId'), p('b-VpcId'))).toBe(false);
  });

  test('an import resolves to the exporting resource', () => {
    const templates = loaded({
      'network.yaml': NETWORK,
      'app.yaml': importer("{ 'Fn::Sub': '${NetworkStack}-VpcId' }"),
    });
    expect(checkExports(templates)).toEqual([]);
    const sg = templates[1]?.template.Resources.Sg?.Properties?.VpcId;
    expect(new Stacks(templates).targets(sg, 'app.yaml').map((t) => `${t.file} ${t.id}`)).toEqual(['network.yaml Vpc']);
  });

  test('an import nobody exports fails', () => {
    const templates = loaded({
      'network.yaml': NETWORK,
      'app.yaml': importer("{ 'Fn::Sub': '${NetworkStack}-VpcID' }"),
    });
    expect(checkExports(templates)).toEqual([
      'app.yaml: Resources.Sg.Properties.VpcId: ImportValue *-VpcID: no template exports it',
    ]);
  });

  test('the same export name in two templates fails, and so does an import that could mean either', () => {
    const templates = loaded({
      'a.yaml': NETWORK,
      'b.yaml': NETWORK,
      'app.yaml': importer("{ 'Fn::Sub': '${NetworkStack}-VpcId' }"),
    });
    expect(checkExports(templates)).toEqual([
      'export *-VpcId (a.yaml VpcId) may clash with *-VpcId (b.yaml VpcId)',
      'export *-VpcCidr (a.yaml Cidr) may clash with *-VpcCidr (b.yaml Cidr)',
      'app.yaml: Resources.Sg.Properties.VpcId: ImportValue *-VpcId is ambiguous: a.yaml VpcId, b.yaml VpcId',
    ]);
  });
});

describe('exports of infra/*.yaml', () => {
  test('are unique, and every ImportValue names one of them', () => {
    expect(checkExports(loadTemplates())).toEqual([]);
  });
});

/**
 * The edge stack lives in us-east-1 with CloudFront, where no other stack can import an export of
 * it: deploy.sh reads its outputs (and the load balancer's) and passes them on as parameters.
 * Checked like the exports, on a deployment against a fake aws whose outputs say where they came
 * from ("out:STACK:KEY"): every parameter passed is declared by the stack's template, and every
 * output read is one the source template has.
 */
describe('outputs deploy.sh passes between stacks', () => {
  const aws = new FakeAws();
  afterAll(() => aws.dispose());
  const templates = new Map(loadTemplates().map(({ file, template }) => [file, template]));
  const layerOf = (stack: string) => stack.replace(/^demo-/, '');

  test('every one names a parameter of the stack it goes to and an output of the stack it comes from', () => {
    const release = join(aws.dir, 'task-manager-1.0.0-abc.tar.gz');
    writeFileSync(release, 'x');
    writeFileSync(`${release}.sha256`, `${new Bun.CryptoHasher('sha256').update('x').digest('hex')}  x\n`);
    const run = aws.run([
      '--prefix',
      'demo',
      '--release',
      release,
      '--domain',
      'tasks.example.com',
      '--hosted-zone',
      'Z1',
    ]);
    expect(run.exitCode).toBe(0);
    const links: string[] = [];
    for (const call of callsOf(run, 'cloudformation create-change-set')) {
      const target = layerOf(call[call.indexOf('--stack-name') + 1] ?? '');
      const template = templates.get(`${target}.yaml`);
      for (const [key, value] of Object.entries(changeSetParameters(call))) {
        expect(template?.Parameters?.[key], `${target}.yaml parameter ${key}`).toBeDefined();
        const source = typeof value === 'string' ? /^out:demo-([a-z-]+):([A-Za-z]+)$/.exec(value) : null;
        if (!source) continue;
        const [, from, output] = source;
        expect(
          templates.get(`${from}.yaml`)?.Outputs?.[output as string],
          `${from}.yaml output ${output}`,
        ).toBeDefined();
        links.push(`${from}.${output} -> ${target}.${key}`);
      }
    }
    expect(links.sort()).toEqual([
      'edge.CertificateArn -> load-balancer.CloudFrontCertificateArn',
      'edge.WebAclArn -> load-balancer.WebAclArn',
      'edge.WebAclName -> monitoring.WebAclName',
      'load-balancer.OriginSecretArn -> app.OriginSecretArn',
    ]);
    // Outputs it reads for itself (the bucket, the AMI to record, the URL) exist too.
    const read = callsOf(run, 'cloudformation describe-stacks').flatMap((call) => {
      const output = /OutputKey=='([A-Za-z]+)'/.exec(call[call.indexOf('--query') + 1] ?? '')?.[1];
      return output ? [`${layerOf(call[call.indexOf('--stack-name') + 1] ?? '')}.${output}`] : [];
    });
    for (const name of new Set(read)) {
      const [from, output] = name.split('.') as [string, string];
      expect(templates.get(`${from}.yaml`)?.Outputs?.[output], `${from}.yaml output ${output}`).toBeDefined();
    }
    expect(new Set(read)).toContain('app.ImageId');
  }, 300_000);

  test('the edge stack exports nothing, since no stack in another region could import it', () => {
    const edge = templates.get('edge.yaml');
    expect(Object.values(edge?.Outputs ?? {}).filter((output) => output.Export !== undefined)).toEqual([]);
  });
});
