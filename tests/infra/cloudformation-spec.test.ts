import { describe, expect, test } from 'bun:test';
import { loadTemplates, parseTemplate } from '../support/cloudformation';
import { checkAgainstSpec } from '../support/cloudformation-spec';

/** Resource types, properties and attributes against @aws-cdk/aws-service-spec. */

const check = (yaml: string) => checkAgainstSpec([{ file: 'fixture.yaml', template: parseTemplate(yaml) }]);

const GOOD = `
AWSTemplateFormatVersion: '2010-09-09'
Conditions:
  Always: !Equals [a, a]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
      Tags: [{ Key: Name, Value: !Sub '\${AWS::StackName}-vpc' }]
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupId: !GetAtt Other.GroupId }
        - !If [Always, { IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8 }, !Ref AWS::NoValue]
  Other:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: other, VpcId: !Ref Vpc }
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        MetadataOptions: { HttpTokens: required, HttpPutResponseHopLimit: 1 }
        BlockDeviceMappings:
          - DeviceName: /dev/xvda
            Ebs: { VolumeType: gp3, Encrypted: true }
  Db:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Snapshot
    Properties: { Engine: mysql, DBInstanceClass: db.t4g.micro, AllocatedStorage: '20' }
  Hook:
    Type: Custom::Anything
    Properties: { ServiceToken: arn, Whatever: 1 }
Outputs:
  DbAddress:
    Value: !GetAtt Db.Endpoint.Address
  Sub:
    Value: !Sub '\${Vpc.CidrBlock} \${Hook.Anything}'
`;
describe('spec check on fixtures', () => {
  test('a correct template passes', () => {
    expect(check(GOOD)).toEqual([]);
  });

  const broken = (yaml: string) => check(`Resources:\n${yaml}`);
  test.each([
    ['an unknown type', '  X:\n    Type: AWS::EC2::Vpc\n', 'fixture.yaml: X: unknown resource type AWS::EC2::Vpc'],
    [
      'an unknown property',
      '  X:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: 10.0.0.0/16, EnableDnsHostname: true }\n',
      'fixture.yaml: X (AWS::EC2::VPC): unknown property Properties.EnableDnsHostname',
    ],
    [
      'a missing required property',
      '  X:\n    Type: AWS::EC2::SecurityGroup\n    Properties: { VpcId: vpc-1 }\n',
      'fixture.yaml: X (AWS::EC2::SecurityGroup): missing required property Properties.GroupDescription',
    ],
    [
      'an unknown property two levels down',
      '  X:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n        MetadataOptions: { HttpToken: required }\n',
      'fixture.yaml: X (AWS::EC2::LaunchTemplate): unknown property Properties.LaunchTemplateData.MetadataOptions.HttpToken',
    ],
    [
      'an unknown property inside a list item',
      '  X:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress: [{ IpProtocol: tcp, FromPort: 1, ToPort: 1, SourceGroupId: sg-1 }]\n',
      'fixture.yaml: X (AWS::EC2::SecurityGroup): unknown property Properties.SecurityGroupIngress[0].SourceGroupId',
    ],
    [
      'a bad branch of Fn::If',
      '  X:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress: [!If [C, { IpProtocol: tcp, Port: 1 }, !Ref AWS::NoValue]]\n',
      'fixture.yaml: X (AWS::EC2::SecurityGroup): unknown property Properties.SecurityGroupIngress[0].Port',
    ],
    [
      'a list where a mapping belongs',
      '  X:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData: [a]\n',
      'fixture.yaml: X (AWS::EC2::LaunchTemplate): Properties.LaunchTemplateData should be a mapping',
    ],
    [
      'a mapping where a string belongs',
      '  X:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: { a: 1 } }\n',
      'fixture.yaml: X (AWS::EC2::VPC): Properties.CidrBlock should be a string',
    ],
    [
      'a tag without a Value',
      '  X:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: 10.0.0.0/16, Tags: [{ Key: a }] }\n',
      'fixture.yaml: X (AWS::EC2::VPC): missing required property Properties.Tags[0].Value',
    ],
    [
      'a misspelt resource attribute',
      '  X:\n    Type: AWS::SNS::Topic\n    DeletionPolicy: Retain\n    Propertes: {}\n',
      'fixture.yaml: X: unknown resource attribute Propertes',
    ],
    [
      'an attribute the type does not have',
      '  X:\n    Type: AWS::SNS::Topic\n  Y:\n    Type: AWS::SNS::Subscription\n    Properties: { Protocol: email, TopicArn: !GetAtt X.Arn }\n',
      'fixture.yaml: Resources.Y.Properties.TopicArn: GetAtt X.Arn: AWS::SNS::Topic has no attribute Arn',
    ],
    [
      'an attribute the type does not have, in Sub',
      "  X:\n    Type: AWS::SNS::Topic\n    Properties: { DisplayName: !Sub '${Y.DnsName}' }\n  Y:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n",
      'fixture.yaml: Resources.X.Properties.DisplayName: GetAtt Y.DnsName: AWS::ElasticLoadBalancingV2::LoadBalancer has no attribute DnsName',
    ],
  ])('fails on %s', (_, yaml, message) => {
    expect(broken(yaml)).toContain(message);
  });

  test('an unknown parameter type and an output without a value fail', () => {
    expect(
      check(
        'Parameters:\n  A: { Type: Strng }\n  B: { Type: List<AWS::EC2::Subnet::Id> }\n  C: { Type: AWS::EC2::KeyPair::KeyName }\nResources: {}\nOutputs:\n  O: { Export: { Name: x } }\n',
      ),
    ).toEqual(['fixture.yaml: parameter A: unknown Type Strng', 'fixture.yaml: output O has no Value']);
  });

  test('an unknown top-level section fails', () => {
    expect(check('Resources: {}\nOutput: {}\n')).toEqual(['fixture.yaml: unknown top-level section Output']);
  });
});

describe('spec check on infra/*.yaml', () => {
  test('every resource type, property and attribute exists', () => {
    expect(checkAgainstSpec(loadTemplates())).toEqual([]);
  });
});
