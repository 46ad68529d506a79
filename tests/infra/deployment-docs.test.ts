import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** docs/deployment.md's parameters table against the templates: every parameter, no other. */

const ROOT = join(import.meta.dir, '../..');

/** Top-level keys under a template's `Parameters:` section. */
function parameterNames(template: string): string[] {
  const section = /^Parameters:\n([\s\S]*?)(?=^\S)/m.exec(template)?.[1] ?? '';
  return [...section.matchAll(/^ {2}([A-Za-z0-9]+):/gm)].map((match) => match[1] ?? '');
}

test('the deployment guide lists every parameter of every template, and no other', () => {
  const fromTemplates = readdirSync(join(ROOT, 'infra'))
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => {
      const stack = file.replace(/\.yaml$/, '');
      return parameterNames(readFileSync(join(ROOT, 'infra', file), 'utf8')).map((name) => `${stack}.${name}`);
    });
  const guide = readFileSync(join(ROOT, 'docs/deployment.md'), 'utf8');
  const fromGuide = [...guide.matchAll(/^\| `([a-z-]+)` \| `([A-Za-z0-9]+)` \|/gm)].map(
    (match) => `${match[1]}.${match[2]}`,
  );
  expect(fromTemplates.length).toBeGreaterThan(20);
  expect(fromGuide.sort()).toEqual(fromTemplates.sort());
});
