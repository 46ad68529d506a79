import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * bench/results.md holds the main bench's report, then sections that other commands own (the peer
 * section, Lighthouse), each between its own markers, then the history. Each command replaces only
 * what it wrote, so a run of one never erases the figures of another.
 */

const HISTORY_HEADING = '## History: before and after';

const markers = (name: string) => [`<!-- ${name}: start -->`, `<!-- ${name}: end -->`] as const;

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** The owned sections in a results file, with their markers, in order. */
function ownedSections(text: string): string[] {
  return [...text.matchAll(/<!-- ([\w-]+): start -->[\s\S]*?<!-- \1: end -->/g)].map((match) => match[0]);
}

function historyOf(text: string): string {
  const at = text.indexOf(HISTORY_HEADING);
  return at >= 0 ? text.slice(at).trimEnd() : '';
}

/** Replaces the main report, keeping every owned section and the history as they were. */
export function writeMainReport(file: string, sections: string[]): void {
  const previous = read(file);
  const kept = [...ownedSections(previous), historyOf(previous)].filter(Boolean);
  writeFileSync(file, `${[...sections, ...kept].join('\n\n')}\n`);
}

/** Replaces (or adds, before the history) the section `name` owns. */
export function writeOwnedSection(file: string, name: string, text: string): void {
  const [start, end] = markers(name);
  const block = `${start}\n${text.trim()}\n${end}`;
  const previous = read(file);
  const from = previous.indexOf(start);
  const to = previous.indexOf(end);
  if (from >= 0 && to > from) {
    writeFileSync(file, `${previous.slice(0, from)}${block}${previous.slice(to + end.length)}`);
    return;
  }
  const history = previous.indexOf(HISTORY_HEADING);
  const next =
    history >= 0
      ? `${previous.slice(0, history)}${block}\n\n${previous.slice(history)}`
      : `${previous.trimEnd()}${previous ? '\n\n' : ''}${block}\n`;
  writeFileSync(file, next);
}
