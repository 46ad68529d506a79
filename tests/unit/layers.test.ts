import { expect, test } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The layer rule of docs/DESIGN: src/db/ is the generic engine layer (engines, pool, migration
 * runner) and imports nothing from a feature. A feature is any folder of src/ but the generic
 * layers below, so a new feature (src/accounts/) is covered the day it appears.
 */

const SRC = resolve(import.meta.dir, '../../src');
const GENERIC_LAYERS = new Set(['db', 'http', 'lib']);

const features = () =>
  readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory() && !GENERIC_LAYERS.has(name));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every module a source text names: static imports and re-exports, import(), require(). */
function specifiersOf(source: string): string[] {
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] as string));
}

/** The feature folder a specifier in `file` points into, or null. */
function featureOf(file: string, specifier: string, featureNames: string[]): string | null {
  let target: string;
  if (specifier.startsWith('.')) target = resolve(dirname(file), specifier);
  else if (specifier.startsWith('src/')) target = resolve(SRC, '..', specifier);
  else return null; // a package
  const inSrc = relative(SRC, target);
  if (inSrc.startsWith('..')) return null;
  const top = inSrc.split(/[\\/]/)[0] ?? '';
  return featureNames.includes(top) ? top : null;
}

function featureImports(dir: string): string[] {
  const featureNames = features();
  return sourceFiles(dir).flatMap((file) =>
    specifiersOf(readFileSync(file, 'utf8'))
      .filter((specifier) => featureOf(file, specifier, featureNames))
      .map((specifier) => `${relative(SRC, file)} imports ${specifier}`),
  );
}

test('the features the rule protects include tasks and ops', () => {
  expect(features()).toEqual(expect.arrayContaining(['tasks', 'ops']));
});

test('src/db imports nothing from a feature (src/tasks, src/ops, src/accounts, ...)', () => {
  expect(sourceFiles(join(SRC, 'db')).length).toBeGreaterThan(0);
  expect(featureImports(join(SRC, 'db'))).toEqual([]);
});

test('the check sees every way of naming a feature module', () => {
  const file = join(SRC, 'db', 'example.ts');
  const source = [
    "import { STATUSES } from '../tasks/model';",
    "import type { Task } from '../tasks/model';",
    "export { x } from '../ops/health';",
    "import '../tasks/side-effect';",
    "const later = await import('../tasks/store');",
    "import { y } from 'src/accounts/users';",
    "import { openMysql } from './mysql';",
    "import type { DatabaseConfig } from '../config';",
    "import mysql from 'mysql2/promise';",
  ].join('\n');
  const hits = specifiersOf(source).filter((specifier) => featureOf(file, specifier, ['tasks', 'ops', 'accounts']));
  expect(hits).toEqual([
    '../tasks/model',
    '../tasks/model',
    '../ops/health',
    'src/accounts/users',
    '../tasks/side-effect',
    '../tasks/store',
  ]);
});
