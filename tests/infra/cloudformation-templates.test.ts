import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseTemplate, subReferences, templateFiles, visitIntrinsics } from '../support/cloudformation';

/** Every short form must come out as the long form CloudFormation evaluates, or the later checks see the wrong thing. */
describe('CloudFormation short forms parse to the long form', () => {
  const properties = (yaml: string) =>
    parseTemplate(`Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n${yaml}`).Resources.R?.Properties;

  test.each([
    ['!Ref Vpc', { Ref: 'Vpc' }],
    ['!Ref AWS::Region', { Ref: 'AWS::Region' }],
    ["!Sub '${AWS::StackName}-vpc'", { 'Fn::Sub': '${AWS::StackName}-vpc' }],
    ["!Sub ['${A}-x', { A: !Ref B }]", { 'Fn::Sub': ['${A}-x', { A: { Ref: 'B' } }] }],
    ['!GetAtt Db.Endpoint.Address', { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] }],
    ['!GetAtt [Db, Endpoint.Port]', { 'Fn::GetAtt': ['Db', 'Endpoint.Port'] }],
    ["!Join [',', [a, !Ref B]]", { 'Fn::Join': [',', ['a', { Ref: 'B' }]] }],
    ["!Select [1, !GetAZs '']", { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] }],
    ['!GetAZs { Ref: AWS::Region }', { 'Fn::GetAZs': { Ref: 'AWS::Region' } }],
    ["!Split [',', !ImportValue net-Subnets]", { 'Fn::Split': [',', { 'Fn::ImportValue': 'net-Subnets' }] }],
    ["!ImportValue { 'Fn::Sub': '${Net}-VpcId' }", { 'Fn::ImportValue': { 'Fn::Sub': '${Net}-VpcId' } }],
    ['!If [HasCert, 443, !Ref AWS::NoValue]', { 'Fn::If': ['HasCert', 443, { Ref: 'AWS::NoValue' }] }],
    ['!FindInMap [Sizes, !Ref Env, Instance]', { 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Instance'] }],
    ['!Base64 hello', { 'Fn::Base64': 'hello' }],
    ["!Base64 { 'Fn::Sub': 'x' }", { 'Fn::Base64': { 'Fn::Sub': 'x' } }],
    ['!Cidr [!GetAtt Vpc.CidrBlock, 4, 8]', { 'Fn::Cidr': [{ 'Fn::GetAtt': ['Vpc', 'CidrBlock'] }, 4, 8] }],
    [
      '!Transform { Name: AWS::Include, Parameters: { Location: s3://b/k } }',
      { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://b/k' } } },
    ],
  ])('%s', (yaml, expected) => {
    expect(properties(`      P: ${yaml}`)?.P).toEqual(expected);
  });

  test('condition functions, nested', () => {
    const template = parseTemplate(`
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Either: !Or [!Condition IsProd, !And [!Condition NotProd, !Equals [a, a]]]
Resources: {}
`);
    expect(template.Conditions).toEqual({
      IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
      NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      Either: {
        'Fn::Or': [{ Condition: 'IsProd' }, { 'Fn::And': [{ Condition: 'NotProd' }, { 'Fn::Equals': ['a', 'a'] }] }],
      },
    });
  });

  test('block style sequences under a tag', () => {
    const p = properties(`      P: !Join\n        - ''\n        - - a\n          - !Ref B\n`);
    expect(p?.P).toEqual({ 'Fn::Join': ['', ['a', { Ref: 'B' }]] });
  });

  test.each([
    ['an unknown tag', 'P: !Reff Vpc', /Reff/],
    ['a short form on the wrong node kind', 'P: !Join abc', /Join/],
    ['a sequence where a scalar belongs', 'P: !Ref [a, b]', /Ref/],
    ['a duplicate key', 'P: 1\n      P: 2', /unique/i],
  ])('fails on %s', (_, yaml, message) => {
    expect(() => properties(`      ${yaml}`)).toThrow(message);
  });

  test('a document that is not a mapping fails', () => {
    expect(() => parseTemplate('- a\n- b\n')).toThrow(/not a mapping/);
  });
});

describe('intrinsic helpers', () => {
  test('visitIntrinsics finds nested calls with their paths', () => {
    const seen: string[] = [];
    visitIntrinsics({ A: { 'Fn::Join': ['', [{ Ref: 'X' }, { 'Fn::GetAtt': ['Y', 'Arn'] }]] } }, (name, _, path) =>
      seen.push(`${name}@${path}`),
    );
    expect(seen).toEqual(['Fn::Join@A', 'Ref@A.Fn::Join[1][0]', 'Fn::GetAtt@A.Fn::Join[1][1]']);
  });

  test('subReferences skips ${!Literal} escapes', () => {
    expect(subReferences('${AWS::StackName}-${Db.Endpoint.Address}-${!NotMe}')).toEqual([
      'AWS::StackName',
      'Db.Endpoint.Address',
    ]);
  });
});

describe('infra/*.yaml', () => {
  test('there are templates', () => {
    expect(templateFiles().length).toBeGreaterThan(0);
  });
  test.each(templateFiles())('%s parses, with Resources', (path) => {
    const template = parseTemplate(readFileSync(path, 'utf8'), basename(path));
    expect(Object.keys(template.Resources ?? {}).length).toBeGreaterThan(0);
  });
});
