import { describe, expect, test } from 'bun:test';
import { loadTemplates, parseTemplate } from '../support/cloudformation';
import { checkReferences } from '../support/cloudformation-references';

const check = (yaml: string) => checkReferences({ file: 'fixture.yaml', template: parseTemplate(yaml) });

describe('references on fixtures', () => {
  test('a template whose every reference resolves passes', () => {
    expect(
      check(`
Parameters:
  Env: { Type: String }
  Name: { Type: String }
  Size: { Type: String }
Mappings:
  Sizes: { prod: { Instance: t3.small } }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Condition: IsProd
    Properties:
      TopicName: !Sub '\${Name}-\${AWS::Region}-\${!Literal}'
      DisplayName: !Sub ['\${Local}', { Local: !FindInMap [Sizes, !Ref Size, Instance] }]
  Queue:
    Type: AWS::SQS::Queue
    DependsOn: [Topic]
    Properties:
      QueueName: !If [NotProd, !GetAtt Topic.TopicName, !Ref AWS::NoValue]
Outputs:
  Arn: { Value: !Sub '\${Queue.Arn}' }
`),
    ).toEqual([]);
  });

  test.each([
    [
      'Ref to nothing',
      'P: !Ref Nope',
      'fixture.yaml: Resources.R.Properties.P: Ref Nope: no such parameter or resource',
    ],
    [
      'GetAtt to nothing',
      'P: !GetAtt Nope.Arn',
      'fixture.yaml: Resources.R.Properties.P: GetAtt Nope: no such resource',
    ],
    [
      'GetAtt without attribute',
      'P: !GetAtt [R]',
      'fixture.yaml: Resources.R.Properties.P: GetAtt R names no attribute',
    ],
    [
      'Sub to nothing',
      "P: !Sub '${Nope}'",
      'fixture.yaml: Resources.R.Properties.P: Sub ${} Nope: no such parameter or resource',
    ],
    [
      'Sub attribute of nothing',
      "P: !Sub '${Nope.Arn}'",
      'fixture.yaml: Resources.R.Properties.P: Sub ${Nope.Arn}: no such resource',
    ],
    [
      'If on an undefined condition',
      'P: !If [Nope, a, b]',
      'fixture.yaml: Resources.R.Properties.P: condition Nope is not defined',
    ],
    [
      'FindInMap of nothing',
      'P: !FindInMap [Nope, a, b]',
      'fixture.yaml: Resources.R.Properties.P: FindInMap Nope: no such mapping',
    ],
  ])('fails on %s', (_, property, message) => {
    expect(check(`Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n      ${property}\n`)).toContain(
      message,
    );
  });

  test('fails on unused parameters and conditions, undefined resource conditions and DependsOn', () => {
    expect(
      check(`
Parameters:
  Unused: { Type: String }
Conditions:
  Lonely: !Equals [a, b]
  OnAResource: !Equals [!Ref R, b]
Resources:
  R:
    Type: AWS::SNS::Topic
    Condition: Missing
    DependsOn: Ghost
Outputs:
  O: { Value: x, Condition: AlsoMissing }
`).sort(),
    ).toEqual(
      [
        'fixture.yaml: parameter Unused is never used',
        'fixture.yaml: condition Lonely is never used',
        'fixture.yaml: condition OnAResource is never used',
        'fixture.yaml: Conditions.OnAResource.Fn::Equals[0]: Ref R: no such parameter',
        'fixture.yaml: Resources.R.Condition: condition Missing is not defined',
        'fixture.yaml: Resources.R.DependsOn: Ghost: no such resource',
        'fixture.yaml: Outputs.O.Condition: condition AlsoMissing is not defined',
      ].sort(),
    );
  });
});

describe('references in infra/*.yaml', () => {
  test.each(loadTemplates().map((t) => [t.file, t] as const))(
    '%s: every reference resolves, every parameter is used',
    (_, loaded) => {
      expect(checkReferences(loaded)).toEqual([]);
    },
  );
});
