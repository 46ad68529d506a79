import { expect, test } from 'bun:test';
import fc from 'fast-check';
import { CsvSyntaxError, csvRecord, csvRecords, defused, restored } from '../../src/lib/csv';

/** CSV as RFC 4180 writes it and as other tools save it, and the spreadsheet formulas it must never carry. */

const read = (text: string, maxFields = 100) => [...csvRecords(text, maxFields)];

test('fields with commas, quotes and line breaks are quoted, quotes doubled, records end in CRLF', () => {
  expect(csvRecord(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', ''])).toBe(
    'plain,"a,b","say ""hi""","two\nlines","cr\rhere",\r\n',
  );
});

test('whatever the fields hold, reading what was written gives them back', () => {
  const field = fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', 'é', '😀', "'", '=') });
  fc.assert(
    fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 6 }), { maxLength: 8 }), (records) => {
      const text = records.map(csvRecord).join('');
      expect(read(text).map((record) => record.fields)).toEqual(records);
    }),
    { numRuns: 500 },
  );
});

test('LF and lone CR line breaks read as CRLF do; a last line without a break is a record', () => {
  for (const text of ['a,b\r\nc,d', 'a,b\nc,d\n', 'a,b\rc,d\r']) {
    expect({ text, records: read(text).map((record) => record.fields) }).toEqual({
      text,
      records: [
        ['a', 'b'],
        ['c', 'd'],
      ],
    });
  }
});

test('each record knows the line it starts on, past quoted fields that span lines', () => {
  const text = 'title,notes\r\nOne,"first\r\nsecond\nthird"\r\nTwo,x\n\nThree,y';
  expect(read(text).map(({ line, fields }) => [line, fields[0]])).toEqual([
    [1, 'title'],
    [2, 'One'],
    [5, 'Two'],
    [6, ''],
    [7, 'Three'],
  ]);
});

test('a quote never closed, or text after a closing quote, is refused at its line', () => {
  const refusal = (text: string) => {
    try {
      read(text);
    } catch (error) {
      if (error instanceof CsvSyntaxError) return [error.line, error.message];
    }
    return null;
  };
  expect(refusal('a,b\r\nc,"open\r\nforever')).toEqual([2, 'opens a quoted field that is never closed']);
  expect(refusal('a\r\n"closed"then,b')).toEqual([
    2,
    'has text after a closing quote (a quote inside a quoted field must be doubled)',
  ]);
});

test('a record of a million columns stops the reading at the cap, at once', () => {
  const started = performance.now();
  expect(() => read(`${','.repeat(1_000_000)}\r\n`, 100)).toThrow('has more than 100 columns');
  expect(performance.now() - started).toBeLessThan(200);
});

test('cells a spreadsheet would run as a formula start with an apostrophe; restoring gives back any cell', () => {
  expect(['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', "'quoted", 'plain', ''].map(defused)).toEqual([
    "'=1+1",
    "'+1",
    "'-1",
    "'@SUM(A1)",
    "'\t=1",
    "'\r=1",
    "''quoted",
    'plain',
    '',
  ]);
  fc.assert(fc.property(fc.string(), (cell) => restored(defused(cell)) === cell));
});
