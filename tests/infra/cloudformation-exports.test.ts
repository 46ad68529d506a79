import { describe, expect, test } from 'bun:test';
import { loadTemplates, parseTemplate } from '../support/cloudformation';
import { checkExports, namePattern, patternsOverlap, Stacks, showPattern } from '../support/cloudformation-stacks';

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
