/**
 * The rules AST: what the visitor builds from the CST, before checking.
 * Spans are `[start, end)` offsets into the rule's own text; the compiler
 * maps them into the YAML file.
 */
import type { DurationUnit } from '../ir/schema.ts';

/** `[start, end)` offsets into the rule's text. */
export type Span = readonly [number, number];

/** A name as written, with its span. */
export interface Name {
  name: string;
  span: Span;
}

/** An event-function argument with its optional query clauses. */
export interface Argument {
  value: Node;
  where: Node | null;
  window: { kind: 'within' | 'since'; value: Node; keywordSpan: Span } | null;
  span: Span;
}

/** An AST node. */
export type Node =
  | { kind: 'number'; value: number; span: Span }
  | { kind: 'string'; value: string; span: Span }
  | { kind: 'boolean'; value: boolean; span: Span }
  | { kind: 'null'; span: Span }
  | { kind: 'duration'; amount: number; unit: DurationUnit; span: Span }
  /** `month N`, `week N`, `day N`. */
  | { kind: 'time_point'; unit: 'month' | 'week' | 'day'; amount: number; span: Span }
  | { kind: 'list'; items: Node[]; span: Span }
  | { kind: 'path'; head: Name; members: Name[]; span: Span }
  | { kind: 'call'; callee: Name; members: Name[]; args: Argument[]; span: Span }
  | { kind: 'not'; operand: Node; span: Span }
  | { kind: 'neg'; operand: Node; span: Span }
  | { kind: 'binary'; op: '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | 'and' | 'or'; opSpan: Span; left: Node; right: Node; span: Span }
  | { kind: 'in'; operand: Node; list: Node; span: Span }
  | { kind: 'is_null'; operand: Node; negated: boolean; span: Span }
  /** A syntax error recovered by the parser: checking skips it. */
  | { kind: 'error'; span: Span };
