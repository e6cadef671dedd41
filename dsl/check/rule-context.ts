/**
 * Where a rule is written, and what it may therefore use. One context per
 * YAML scalar being checked; it also maps rule-local offsets to the file.
 */
import type { DiagnosticCode, DiagnosticSink } from '../diagnostics.ts';
import type { FieldType, TimeExpr } from '../ir/schema.ts';
import type { ScalarOffsets } from '../yaml/scalar-offsets.ts';
import { mapRange } from '../yaml/scalar-offsets.ts';
import type { Span } from '../rules/ast.ts';

/** What a rule may use, by where it is written. */
export interface RuleScope {
  /** The milestone the rule belongs to, if any (`opens`/`due`/`owner`/`{{milestone.*}}` need one). */
  milestone: { id: string; owner: string; title: string } | null;
  /** Which of `opens` / `due` may be used (a milestone field may not be defined from itself or through a cycle). */
  anchors: ReadonlySet<'opens' | 'due'>;
  /**
   * The milestone instant this time expression defines, and how the other one
   * is written (when known), so a refused anchor is explained as the cycle it
   * would close; `undefined` for every other rule.
   */
  defining?: { field: 'opens' | 'due'; other: TimeExpr | null };
  /** False inside health scores: a score cannot read the health it makes up. */
  health: boolean;
  /** The trigger's event fields, for `{{event.<field>}}`; `null` outside triggers. */
  triggerEvent: { name: string; fields: Map<string, FieldType> } | null;
  /** (v2) Inside an open_task's `overdue:` actions, where `{{task.title}}` and `{{task.due}}` exist. */
  task?: boolean;
  /** Describes the place for messages: "a milestone's done_when", ... */
  place: string;
}

/** One rule being checked: its text, its scope, and the way from its offsets to the file's. */
export class RuleContext {
  readonly text: string;
  readonly scope: RuleScope;
  private readonly offsets: ScalarOffsets;
  private readonly sink: DiagnosticSink;

  constructor(text: string, offsets: ScalarOffsets, scope: RuleScope, sink: DiagnosticSink) {
    this.text = text;
    this.offsets = offsets;
    this.scope = scope;
    this.sink = sink;
  }

  /** File offsets of a rule-local span. */
  fileRange(span: Span): [number, number] {
    return mapRange(this.offsets, span[0], span[1]);
  }

  error(code: DiagnosticCode, message: string, span: Span): void {
    this.sink.error(code, message, this.fileRange(span));
  }

  /** The source text of a span. */
  slice(span: Span): string {
    return this.text.slice(span[0], span[1]);
  }
}
