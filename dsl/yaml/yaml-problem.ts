/**
 * A YAML syntax error said once, in words, with the line to look at and a
 * hint (issue 15: one indentation slip used to give 15 lines of parser
 * jargon). The `yaml` parser reports where it got lost, which is often the
 * line before the slip, and then every line it misreads after it; an author
 * needs the one line whose indentation is off, and what to do about it.
 */
import type { YAMLError } from 'yaml';

/** The one problem to report for a file that is not valid YAML. */
export interface YamlProblem {
  message: string;
  /** `[start, end)` offsets of what to point at. */
  range: [number, number];
}

interface Line {
  start: number;
  text: string;
  /** Columns of leading spaces (tabs excluded), `-1` for a blank or comment line. */
  indent: number;
}

function linesOf(source: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  for (const text of source.split('\n')) {
    const body = text.replace(/\r$/, '');
    const trimmed = body.trimStart();
    const blank = trimmed === '' || trimmed.startsWith('#');
    out.push({ start, text: body, indent: blank ? -1 : body.length - body.replace(/^ +/, '').length });
    start += text.length + 1;
  }
  return out;
}

/** The indentation levels a line opens for the lines after it: its own, and for `- key:` the key's too. */
function levelsOf(line: Line): number[] {
  const m = /^( *)((?:- +)*)/.exec(line.text)!;
  const levels = [m[1]!.length];
  let col = m[1]!.length;
  for (const dash of m[2]!.match(/- +/g) ?? []) {
    col += dash.length;
    levels.push(col);
  }
  return levels;
}

/** True when the line ends by opening a block under it (`key:`, `- `, `key: |`, `key: >-`). */
function opensBlock(line: Line): boolean {
  const code = line.text.replace(/\s+#.*$/, '').trimEnd();
  return /:$/.test(code) || /^\s*-$/.test(code) || /:\s*[|>][+-]?\d*$/.test(code) || /[[{,]$/.test(code);
}

/**
 * The first line, up to `limit`, whose indentation YAML cannot place: deeper
 * than a line that opens no block, or back to a column no enclosing line has.
 */
function misindented(lines: Line[], limit: number): { index: number; expected: number[]; deeper: boolean } | undefined {
  const stack: number[] = [0];
  let prev: Line | undefined;
  /** Inside a block scalar (`key: |`): lines deeper than this are text, not structure. */
  let scalarAbove = -1;
  for (let i = 0; i <= Math.min(limit, lines.length - 1); i++) {
    const line = lines[i]!;
    if (line.indent < 0) continue;
    if (/^ *\t/.test(line.text)) return undefined;
    if (scalarAbove >= 0 && line.indent > scalarAbove) continue;
    scalarAbove = -1;
    if (prev) {
      if (line.indent > prev.indent && !opensBlock(prev) && !levelsOf(prev).includes(line.indent)) {
        return { index: i, expected: [...new Set(levelsOf(prev).filter((l) => l >= prev!.indent))], deeper: true };
      }
      if (line.indent < prev.indent) {
        const open = [...stack];
        while (stack.length > 1 && stack.at(-1)! > line.indent) stack.pop();
        if (stack.at(-1) !== line.indent) {
          // The levels just around the line's column: it meant one of them.
          const below = open.filter((l) => l < line.indent).at(-1);
          const above = open.find((l) => l > line.indent);
          return { index: i, expected: [below, above].filter((l): l is number => l !== undefined), deeper: false };
        }
      }
    }
    for (const l of levelsOf(line)) if (l > (stack.at(-1) ?? 0)) stack.push(l);
    if (/:\s*[|>][+-]?\d*\s*(#.*)?$/.test(line.text)) scalarAbove = line.indent;
    prev = line;
  }
  return undefined;
}

function lineNumberAt(lines: Line[], offset: number): number {
  let i = 0;
  while (i + 1 < lines.length && lines[i + 1]!.start <= offset) i++;
  return i;
}

const WORDS: Record<string, string> = {
  BLOCK_AS_IMPLICIT_KEY: 'a list was found where a key was expected',
  MISSING_CHAR: 'a closing bracket or quote is missing',
  MULTILINE_IMPLICIT_KEY: 'a key runs over more than one line (a `:` is probably missing, or the line is indented too far)',
  UNEXPECTED_TOKEN: 'YAML did not expect this here',
  BAD_INDENT: 'this line is not indented like the lines around it',
  MISSING_KEY_VALUE: 'a key needs a value after `: `',
};

/**
 * The one problem to report for the first of `errors`, in words. Offsets
 * past the end of the file point at its last character.
 */
export function describeYamlErrors(errors: readonly YAMLError[], source: string): YamlProblem {
  const first = errors[0]!;
  const lines = linesOf(source);
  const lastChar = Math.max(0, source.trimEnd().length - 1);
  const at = Math.min(first.pos[0], lastChar);
  const errLine = lineNumberAt(lines, at);
  const tabbed = lines.findIndex((l, i) => i <= errLine + 2 && /^ *\t/.test(l.text) && l.indent >= 0);
  if (first.code === 'TAB_AS_INDENT' || tabbed >= 0) {
    const i = first.code === 'TAB_AS_INDENT' ? errLine : tabbed;
    const line = lines[i]!;
    const tab = line.start + line.text.indexOf('\t');
    return { message: `YAML: line ${i + 1} is indented with a tab; YAML indents with spaces only: replace the tab with spaces, in the same column as the keys beside it`, range: [tab, tab + 1] };
  }
  if (first.code === 'MULTIPLE_DOCS') {
    return { message: 'YAML: a playbook file holds one YAML document; remove this `---` line and what follows, or split the file', range: [at, Math.max(at + 1, Math.min(first.pos[1], source.length))] };
  }
  if (/call stack/i.test(first.message)) return { message: 'YAML: the YAML nests too deeply to be read', range: [at, at + 1] };
  const slip = misindented(lines, errLine + 3);
  if (slip) {
    const line = lines[slip.index]!;
    const shown = line.text.trim().length > 40 ? `${line.text.trim().slice(0, 37)}...` : line.text.trim();
    const cols = slip.expected.map((c) => `${c}`).join(' or ');
    const why = slip.deeper
      ? `it is indented ${line.indent} spaces, deeper than the line before it, which opens nothing under it`
      : `it is indented ${line.indent} spaces, which lines up with no key above it`;
    return {
      message: `YAML: line ${slip.index + 1} (\`${shown}\`) is not indented like the lines around it: ${why}; keys of one map start in the same column (here ${cols} spaces)`,
      range: [line.start + line.indent, line.start + line.text.length],
    };
  }
  const words = WORDS[first.code] ?? (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
  const hint = first.code === 'MISSING_CHAR' ? '; close every `[`, `{` and `"` you open'
    : /: /.test(lines[errLine]?.text.split(': ').slice(1).join(': ') ?? '') ? '; a value that contains `: ` must be quoted ("Clinic: first year")' : '';
  return { message: `YAML: ${words}${hint}`, range: [at, Math.max(at + 1, Math.min(first.pos[1], source.length))] };
}
