import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Glob } from 'bun';
import { type CollectionTag, parseDocument, type ScalarTag, YAMLMap, YAMLSeq } from 'yaml';

/**
 * CloudFormation templates as plain data: YAML parsed by the `yaml` package, every short-form tag
 * turned into the long form (`!Ref X` → `{ Ref: X }`, `!Sub s` → `{ 'Fn::Sub': s }`), so the checks
 * look at one shape, the one CloudFormation itself evaluates.
 */

export const INFRA_DIR = join(import.meta.dir, '../../infra');

export interface Parameter {
  Type: string;
  Default?: unknown;
  [key: string]: unknown;
}
export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  [key: string]: unknown;
}
export interface Output {
  Value: unknown;
  Export?: { Name: unknown };
  Condition?: string;
  [key: string]: unknown;
}
export interface Template {
  AWSTemplateFormatVersion?: string;
  Parameters?: Record<string, Parameter>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, Output>;
  [key: string]: unknown;
}
export interface LoadedTemplate {
  /** File name, e.g. `network.yaml`: what every failure message names. */
  file: string;
  template: Template;
}

type Kind = 'scalar' | 'seq' | 'map';
/** Which YAML node kinds each short form takes, as CloudFormation documents them. */
const SHORT_FORMS: Record<string, Kind[]> = {
  Ref: ['scalar'],
  Condition: ['scalar'],
  Sub: ['scalar', 'seq'],
  GetAtt: ['scalar', 'seq'],
  Base64: ['scalar', 'map'],
  GetAZs: ['scalar', 'map'],
  ImportValue: ['scalar', 'map'],
  Join: ['seq'],
  Select: ['seq'],
  Split: ['seq'],
  If: ['seq'],
  Equals: ['seq'],
  And: ['seq'],
  Or: ['seq'],
  Not: ['seq'],
  FindInMap: ['seq'],
  Cidr: ['seq'],
  Transform: ['map'],
};

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  // `!GetAtt Db.Endpoint.Address` splits at the first dot only: the attribute name may hold dots.
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

/** Tag definitions for `yaml`: one per short form and node kind it accepts; any other kind is a parse error. */
export const cloudFormationTags: (ScalarTag | CollectionTag)[] = Object.entries(SHORT_FORMS).flatMap(([name, kinds]) =>
  kinds.map((kind): ScalarTag | CollectionTag => {
    const tag = `!${name}`;
    if (kind === 'scalar') return { tag, resolve: (value: string) => longForm(name, value) } as ScalarTag;
    return {
      tag,
      collection: kind,
      nodeClass: kind === 'seq' ? YAMLSeq : YAMLMap,
      resolve: (node: YAMLSeq | YAMLMap) => longForm(name, node.toJSON()),
    } as CollectionTag;
  }),
);

/** Parses one template; throws with every YAML error and warning (an unknown or misplaced tag is one). */
export function parseTemplate(text: string, file = 'template.yaml'): Template {
  const doc = parseDocument(text, { customTags: cloudFormationTags, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => p.message).join('\n')}`);
  const template = doc.toJS({ maxAliasCount: 100 }) as Template | null;
  if (!template || typeof template !== 'object' || Array.isArray(template)) throw new Error(`${file}: not a mapping`);
  return template;
}

export function templateFiles(dir = INFRA_DIR): string[] {
  if (!existsSync(dir)) return [];
  return [...new Glob('*.{yaml,yml}').scanSync({ cwd: dir })].sort().map((name) => join(dir, name));
}

export function loadTemplates(dir = INFRA_DIR): LoadedTemplate[] {
  return templateFiles(dir).map((path) => ({
    file: basename(path),
    template: parseTemplate(readFileSync(path, 'utf8'), basename(path)),
  }));
}

export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ Ref: x }` or `{ 'Fn::X': ... }` (or `{ Condition: name }` inside Conditions): the name, else undefined. */
export function intrinsicName(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  if (key === 'Ref' || key.startsWith('Fn::')) return key;
  if (key === 'Condition' && typeof value[key] === 'string') return key;
  return undefined;
}

/** Visits every intrinsic function call inside a value, outermost first, with the path to it. */
export function visitIntrinsics(
  value: unknown,
  visit: (name: string, argument: unknown, path: string) => void,
  path = '',
): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      visitIntrinsics(item, visit, `${path}[${i}]`);
    });
    return;
  }
  if (!isObject(value)) return;
  const name = intrinsicName(value);
  if (name) visit(name, value[name], path);
  for (const [key, child] of Object.entries(value)) visitIntrinsics(child, visit, path ? `${path}.${key}` : key);
}

/** The names a `Fn::Sub` string refers to (`${Name}` or `${Resource.Attribute}`), without `${!Literal}` escapes. */
export function subReferences(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1] as string).filter((name) => !name.startsWith('!'));
}
