/**
 * CSV as RFC 4180 writes it (fields separated by commas, records by CRLF, a field quoted when it
 * holds a comma, a quote or a line break, quotes inside doubled), and a reader that also takes
 * LF or CR line breaks, as files saved by other tools have them.
 *
 * Spreadsheets run a cell that starts with = + - @ (or a tab or CR before one) as a formula, so a
 * task titled `=HYPERLINK(…)` would become a link in whoever opens the export (OWASP, "CSV
 * Injection"). Cells written with `defused` start with an apostrophe then, which spreadsheets show
 * as text and hide; `restored` takes it off again, so our own files read back exactly.
 */

const NEEDS_QUOTES = /[",\r\n]/;
// An apostrophe is escaped too: without that, a title that really starts with one would lose it on
// the way back in, and restoring would not be exact.
const FORMULA_START = /^[=+\-@\t\r']/;

/** A cell as spreadsheets will show it, never as a formula they run. */
export const defused = (cell: string): string => (FORMULA_START.test(cell) ? `'${cell}` : cell);

/** The cell `defused` was given. */
export const restored = (cell: string): string => (cell.startsWith("'") ? cell.slice(1) : cell);

const quoted = (field: string) => (NEEDS_QUOTES.test(field) ? `"${field.replaceAll('"', '""')}"` : field);

/** One record, quoted as needed, ending in CRLF. */
export const csvRecord = (fields: readonly string[]): string => `${fields.map(quoted).join(',')}\r\n`;

export interface CsvRecord {
  /** The line of the file the record starts on, from 1 (a quoted field may span several). */
  line: number;
  fields: string[];
}

/** A file that is not CSV at some line: nothing after that point can be read reliably. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

const LINE_BREAKS = /\r\n|\r|\n/g;
const lineBreaksIn = (text: string) => text.match(LINE_BREAKS)?.length ?? 0;

/**
 * The records of a CSV text, one at a time. A record with more than `maxFields` fields stops the
 * reading at once (a line of a million commas costs no more than the first few), as does a quoted
 * field that never closes or text after a closing quote.
 */
export function* csvRecords(text: string, maxFields: number): Generator<CsvRecord> {
  let at = 0;
  let line = 1;
  while (at < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text[at] === '"') {
        const closing = closingQuote(text, at + 1, start);
        const raw = text.slice(at + 1, closing);
        line += lineBreaksIn(raw);
        field = raw.replaceAll('""', '"');
        at = closing + 1;
        if (at < text.length && !',\r\n'.includes(text[at] as string)) {
          throw new CsvSyntaxError(
            line,
            'has text after a closing quote (a quote inside a quoted field must be doubled)',
          );
        }
      } else {
        const end = endOfUnquoted(text, at);
        field = text.slice(at, end);
        at = end;
      }
      fields.push(field);
      if (fields.length > maxFields) throw new CsvSyntaxError(start, `has more than ${maxFields} columns`);
      if (text[at] !== ',') break;
      at++;
    }
    if (text[at] === '\r') at++;
    if (text[at] === '\n') at++;
    line++;
    yield { line: start, fields };
  }
}

/** Where the quoted field opened before `from` closes: the first quote not doubled. */
function closingQuote(text: string, from: number, line: number): number {
  let at = from;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) throw new CsvSyntaxError(line, 'opens a quoted field that is never closed');
    if (text[quote + 1] !== '"') return quote;
    at = quote + 2;
  }
}

function endOfUnquoted(text: string, from: number): number {
  let end = from;
  while (end < text.length) {
    const char = text[end];
    if (char === ',' || char === '\n' || char === '\r') break;
    end++;
  }
  return end;
}
