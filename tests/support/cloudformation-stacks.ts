import {
  intrinsicName,
  isObject,
  type LoadedTemplate,
  type Resource,
  subReferences,
  type Template,
  visitIntrinsics,
} from './cloudformation';

/**
 * The templates as one deployment: stacks linked by exports. Export and import names are
 * evaluated as far as the templates allow (parameter defaults, literal text); what only the
 * deployment knows (the stack's own name, the region, a parameter without a default) is a hole
 * that matches any text. So `${AWS::StackName}-VpcId` exported by the network stack matches an
 * import of `${NetworkStack}-VpcId` (or of `tm-network-VpcId`, NetworkStack's default if it has
 * one), whatever the naming convention.
 */

const HOLE = Symbol('deploy-time value');
type NamePattern = (string | typeof HOLE)[];

export function namePattern(value: unknown, template: Template): NamePattern {
  if (typeof value === 'string' || typeof value === 'number') return [String(value)];
  const name = intrinsicName(value);
  const argument = name ? (value as Record<string, unknown>)[name] : undefined;
  const named = (reference: string): NamePattern => {
    const fallback = template.Parameters?.[reference]?.Default;
    return fallback === undefined ? [HOLE] : namePattern(fallback, template);
  };
  if (name === 'Ref' && typeof argument === 'string') return named(argument);
  if (name === 'Fn::Sub') {
    const [text, vars] = Array.isArray(argument) ? argument : [argument, {}];
    if (typeof text !== 'string') return [HOLE];
    const parts: NamePattern = [];
    let last = 0;
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      parts.push(text.slice(last, match.index));
      const reference = match[1] as string;
      if (reference.startsWith('!')) parts.push(`\${${reference.slice(1)}}`);
      else if (isObject(vars) && reference in vars) parts.push(...namePattern(vars[reference], template));
      else parts.push(...named(reference));
      last = match.index + match[0].length;
    }
    parts.push(text.slice(last));
    return parts.filter((p) => p !== '');
  }
  if (name === 'Fn::Join' && Array.isArray(argument) && Array.isArray(argument[1])) {
    const [separator, items] = argument as [string, unknown[]];
    return items.flatMap((item, i) => [...(i > 0 ? [separator] : []), ...namePattern(item, template)]);
  }
  return [HOLE];
}

function patternRegex(pattern: NamePattern): RegExp {
  const body = pattern.map((p) => (p === HOLE ? '.+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}
/** A string that only that pattern's holes can stand for (U+0001 is in no real export name). */
function patternSample(pattern: NamePattern): string {
  return pattern.map((p) => (p === HOLE ? '\u0001' : p)).join('');
}
/** Could the two names be the same name at deploy time? */
export function patternsOverlap(a: NamePattern, b: NamePattern): boolean {
  return patternRegex(a).test(patternSample(b)) || patternRegex(b).test(patternSample(a));
}
export function showPattern(pattern: NamePattern): string {
  return pattern.map((p) => (p === HOLE ? '*' : p)).join('');
}

export interface ExportEntry {
  file: string;
  output: string;
  name: NamePattern;
  value: unknown;
}

export interface Located {
  file: string;
  id: string;
  resource: Resource;
}

export class Stacks {
  readonly exports: ExportEntry[];

  constructor(readonly templates: LoadedTemplate[]) {
    this.exports = templates.flatMap(({ file, template }) =>
      Object.entries(template.Outputs ?? {})
        .filter(([, output]) => output.Export !== undefined)
        .map(([output, { Export, Value }]) => ({
          file,
          output,
          name: namePattern(Export?.Name, template),
          value: Value,
        })),
    );
  }

  template(file: string): Template {
    const found = this.templates.find((t) => t.file === file);
    if (!found) throw new Error(`no template ${file}`);
    return found.template;
  }

  resources(type: string): Located[] {
    return this.templates.flatMap(({ file, template }) =>
      Object.entries(template.Resources ?? {})
        .filter(([, resource]) => resource.Type === type)
        .map(([id, resource]) => ({ file, id, resource })),
    );
  }

  /** The exports an `Fn::ImportValue` argument in `file` can name. */
  exportsFor(argument: unknown, file: string): ExportEntry[] {
    const wanted = namePattern(argument, this.template(file));
    return this.exports.filter((e) => patternsOverlap(e.name, wanted));
  }

  /**
   * The resources a value leads to, across stacks: Ref and GetAtt name a resource; ImportValue
   * leads to the exporting output's value in its own template; Fn::If leads to both branches.
   * A parameter leads nowhere (its value is only known at deploy time).
   */
  targets(value: unknown, file: string, depth = 0): Located[] {
    if (depth > 20) return [];
    if (Array.isArray(value)) return value.flatMap((v) => this.targets(v, file, depth + 1));
    const name = intrinsicName(value);
    if (!name) return [];
    const argument = (value as Record<string, unknown>)[name];
    const template = this.template(file);
    const resource = (id: unknown): Located[] => {
      const found = typeof id === 'string' ? template.Resources?.[id] : undefined;
      return found ? [{ file, id: id as string, resource: found }] : [];
    };
    switch (name) {
      case 'Ref':
        return resource(argument);
      case 'Fn::GetAtt':
        return resource(Array.isArray(argument) ? argument[0] : undefined);
      case 'Fn::ImportValue': {
        const found = this.exportsFor(argument, file);
        return found.length === 1 && found[0] ? this.targets(found[0].value, found[0].file, depth + 1) : [];
      }
      case 'Fn::If':
        return Array.isArray(argument) ? this.targets(argument.slice(1), file, depth + 1) : [];
      case 'Fn::Select': {
        const [index, list] = Array.isArray(argument) ? argument : [];
        if (Array.isArray(list) && list[Number(index)] !== undefined)
          return this.targets(list[Number(index)], file, depth + 1);
        return this.targets(list, file, depth + 1);
      }
      case 'Fn::Split':
      case 'Fn::Join':
        return Array.isArray(argument) ? this.targets(argument[1], file, depth + 1) : [];
      case 'Fn::Sub': {
        const [text] = Array.isArray(argument) ? argument : [argument];
        return typeof text === 'string' ? subReferences(text).flatMap((r) => resource(r.split('.')[0])) : [];
      }
      default:
        return [];
    }
  }
}

/** Export names unique across all templates; every ImportValue names exactly one export. */
export function checkExports(templates: LoadedTemplate[]): string[] {
  const stacks = new Stacks(templates);
  const problems: string[] = [];
  stacks.exports.forEach((a, i) => {
    for (const b of stacks.exports.slice(i + 1)) {
      if (patternsOverlap(a.name, b.name)) {
        problems.push(
          `export ${showPattern(a.name)} (${a.file} ${a.output}) may clash with ${showPattern(b.name)} (${b.file} ${b.output})`,
        );
      }
    }
  });
  for (const { file, template } of templates) {
    walkImports(template, (argument, path) => {
      const found = stacks.exportsFor(argument, file);
      const wanted = showPattern(namePattern(argument, template));
      if (found.length === 0) problems.push(`${file}: ${path}: ImportValue ${wanted}: no template exports it`);
      if (found.length > 1) {
        problems.push(
          `${file}: ${path}: ImportValue ${wanted} is ambiguous: ${found.map((e) => `${e.file} ${e.output}`).join(', ')}`,
        );
      }
    });
  }
  return problems;
}

function walkImports(template: Template, visit: (argument: unknown, path: string) => void): void {
  for (const section of ['Resources', 'Outputs'] as const) {
    visitIntrinsics(template[section], (name, argument, path) => {
      if (name === 'Fn::ImportValue') visit(argument, `${section}.${path}`);
    });
  }
}
