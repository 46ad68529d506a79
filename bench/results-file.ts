import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { sectionsOf } from './results-section';

const HISTORY_HEADING = '## History: before and after';

/**
 * Replaces the main bench's report in bench/results.md, carrying over the sections other commands
 * own (the peer section, Lighthouse; see results-section.ts) and the history as they were.
 */
export function writeMainReport(file: string, sections: string[]): void {
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = previous.indexOf(HISTORY_HEADING);
  const history = at >= 0 ? previous.slice(at).trimEnd() : '';
  const kept = [...sectionsOf(previous), history].filter(Boolean);
  writeFileSync(file, `${[...sections, ...kept].join('\n\n')}\n`);
}
