import { beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareIds,
  GUARD_SERVICES,
  type GuardResult,
  guardArguments,
  guardRules,
  guardVersion,
  judgeGuardResults,
  parseGuardExceptions,
  runGuard,
} from '../support/cfn-guard';
import { INFRA_DIR, loadTemplates, parseTemplate } from '../support/cloudformation';

/** Control Tower proactive controls through cfn-guard, as AWS publishes both. */

describe('cfn-guard and its rules', () => {
  test('the binary shipped in the npm package is 3.1.x', () => {
    expect(guardVersion()).toMatch(/^cfn-guard 3\.1\.\d+$/);
  });

  test('every service has rules, each with a Control Tower id of its own', () => {
    const rules = guardRules();
    for (const service of GUARD_SERVICES) expect(guardRules([service]).length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule.id).toMatch(/^CT\.[A-Z0-9-]+\.PR\.\d+$/);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });
});

describe('guard results on fixtures', () => {
  let results: GuardResult[];
  const imdsv2 = guardRules(['ec2']).filter((r) => r.id === 'CT.EC2.PR.1');

  beforeAll(async () => {
    const launchTemplate = (metadata: string) =>
      `Resources:\n  Lt:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n        ImageId: !Ref Ami\n${metadata}`;
    const fixture = (file: string, yaml: string) => ({ file, template: parseTemplate(yaml) });
    results = await runGuard(imdsv2, [
      fixture('bad.yaml', launchTemplate('')),
      fixture(
        'good.yaml',
        launchTemplate('        MetadataOptions: { HttpTokens: required, HttpEndpoint: enabled }\n'),
      ),
      fixture('none.yaml', 'Resources:\n  T:\n    Type: AWS::SNS::Topic\n'),
    ]);
  });

  test('each template gets its own status: FAIL, PASS, or SKIP where the rule does not apply', () => {
    expect(results.map((r) => [r.template, r.status])).toEqual([
      ['bad.yaml', 'FAIL'],
      ['good.yaml', 'PASS'],
      ['none.yaml', 'SKIP'],
    ]);
  });

  test('a failure names control, template, resource and what to fix', () => {
    const { failures } = judgeGuardResults(results, '');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toStartWith('CT.EC2.PR.1 bad.yaml Lt: [CT.EC2.PR.1]: Require an Amazon EC2 launch template');
    expect(failures.join('\n')).toContain('MetadataOptions');
  });

  test('an exception with a reason covers the failure', () => {
    const verdict = judgeGuardResults(results, '# accepted risks\nCT.EC2.PR.1  the AMI sets IMDSv2 itself\n');
    expect(verdict.failures).toEqual([]);
    expect(verdict.exceptionProblems).toEqual([]);
    expect(verdict.excepted).toEqual([{ id: 'CT.EC2.PR.1', reason: 'the AMI sets IMDSv2 itself' }]);
  });

  test('an exception for a rule that passes is stale', () => {
    const passing = results.filter((r) => r.template !== 'bad.yaml');
    const verdict = judgeGuardResults(passing, 'CT.EC2.PR.1  no longer needed\n');
    expect(verdict.exceptionProblems).toEqual([
      'guard-exceptions: CT.EC2.PR.1 no longer fails: remove the stale exception',
    ]);
    expect(verdict.passed).toEqual(['CT.EC2.PR.1']);
  });

  test('a rule that applies to no template is not applicable, not passed', () => {
    const verdict = judgeGuardResults(
      results.filter((r) => r.template === 'none.yaml'),
      '',
    );
    expect([verdict.passed, verdict.notApplicable, verdict.failures]).toEqual([[], ['CT.EC2.PR.1'], []]);
  });

  test('exceptions without a reason, malformed, duplicated or for an unknown rule are problems', () => {
    expect(parseGuardExceptions('CT.EC2.PR.1\nEC2.1 reason\nCT.RDS.PR.2 a\nCT.RDS.PR.2 b\n').problems).toEqual([
      'guard-exceptions line 1: CT.EC2.PR.1 has no reason',
      'guard-exceptions line 2: not "CT.XXX.PR.N  reason": EC2.1 reason',
      'guard-exceptions: CT.RDS.PR.2 is listed twice',
    ]);
    expect(judgeGuardResults(results, 'CT.NOPE.PR.9  why').exceptionProblems).toEqual([
      'guard-exceptions: CT.NOPE.PR.9 is not a rule that was evaluated',
    ]);
  });
});

describe('guard on infra/*.yaml', () => {
  test('every Control Tower rule passes, does not apply, or is an exception with a reason', async () => {
    const templates = loadTemplates();
    expect(templates.length).toBeGreaterThan(0);
    const rules = guardRules();
    const results = await runGuard(rules, templates);
    const exceptionsFile = join(INFRA_DIR, 'guard-exceptions');
    const verdict = judgeGuardResults(results, existsSync(exceptionsFile) ? readFileSync(exceptionsFile, 'utf8') : '');

    const rule = 'node_modules/@cdklabs/cdk-validator-cfnguard/rules/control-tower/cfn-guard/<service>/ct-…-pr-N.guard';
    const data = templates.map((t) => `<tmp>/${t.file}.json`);
    console.log(
      [
        `${guardVersion()}: ${rules.length} Control Tower rules (${GUARD_SERVICES.join(', ')}) over ${templates.length} templates`,
        `  once per service, every rule file of it, each template as long-form JSON: cfn-guard ${guardArguments([rule, '…'], data).join(' ')}`,
        `  passed (${verdict.passed.length}): ${verdict.passed.join(' ')}`,
        `  not applicable, no such resources (${verdict.notApplicable.length}): ${verdict.notApplicable.join(' ')}`,
        `  excepted (${verdict.excepted.length}):`,
        ...verdict.excepted.sort((a, b) => compareIds(a.id, b.id)).map((e) => `    ${e.id}  ${e.reason}`),
        `  failed (${new Set(verdict.failures.map((f) => f.split(' ')[0])).size})`,
        ...verdict.failures.map((f) => `    ${f}`),
      ].join('\n'),
    );
    expect(verdict.failures).toEqual([]);
    expect(verdict.exceptionProblems).toEqual([]);
  }, 120_000); // about 3 s on two idle cores (nine services); 40 s at a load of 12
});
