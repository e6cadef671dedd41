/**
 * CSV (RFC 4180) reading and writing: customer import reads it, every
 * dashboard table exports it.
 */

/** A parsed row with the 1-based line it starts on (for error messages). */
export interface CsvRow {
  line: number;
  cells: string[];
}

/**
 * Parses CSV text: comma-separated, fields optionally in double quotes with
 * `""` for a quote, quoted fields may span lines, CRLF or LF line ends, a
 * final newline optional. Blank lines are skipped. Throws on an unterminated
 * quote, naming the line.
 */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let quoteLine = 0;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark from spreadsheet exports
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '')) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') { quoted = true; quoteLine = line; }
    else if (ch === ',') { cells.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += ch;
  }
  if (quoted) throw new Error(`line ${quoteLine}: unterminated quoted field`);
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}

/**
 * What a spreadsheet reads as a formula: a cell whose first character, after
 * any leading blanks and control characters, is `=`, `+`, `-` or `@`, or a
 * cell starting with a tab, CR or LF (OWASP "CSV injection"). `-1+cmd|...`
 * starts with a minus and a digit, and is a formula all the same.
 */
const FORMULA_START = /^[\t\r\n]|^[\s\u0000-\u001f]*[=+\-@]/;

/** A number written plainly (`-12`, `3.5`, `-1e-3`): a spreadsheet reads it as that number, never as a formula. */
const PLAIN_NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The text a cell holds, safe to open in a spreadsheet: a formula-looking
 * text gets a leading `'` (shown as text, never run); a plain number stays
 * as it is, so numeric columns stay numeric.
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One CSV field: formula-looking text neutralised ({@link neutraliseFormula}), quoted when it must be. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const raw = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const text = neutraliseFormula(raw);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole CSV document: header row, then one line per record, CRLF line ends (RFC 4180). */
export function formatCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
