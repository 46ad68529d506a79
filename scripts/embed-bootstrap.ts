/**
 * Copies infra/bootstrap.sh into the user data of infra/app.yaml, between its BEGIN and END
 * marker comments, as a literal YAML block: no !Sub, so the script's own ${...} stay as they are.
 * The script is kept as a file of its own (shellcheck reads it, editors highlight it); the
 * template carries a copy so that it alone defines an instance and any change to the script
 * makes a new launch template version. tests/infra/user-data.test.ts fails when they differ.
 *
 *   bun scripts/embed-bootstrap.ts          rewrite infra/app.yaml
 *   bun scripts/embed-bootstrap.ts --check  exit 1 if infra/app.yaml is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..');
export const TEMPLATE = join(ROOT, 'infra/app.yaml');
export const BOOTSTRAP = join(ROOT, 'infra/bootstrap.sh');

const BEGIN = /^( *)# BEGIN infra\/bootstrap\.sh.*\n/m;
const END = /^ *# END infra\/bootstrap\.sh$/m;

function markers(template: string) {
  const begin = BEGIN.exec(template);
  const end = END.exec(template);
  if (!begin || !end || end.index < begin.index) throw new Error('infra/app.yaml lacks the bootstrap markers');
  return { indent: begin[1] ?? '', from: begin.index + begin[0].length, to: end.index };
}

/** The template with `script` as the literal block between the markers. */
export function embedBootstrap(template: string, script: string): string {
  const { indent, from, to } = markers(template);
  const body = script
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? '' : `${indent}  ${line}`))
    .join('\n');
  return `${template.slice(0, from)}${indent}- |\n${body}\n${template.slice(to)}`;
}

/** The script as the template carries it now. */
export function embeddedBootstrap(template: string): string {
  const { indent, from, to } = markers(template);
  const lines = template.slice(from, to).replace(/\n$/, '').split('\n');
  if (lines.shift() !== `${indent}- |`) throw new Error('the bootstrap block must start with "- |"');
  return `${lines.map((line) => line.slice(indent.length + 2)).join('\n')}\n`;
}

if (import.meta.main) {
  const template = readFileSync(TEMPLATE, 'utf8');
  const updated = embedBootstrap(template, readFileSync(BOOTSTRAP, 'utf8'));
  if (process.argv.includes('--check')) {
    if (updated !== template) {
      process.stderr.write(
        'infra/app.yaml does not carry the current infra/bootstrap.sh: run bun scripts/embed-bootstrap.ts\n',
      );
      process.exit(1);
    }
  } else if (updated !== template) {
    writeFileSync(TEMPLATE, updated);
    process.stdout.write('infra/app.yaml: user data updated from infra/bootstrap.sh\n');
  }
}
