import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedTemplate } from './cloudformation';

/**
 * AWS Control Tower's proactive controls, run offline: cfn-guard and the rules both ship inside the
 * npm package @cdklabs/cdk-validator-cfnguard, so CI needs nothing but `bun install`.
 */

const PACKAGE = join(import.meta.dir, '../../node_modules/@cdklabs/cdk-validator-cfnguard');
const RULES = join(PACKAGE, 'rules/control-tower');

/** The package's folder names for the services the stack uses. */
export const GUARD_SERVICES = [
  'ec2',
  'elasticloadbalancing',
  'rds',
  'identityandaccessmanagement',
  'ec2autoscaling',
  'cloudwatch',
  'cloudfront',
  'waf',
  'certificatemanager',
];

export function guardBinary(): string {
  const os = process.platform === 'darwin' ? 'macos' : 'ubuntu';
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  return join(PACKAGE, 'bin', os, arch, 'cfn-guard');
}

export function guardVersion(): string {
  const run = Bun.spawnSync([guardBinary(), '--version'], { stdout: 'pipe', stderr: 'pipe' });
  return run.stdout.toString().trim();
}

export interface GuardRule {
  /** Control Tower id from the rule's metadata, e.g. CT.RDS.PR.30. */
  id: string;
  /** The name cfn-guard reports it by (each file defines one, in a template and a hook variant). */
  name: string;
  service: string;
  path: string;
  title: string;
}

/** Every rule of the services, each with its id from the metadata file beside it (same base name). */
export function guardRules(services = GUARD_SERVICES): GuardRule[] {
  return services.flatMap((service) => {
    const dir = join(RULES, 'cfn-guard', service);
    if (!existsSync(dir)) throw new Error(`no cfn-guard rules for ${service} in ${dir}`);
    return readdirSync(dir)
      .filter((name) => name.endsWith('.guard'))
      .map((name) => {
        const metadata = join(RULES, 'metadata', service, name.replace(/\.guard$/, '.metadata.json'));
        const { Id, DisplayName } = JSON.parse(readFileSync(metadata, 'utf8')) as { Id: string; DisplayName: string };
        const path = join(dir, name);
        const ruleName = /^rule (\w+) when/m.exec(readFileSync(path, 'utf8'))?.[1];
        if (!ruleName) throw new Error(`${path}: no top-level rule`);
        return { id: Id, name: ruleName, service, path, title: DisplayName };
      });
  });
}

export interface GuardFinding {
  resource: string;
  /** The control's own words: "[CT.EC2.PR.1]: Require ... [FIX]: ...". */
  message: string;
  /** What cfn-guard found wrong, one line per failed clause. */
  details: string[];
}
export interface GuardResult {
  rule: GuardRule;
  /** Template file name. */
  template: string;
  status: 'PASS' | 'FAIL' | 'SKIP';
  findings: GuardFinding[];
}

/**
 * One cfn-guard run per service over all templates (a run per rule costs 84 process starts and
 * blows the time budget); results are mapped back to rule files by the rule name they report.
 *
 * cfn-guard is given each template in the long form our loader produces, as JSON: that is the
 * form the rules are written against (CDK's synthesized templates, the resolved properties a
 * hook sees). Its own YAML reader keeps `!GetAtt Role.Arn` as the string "Role.Arn", which rules
 * that look for `Fn::GetAtt: [Role, Arn]` then reject although CloudFormation treats both alike.
 */
export async function runGuard(rules: GuardRule[], templates: LoadedTemplate[]): Promise<GuardResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-guard-'));
  try {
    const files = templates.map(({ file, template }) => {
      const path = join(dir, `${file}.json`);
      writeFileSync(path, JSON.stringify(template, null, 1));
      return { file, path };
    });
    const services = [...new Set(rules.map((r) => r.service))];
    const runs = services.map(async (service) => {
      const own = rules.filter((r) => r.service === service);
      const command = [
        guardBinary(),
        ...guardArguments(
          own.map((r) => r.path),
          files.map((f) => f.path),
        ),
      ];
      const child = Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe' });
      const [stdout, stderr, exitCode] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      // 0: nothing failed; 19: some rule failed. Anything else is cfn-guard itself failing.
      if (exitCode !== 0 && exitCode !== 19)
        throw new Error(`${command.join(' ')}: exit ${exitCode}\n${stderr}${stdout}`);
      return parseGuardOutput(own, stdout, files);
    });
    return (await Promise.all(runs)).flat();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function guardArguments(rulePaths: string[], templates: string[]): string[] {
  return [
    'validate',
    ...rulePaths.flatMap((r) => ['--rules', r]),
    ...templates.flatMap((t) => ['--data', t]),
    '--structured',
    '--output-format',
    'json',
    '--show-summary',
    'none',
  ];
}

interface GuardFileReport {
  name: string;
  not_compliant: { Rule?: { name?: string } }[];
  compliant: string[];
}

/**
 * Per rule and template: FAIL when the rule is among the not compliant, PASS among the compliant,
 * else SKIP. (The not-applicable list is no help: the hook variant of a failing rule is in it too.)
 */
function parseGuardOutput(rules: GuardRule[], stdout: string, files: { file: string; path: string }[]): GuardResult[] {
  const reports = JSON.parse(stdout) as GuardFileReport[];
  return files.flatMap(({ file, path }) => {
    const report = reports.find((r) => r.name === path);
    if (!report) throw new Error(`cfn-guard reported nothing for ${file}`);
    return rules.map((rule): GuardResult => {
      const failed = report.not_compliant.filter((n) => n.Rule?.name === rule.name);
      if (failed.length > 0) return { rule, template: file, status: 'FAIL', findings: findings(failed) };
      return { rule, template: file, status: report.compliant.includes(rule.name) ? 'PASS' : 'SKIP', findings: [] };
    });
  });
}

/**
 * The report nests rules, clauses and blocks; each failed clause carries an error message and the
 * path it looked at (/Resources/<logical id>/...), and the nearest rule above carries the
 * control's own message. Findings are grouped by resource; findings without one (cfn-guard's
 * bookkeeping over the rule's own lists) are kept only when no resource is named.
 */
function findings(tree: unknown): GuardFinding[] {
  const byResource = new Map<string, GuardFinding>();
  const walk = (node: unknown, control: string) => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child, control);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    const messages = record.messages as { custom_message?: string | null; error_message?: string | null } | undefined;
    const custom = messages?.custom_message?.trim();
    const here = custom ? custom.replace(/\s+/g, ' ') : control;
    const error = messages?.error_message?.trim();
    if (error) {
      const resource = firstResourcePath(record) ?? '(template)';
      const finding = byResource.get(resource) ?? { resource, message: here, details: [] };
      const detail = conciseError(error, resource);
      if (!finding.details.includes(detail)) finding.details.push(detail);
      byResource.set(resource, finding);
    }
    for (const [key, child] of Object.entries(record)) if (key !== 'messages') walk(child, here);
  };
  walk(tree, '');
  const named = [...byResource.values()].filter((f) => f.resource !== '(template)');
  return named.length > 0 ? named : [...byResource.values()];
}

/** "Check was not compliant as property [Port] is missing. Value traversed to [...whole resource...]." → "property [Port] is missing". */
function conciseError(error: string, resource: string): string {
  const text = error
    .replace(/^Check was not compliant as /, '')
    .replace(/\.? Value traversed to .*$/s, '')
    .replace(/\[L:\d+,C:\d+\]/g, '')
    .replaceAll(`/Resources/${resource}/Properties/`, '')
    .replace(/\.$/, '');
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

function firstResourcePath(node: unknown): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'path' && typeof value === 'string') {
      const match = /^\/Resources\/([^/]+)/.exec(value);
      if (match) return match[1];
    }
    const nested = firstResourcePath(value);
    if (nested) return nested;
  }
  return undefined;
}

export interface GuardException {
  id: string;
  reason: string;
}

/** `CT.XXX.PR.N  reason` per line; `#` starts a comment line. Malformed lines are problems, not silently skipped. */
export function parseGuardExceptions(text: string): { exceptions: GuardException[]; problems: string[] } {
  const exceptions: GuardException[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(CT\.[A-Z0-9-]+\.PR\.\d+)(?:\s+(.*))?$/.exec(line);
    if (!match) problems.push(`guard-exceptions line ${i + 1}: not "CT.XXX.PR.N  reason": ${line}`);
    else if (!match[2]?.trim()) problems.push(`guard-exceptions line ${i + 1}: ${match[1]} has no reason`);
    else if (exceptions.some((e) => e.id === match[1])) problems.push(`guard-exceptions: ${match[1]} is listed twice`);
    else exceptions.push({ id: match[1] as string, reason: match[2].trim() });
  });
  return { exceptions, problems };
}

export interface GuardVerdict {
  /** Failures not covered by an exception: each names control, template, resource and message. */
  failures: string[];
  /** Exceptions that are malformed, unknown or no longer needed. */
  exceptionProblems: string[];
  passed: string[];
  notApplicable: string[];
  excepted: GuardException[];
}

/** Per control: FAIL in any template fails it, else PASS in any passes it, else it applied nowhere (SKIP). */
export function judgeGuardResults(results: GuardResult[], exceptionsText: string): GuardVerdict {
  const { exceptions, problems } = parseGuardExceptions(exceptionsText);
  const ids = [...new Set(results.map((r) => r.rule.id))].sort(compareIds);
  const failing = new Set(results.filter((r) => r.status === 'FAIL').map((r) => r.rule.id));
  const passing = new Set(results.filter((r) => r.status === 'PASS').map((r) => r.rule.id));
  const excepted = exceptions.filter((e) => failing.has(e.id));
  for (const e of exceptions) {
    if (!ids.includes(e.id)) problems.push(`guard-exceptions: ${e.id} is not a rule that was evaluated`);
    else if (!failing.has(e.id)) problems.push(`guard-exceptions: ${e.id} no longer fails: remove the stale exception`);
  }
  const failures = [...results]
    .sort((a, b) => compareIds(a.rule.id, b.rule.id))
    .filter((r) => r.status === 'FAIL' && !exceptions.some((e) => e.id === r.rule.id))
    .flatMap((r) =>
      (r.findings.length > 0 ? r.findings : [{ resource: '(template)', message: r.rule.title, details: [] }]).map(
        (f) =>
          `${r.rule.id} ${r.template} ${f.resource}: ${f.message}${f.details.map((d) => `\n      - ${d}`).join('')}`,
      ),
    );
  return {
    failures,
    exceptionProblems: problems,
    passed: ids.filter((id) => passing.has(id) && !failing.has(id)),
    notApplicable: ids.filter((id) => !passing.has(id) && !failing.has(id)),
    excepted,
  };
}

/** CT.EC2.PR.2 before CT.EC2.PR.10. */
export function compareIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
