import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Which part of the code imports which: every source file under src/ and components/, its imports
 * resolved to the "area" they land in (src/tasks, src/http, components, ...). Packages are left out.
 */

export const ROOT = resolve(import.meta.dir, '../..');

export interface ImportEdge {
  file: string;
  from: string;
  to: string;
  specifier: string;
  typeOnly: boolean;
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every module a source text names, and whether only its types are taken. */
export function importsOf(source: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const match of source.matchAll(/\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g)) {
    const names = match[3] ?? '';
    // `import { type A, type B }` takes only types as well.
    const allTypes =
      /^\{[^}]*\}$/.test(names) &&
      names
        .slice(1, -1)
        .split(',')
        .every((n) => /^\s*(type\s|$)/.test(n));
    found.push({ specifier: match[4] as string, typeOnly: Boolean(match[2]) || allTypes });
  }
  for (const match of source.matchAll(/\bimport\s*['"]([^'"]+)['"]/g))
    found.push({ specifier: match[1] as string, typeOnly: false });
  for (const match of source.matchAll(/\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]/g)) {
    found.push({ specifier: match[1] as string, typeOnly: false });
  }
  return found;
}

/** src/<folder> for files in a folder of src/, `src` for its top-level files, else the top folder. */
export function areaOf(path: string): string {
  const parts = relative(ROOT, path).split(/[\\/]/);
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : 'src';
  return parts.length > 1 ? (parts[0] as string) : '.';
}

export function importEdges(dirs = ['src', 'components']): ImportEdge[] {
  return dirs.flatMap((dir) =>
    sourceFiles(join(ROOT, dir)).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter(({ specifier }) => specifier.startsWith('.'))
        .map(({ specifier, typeOnly }) => {
          const target = resolve(dirname(file), specifier);
          return { file: relative(ROOT, file), from: areaOf(file), to: areaOf(target), specifier, typeOnly };
        })
        .filter((edge) => edge.from !== edge.to),
    ),
  );
}

/** "src/tasks → components, src/http, src/lib" lines: the graph of areas. */
export function describeGraph(edges: ImportEdge[]): string[] {
  const targets = new Map<string, Set<string>>();
  for (const { from, to, typeOnly } of edges) {
    const set = targets.get(from) ?? new Set<string>();
    set.add(typeOnly ? `${to} (types)` : to);
    targets.set(from, set);
  }
  for (const set of targets.values()) {
    for (const name of [...set]) if (name.endsWith(' (types)') && set.has(name.slice(0, -8))) set.delete(name);
  }
  return [...targets].sort().map(([from, to]) => `${from} → ${[...to].sort().join(', ')}`);
}

if (import.meta.main) console.log(describeGraph(importEdges()).join('\n'));
