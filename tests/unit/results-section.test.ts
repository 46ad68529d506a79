import { describe, expect, test } from 'bun:test';
import { sectionsOf, withSection } from '../../bench/results-section';

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
