import { describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMainReport } from '../../bench/results-file';
import { replaceSection, sectionsOf, withSection } from '../../bench/results-section';

/** bench/results.md holds what `bun run bench` and `bun run lighthouse` each wrote: one's run keeps the other's figures. */
describe('a section of bench/results.md', () => {
  const report = '# Benchmark results\n\n| row | req/s |\n| --- | --- |\n| GET / | 21,588 |\n';

  test('is added at the end the first time, and replaced in place after that, the rest kept as it was', () => {
    const first = withSection(report, 'lighthouse', '## The page on a phone\n\nperformance 76');
    expect(first).toStartWith(report.trimEnd());
    expect(first).toEndWith(
      '<!-- lighthouse:start -->\n## The page on a phone\n\nperformance 76\n<!-- lighthouse:end -->\n',
    );
    const withNotes = `${first}\n## Notes\n- wall time 12 min\n`;
    const second = withSection(withNotes, 'lighthouse', '## The page on a phone\n\nperformance 97');
    expect(second).toBe(withNotes.replace('performance 76', 'performance 97'));
  });

  test('sections can be carried whole into a new report', () => {
    const text = withSection(withSection('', 'lighthouse', 'a'), 'peer', 'b');
    expect(sectionsOf(text)).toEqual([
      '<!-- lighthouse:start -->\na\n<!-- lighthouse:end -->',
      '<!-- peer:start -->\nb\n<!-- peer:end -->',
    ]);
    expect(withSection('', 'lighthouse', 'only')).toBe('<!-- lighthouse:start -->\nonly\n<!-- lighthouse:end -->\n');
  });
});

describe('the main bench report', () => {
  test('keeps every other section and the history once, however often it and the others are written', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tm-results-')), 'results.md');
    writeFileSync(file, '# Benchmark results\n\nold\n\n## History: before and after\n\n### day 1\nfaster\n');
    // A new section lands after the history; the next main report moves it before, and so on.
    replaceSection(file, 'peer', 'peer 1');
    writeMainReport(file, ['# Benchmark results\n\nrun 1']);
    replaceSection(file, 'lighthouse', 'phone 1');
    replaceSection(file, 'peer', 'peer 2');
    writeMainReport(file, ['# Benchmark results\n\nrun 2']);
    writeMainReport(file, ['# Benchmark results\n\nrun 3']);
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '# Benchmark results\n\nrun 3',
        '<!-- peer:start -->\npeer 2\n<!-- peer:end -->',
        '<!-- lighthouse:start -->\nphone 1\n<!-- lighthouse:end -->',
        '## History: before and after\n\n### day 1\nfaster\n',
      ].join('\n\n'),
    );
  });
});
