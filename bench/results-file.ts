import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { sectionsOf } from './results-section';

const HISTORY_HEADING = '## History: before and after';

/**
 * Replaces the main bench's report in bench/results.md, carrying over the sections other commands
 * own (the peer section, Lighthouse; see results-section.ts) and the history as they were. A section
 * first written after the history (replaceSection appends a new one at the end) moves before it:
 * carried once as a section, never again as part of the history.
 */
export function writeMainReport(file: string, sections: string[]): void {
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = previous.indexOf(HISTORY_HEADING);
  let history = at >= 0 ? previous.slice(at) : '';
  for (const section of sectionsOf(history)) history = history.replace(section, '');
  const kept = [...firstOfEachName(sectionsOf(previous)), history.replace(/\n{3,}/g, '\n\n').trimEnd()];
  writeFileSync(file, `${[...sections, ...kept.filter(Boolean)].join('\n\n')}\n`);
}

/** One block per section name, the first (the one replaceSection writes into). */
function firstOfEachName(blocks: string[]): string[] {
  const seen = new Set<string>();
  return blocks.filter((block) => {
    const name = block.slice(0, block.indexOf(':start'));
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}
