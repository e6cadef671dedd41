/**
 * Diagnostics: every problem the compiler finds in a playbook, as data.
 *
 * The compiler never throws for bad input; it collects diagnostics and keeps
 * going, so one run reports every problem. Callers branch on `code`, never on
 * `message` (docs/diagnostics.md lists every code with its cause and fix).
 */

/** The closed list of diagnostic codes. Each one is documented in docs/diagnostics.md. */
export type DiagnosticCode =
  | 'YAML_SYNTAX'
  | 'DUPLICATE_KEY'
  | 'UNKNOWN_KEY'
  | 'MISSING_KEY'
  | 'WRONG_SHAPE'
  | 'INVALID_VALUE'
  | 'INVALID_ID'
  | 'RESERVED_WORD'
  | 'DUPLICATE_ID'
  | 'UNKNOWN_TYPE'
  | 'RULE_SYNTAX'
  | 'RULE_TYPE_MISMATCH'
  | 'UNKNOWN_ATTRIBUTE'
  | 'UNKNOWN_EVENT'
  | 'UNKNOWN_FIELD'
  | 'UNKNOWN_ENUM_MEMBER'
  | 'UNKNOWN_FUNCTION'
  | 'UNKNOWN_NAME'
  | 'WRONG_ARGUMENTS'
  | 'UNKNOWN_HEALTH_COMPONENT'
  | 'NOT_ALLOWED_HERE'
  | 'NOT_AN_INSTANT'
  | 'NOT_A_DURATION'
  | 'UNKNOWN_ROLE'
  | 'UNKNOWN_ACTION'
  | 'ACTION_FIELD_NOT_ALLOWED'
  | 'TEMPLATE_SYNTAX'
  | 'UNKNOWN_PLACEHOLDER'
  | 'TEMPLATE_NOT_FOUND'
  | 'TEMPLATE_FILE'
  | 'MULTIPLE_RENEWAL'
  | 'STEP_NEVER_FIRES'
  | 'DUE_BEFORE_OPENS'
  | 'DUE_AFTER_CONTRACT_END'
  | 'CLOSES_BEFORE_DUE'
  | 'CLOSES_MAY_PRECEDE_DUE';

/** `error` stops a playbook from compiling; `warning` does not. */
export type Severity = 'error' | 'warning';

/** 1-based line and column of an offset. */
export interface LinePos {
  line: number;
  col: number;
}

/** One problem, located by offsets into the playbook source. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  /** The file name as given by the caller. */
  file: string;
  /** `[start, end)` character offsets into the source; `end` is exclusive. */
  range: [number, number];
  /** Line and column of `range[0]`. */
  linePos: LinePos;
}

/**
 * Maps offsets to 1-based line/column with a binary search over the line
 * starts, computed once per source.
 */
export class LineIndex {
  /** Offsets at which each line starts; `lineStarts[0] === 0`. */
  readonly lineStarts: number[] = [0];

  constructor(source: string) {
    for (let i = 0; i < source.length; i++) {
      if (source.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** The 1-based line and column of `offset`. */
  linePos(offset: number): LinePos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }
}

/**
 * Collects diagnostics for one file. Positions are turned into line/column
 * once, here, so every stage deals only in offsets.
 */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  private readonly lines: LineIndex;
  private readonly seen = new Set<string>();

  readonly file: string;
  readonly source: string;

  constructor(file: string, source: string) {
    this.file = file;
    this.source = source;
    this.lines = new LineIndex(source);
  }

  /** Records an error at `[start, end)`; an identical repeat is dropped. */
  error(code: DiagnosticCode, message: string, range: readonly [number, number]): void {
    this.add(code, 'error', message, range);
  }

  warning(code: DiagnosticCode, message: string, range: readonly [number, number]): void {
    this.add(code, 'warning', message, range);
  }

  get hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  private add(code: DiagnosticCode, severity: Severity, message: string, range: readonly [number, number]): void {
    const start = Math.max(0, Math.min(range[0], this.source.length));
    const end = Math.max(start, Math.min(range[1], this.source.length));
    const key = `${start}:${end}:${code}:${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push({ code, severity, message, file: this.file, range: [start, end], linePos: this.lines.linePos(start) });
  }

  /** The diagnostics in source order (stable for equal offsets). */
  sorted(): Diagnostic[] {
    return this.diagnostics
      .map((d, i) => ({ d, i }))
      .sort((a, b) => a.d.range[0] - b.d.range[0] || a.i - b.i)
      .map((x) => x.d);
  }
}

/** `path:line:col: error: message`, the one-line form of reference §13. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.linePos.line}:${d.linePos.col}: ${d.severity}: ${d.message}`;
}
