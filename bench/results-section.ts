import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * bench/results.md is written by more than one command (`bun run bench`, `bun run lighthouse`):
 * each owns a section between `<!-- name:start -->` and `<!-- name:end -->` and replaces only that,
 * so one command's run never wipes another's figures.
 */

const markers = (name: string) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const;

/** The text with the named section's body replaced (appended at the end when it has none yet). */
export function withSection(text: string, name: string, body: string): string {
  const [start, end] = markers(name);
  const block = `${start}\n${body.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end, from);
  if (from !== -1 && to !== -1) return `${text.slice(0, from)}${block}${text.slice(to + end.length)}`;
  return `${text.trimEnd()}${text.trim() ? '\n\n' : ''}${block}\n`;
}

/** Every named section of the text, as whole blocks with their markers (to carry them into a new file). */
export function sectionsOf(text: string): string[] {
  return [...text.matchAll(/<!-- ([\w-]+):start -->[\s\S]*?<!-- \1:end -->/g)].map((match) => match[0]);
}

export function replaceSection(file: string, name: string, body: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, withSection(text, name, body));
}
