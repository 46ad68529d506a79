import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, Resource as ResourceSpec } from '@aws-cdk/service-spec-types';
import {
  intrinsicName,
  isObject,
  type LoadedTemplate,
  subReferences,
  type Template,
  visitIntrinsics,
} from './cloudformation';

/**
 * Checks templates against the AWS resource specification that the CDK itself generates from
 * CloudFormation's registry schemas (`@aws-cdk/aws-service-spec`): resource types, properties
 * (unknown = failure), required properties, nested property types, and GetAtt attribute names.
 */

type SpecDatabase = ReturnType<typeof loadAwsServiceSpecSync>;
let database: SpecDatabase | undefined;
/** The database is a 2.6 MB gzip that takes ~0.4 s to load: once per test process. */
export function specDatabase(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

export function resourceSpec(type: string): ResourceSpec | undefined {
  return specDatabase().lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

/** Custom resources take whatever their Lambda accepts: the spec knows nothing of their properties or attributes. */
export function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);
const TEMPLATE_KEYS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);

/** The parameter types CloudFormation knows: plain ones, AWS-specific ones (and their lists), SSM ones. */
const PARAMETER_TYPE =
  /^(String|Number|List<Number>|CommaDelimitedList|(List<)?AWS::EC2::[A-Za-z]+::(Id|Name|KeyName)>?|AWS::SSM::Parameter::Name|AWS::SSM::Parameter::Value<.+>|AWS::Route53::HostedZone::Id|List<AWS::Route53::HostedZone::Id>)$/;

export function checkAgainstSpec(templates: LoadedTemplate[]): string[] {
  const problems: string[] = [];
  for (const { file, template } of templates) {
    for (const key of Object.keys(template)) {
      if (!TEMPLATE_KEYS.has(key)) problems.push(`${file}: unknown top-level section ${key}`);
    }
    for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
      if (!PARAMETER_TYPE.test(String(parameter.Type)))
        problems.push(`${file}: parameter ${name}: unknown Type ${parameter.Type}`);
    }
    for (const [name, output] of Object.entries(template.Outputs ?? {})) {
      if (output.Value === undefined) problems.push(`${file}: output ${name} has no Value`);
    }
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      const where = `${file}: ${id}`;
      for (const key of Object.keys(resource)) {
        if (!RESOURCE_KEYS.has(key)) problems.push(`${where}: unknown resource attribute ${key}`);
      }
      if (isCustomResource(resource.Type)) continue;
      const spec = resourceSpec(resource.Type);
      if (!spec) {
        problems.push(`${where}: unknown resource type ${resource.Type}`);
        continue;
      }
      if (resource.Properties !== undefined && !isObject(resource.Properties)) {
        problems.push(`${where}: Properties is not a mapping`);
        continue;
      }
      checkObject(resource.Properties ?? {}, spec.properties, `${where} (${resource.Type})`, 'Properties', problems);
    }
    problems.push(...checkAttributes({ file, template }));
  }
  return problems;
}

/** Fn::GetAtt [Resource, Attribute] and `${Resource.Attribute}` in Fn::Sub name an attribute the target's type has. */
function checkAttributes({ file, template }: LoadedTemplate): string[] {
  const problems: string[] = [];
  for (const { resource: target, attribute, path } of attributeUses(template)) {
    const type = template.Resources?.[target]?.Type;
    if (!type || isCustomResource(type)) continue; // a missing target is the reference check's finding
    const spec = resourceSpec(type);
    if (spec && !(attribute in spec.attributes)) {
      problems.push(`${file}: ${path}: GetAtt ${target}.${attribute}: ${type} has no attribute ${attribute}`);
    }
  }
  return problems;
}

export function attributeUses(template: Template): { resource: string; attribute: string; path: string }[] {
  const uses: { resource: string; attribute: string; path: string }[] = [];
  const visit = (section: string) => (name: string, argument: unknown, path: string) => {
    const where = `${section}.${path}`;
    if (name === 'Fn::GetAtt' && Array.isArray(argument)) {
      const [resource, attribute] = argument;
      if (typeof resource === 'string' && typeof attribute === 'string')
        uses.push({ resource, attribute, path: where });
    }
    if (name === 'Fn::Sub') {
      const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
      for (const reference of typeof text === 'string' ? subReferences(text) : []) {
        const dot = reference.indexOf('.');
        if (dot < 0 || (isObject(variables) && reference in variables)) continue;
        uses.push({ resource: reference.slice(0, dot), attribute: reference.slice(dot + 1), path: where });
      }
    }
  };
  visitIntrinsics(template.Resources, visit('Resources'));
  visitIntrinsics(template.Outputs, visit('Outputs'));
  return uses;
}

function checkObject(
  value: Record<string, unknown>,
  properties: Record<string, Property>,
  where: string,
  path: string,
  problems: string[],
): void {
  for (const [name, child] of Object.entries(value)) {
    const property = properties[name];
    if (!property) {
      problems.push(`${where}: unknown property ${path}.${name}`);
      continue;
    }
    const types = [property.type, ...(property.previousTypes ?? [])];
    checkValue(child, types, where, `${path}.${name}`, problems);
  }
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in value)) problems.push(`${where}: missing required property ${path}.${name}`);
  }
}

/**
 * A value fits when it fits any of the types (a union, or a type the spec says the property used to have).
 * Problems of the closest fit are reported, so a typo deep inside a nested type names that field.
 */
function checkValue(value: unknown, types: PropertyType[], where: string, path: string, problems: string[]): void {
  const name = intrinsicName(value);
  if (name === 'Fn::If' && Array.isArray((value as Record<string, unknown>)[name])) {
    // Each branch must fit on its own; AWS::NoValue drops the property.
    const [, whenTrue, whenFalse] = (value as Record<string, unknown[]>)[name] as unknown[];
    for (const branch of [whenTrue, whenFalse]) checkValue(branch, types, where, path, problems);
    return;
  }
  // Any other intrinsic is resolved at deploy time to something the spec cannot see here.
  if (name) return;
  let best: string[] | undefined;
  for (const type of expand(types)) {
    const found: string[] = [];
    checkOne(value, type, where, path, found);
    if (found.length === 0) return;
    if (!best || found.length < best.length) best = found;
  }
  problems.push(...(best ?? []));
}

function expand(types: PropertyType[]): PropertyType[] {
  return types.flatMap((type) => (type.type === 'union' ? expand(type.types) : [type]));
}

function checkOne(value: unknown, type: PropertyType, where: string, path: string, problems: string[]): void {
  switch (type.type) {
    case 'json':
      return;
    case 'array':
      if (!Array.isArray(value)) {
        problems.push(`${where}: ${path} should be a list`);
        return;
      }
      value.forEach((item, i) => {
        checkValue(item, [type.element], where, `${path}[${i}]`, problems);
      });
      return;
    case 'map':
      if (!isObject(value)) {
        problems.push(`${where}: ${path} should be a mapping`);
        return;
      }
      for (const [key, item] of Object.entries(value))
        checkValue(item, [type.element], where, `${path}.${key}`, problems);
      return;
    case 'tag':
      if (!isObject(value)) problems.push(`${where}: ${path} should be a tag { Key, Value }`);
      else checkObject(value, TAG_PROPERTIES, where, path, problems);
      return;
    case 'ref': {
      if (!isObject(value)) {
        problems.push(`${where}: ${path} should be a mapping`);
        return;
      }
      const definition = specDatabase().get('typeDefinition', type.reference);
      checkObject(value, definition.properties, where, path, problems);
      return;
    }
    default:
      // string, number, integer, boolean, date-time: CloudFormation coerces scalars, so only shape is checked.
      if (isObject(value) || Array.isArray(value)) problems.push(`${where}: ${path} should be a ${type.type}`);
  }
}

const TAG_PROPERTIES: Record<string, Property> = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};
