import { isObject, type LoadedTemplate, PSEUDO_PARAMETERS, subReferences, visitIntrinsics } from './cloudformation';

/**
 * What CloudFormation would reject at create time, or what is dead weight: references to nothing
 * (Ref, GetAtt, Sub, conditions, DependsOn, mappings), parameters and conditions nobody uses.
 */
export function checkReferences({ file, template }: LoadedTemplate): string[] {
  const problems: string[] = [];
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const resources = new Set(Object.keys(template.Resources ?? {}));
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const mappings = new Set(Object.keys(template.Mappings ?? {}));
  const usedParameters = new Set<string>();
  const usedConditions = new Set<string>();

  const useCondition = (name: unknown, where: string) => {
    if (typeof name !== 'string' || !conditions.has(name)) {
      problems.push(`${file}: ${where}: condition ${String(name)} is not defined`);
    } else usedConditions.add(name);
  };

  // `inConditions`: a condition may only look at parameters and pseudo parameters, never at resources.
  const scan = (section: string, value: unknown, inConditions = false) =>
    visitIntrinsics(value, (name, argument, path) => {
      const where = path ? `${section}.${path}` : section;
      const refTo = (target: string, how: string) => {
        if (parameters.has(target)) usedParameters.add(target);
        else if (PSEUDO_PARAMETERS.has(target)) return;
        else if (!resources.has(target) || inConditions) {
          problems.push(`${file}: ${where}: ${how} ${target}: no such parameter${inConditions ? '' : ' or resource'}`);
        }
      };
      if (name === 'Ref') refTo(String(argument), 'Ref');
      if (name === 'Condition') useCondition(argument, where);
      if (name === 'Fn::If') useCondition(Array.isArray(argument) ? argument[0] : undefined, where);
      if (name === 'Fn::GetAtt') {
        const target = Array.isArray(argument) ? argument[0] : undefined;
        if (typeof target !== 'string' || !resources.has(target) || inConditions) {
          problems.push(`${file}: ${where}: GetAtt ${String(target)}: no such resource`);
        } else if (!Array.isArray(argument) || argument.length !== 2) {
          problems.push(`${file}: ${where}: GetAtt ${target} names no attribute`);
        }
      }
      if (name === 'Fn::Sub') {
        const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
        if (typeof text !== 'string') {
          problems.push(`${file}: ${where}: Fn::Sub needs a string`);
          return;
        }
        for (const reference of subReferences(text)) {
          if (isObject(variables) && reference in variables) continue;
          const [target, attribute] = splitOnce(reference);
          if (attribute === undefined) refTo(target, 'Sub ${}');
          else if (!resources.has(target)) problems.push(`${file}: ${where}: Sub \${${reference}}: no such resource`);
        }
      }
      if (name === 'Fn::FindInMap' && Array.isArray(argument) && typeof argument[0] === 'string') {
        if (!mappings.has(argument[0])) problems.push(`${file}: ${where}: FindInMap ${argument[0]}: no such mapping`);
      }
    });

  for (const [id, condition] of Object.entries(template.Conditions ?? {})) scan(`Conditions.${id}`, condition, true);
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Condition !== undefined) useCondition(resource.Condition, `Resources.${id}.Condition`);
    for (const dependency of [resource.DependsOn ?? []].flat()) {
      if (!resources.has(dependency))
        problems.push(`${file}: Resources.${id}.DependsOn: ${dependency}: no such resource`);
    }
    scan(`Resources.${id}`, { ...resource, Condition: undefined, DependsOn: undefined });
  }
  for (const [id, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined) useCondition(output.Condition, `Outputs.${id}.Condition`);
    scan(`Outputs.${id}`, { ...output, Condition: undefined });
  }
  // Parameters may be referred to from Rules and from interface metadata, but only a use in the
  // template's body makes a parameter worth asking an operator for.
  scan('Rules', template.Rules);

  for (const name of parameters) {
    if (!usedParameters.has(name)) problems.push(`${file}: parameter ${name} is never used`);
  }
  for (const name of conditions) {
    if (!usedConditions.has(name)) problems.push(`${file}: condition ${name} is never used`);
  }
  return problems;
}

function splitOnce(reference: string): [string, string | undefined] {
  const dot = reference.indexOf('.');
  return dot < 0 ? [reference, undefined] : [reference.slice(0, dot), reference.slice(dot + 1)];
}
