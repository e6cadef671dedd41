/**
 * The type checker for rules (reference §4), which also lowers the checked AST
 * to IR expressions in the same pass. Every problem is reported through the
 * rule's context; an erroneous sub-expression gets the `error` type, which
 * is compatible with everything, so one mistake is reported once.
 */
import type { Duration, Expr, QueryFn, Ref, ScalarFn, TimeExpr, TimeTerm } from '../ir/schema.ts';
import type { Argument, Node, Span } from '../rules/ast.ts';
import { didYouMean } from '../suggest.ts';
import type { Declarations } from './declarations.ts';
import { fieldsRead, QueryTable } from './query-table.ts';
import type { RuleContext } from './rule-context.ts';
import { refusedAnchor } from './milestone-anchors.ts';
import type { Ty } from './types.ts';
import { BOOLEAN, DATE, describeType, ERROR, fromFieldType, NULL, NUMBER, STRING } from './types.ts';
import type { FieldType } from '../ir/schema.ts';

import { RULE_FUNCTION_NAMES, RULE_FUNCTIONS } from '../ir/vocabulary.ts';
import type { RuleFunction, RuleFunctionName } from '../ir/vocabulary.ts';

const functionNamed = (name: string): RuleFunction | undefined =>
  (RULE_FUNCTION_NAMES as readonly string[]).includes(name) ? RULE_FUNCTIONS[name as RuleFunctionName] : undefined;
/** Names that head a non-event reference; `days_since(<these>)` is a time, not a query. */
const KEYWORD_HEADS = new Set(['customer', 'contract', 'health', 'start', 'opens', 'due', 'now']);

/** An expression node before it gets its id. */
type ExprBody = Expr extends infer E ? (E extends unknown ? Omit<E, 'id'> : never) : never;

interface Checked {
  expr: Expr;
  ty: Ty;
}

/** Where-clause scope: the event whose fields bare names refer to. */
interface FieldScope {
  event: string;
  fields: Map<string, FieldType>;
}

/**
 * Checks rules against one playbook's declarations. Node ids are unique
 * across all rules it checks; `positions` maps each id to its file range.
 */
export class RuleChecker {
  readonly queries = new QueryTable();
  /** Expression node id -> `[start, end)` file offsets (the side table of positions). */
  readonly positions = new Map<number, [number, number]>();
  private nextId = 0;
  private readonly decls: Declarations;

  constructor(decls: Declarations) {
    this.decls = decls;
  }

  /** Checks a condition or score; reports when its type is not `want`. */
  rule(ast: Node, ctx: RuleContext, want: 'boolean' | 'number'): Checked {
    const c = this.check(ast, ctx, null);
    if (c.ty.t !== 'error' && c.ty.t !== want && !(c.ty.t === 'null')) {
      ctx.error('RULE_TYPE_MISMATCH', `${ctx.scope.place} must be ${want === 'boolean' ? 'a condition (true or false)' : 'a number'}, but this is ${describeType(c.ty)}`, ast.span);
    }
    return c;
  }

  private node(expr: ExprBody, span: Span, ctx: RuleContext): Expr {
    const id = this.nextId++;
    this.positions.set(id, ctx.fileRange(span));
    return { id, ...expr } as Expr;
  }

  private bad(span: Span, ctx: RuleContext): Checked {
    return { expr: this.node({ k: 'literal', value: null }, span, ctx), ty: ERROR };
  }

  check(n: Node, ctx: RuleContext, fields: FieldScope | null): Checked {
    switch (n.kind) {
      case 'error':
        return this.bad(n.span, ctx);
      case 'number':
        return { expr: this.node({ k: 'literal', value: n.value }, n.span, ctx), ty: NUMBER };
      case 'string':
        return { expr: this.node({ k: 'literal', value: n.value }, n.span, ctx), ty: STRING };
      case 'boolean':
        return { expr: this.node({ k: 'literal', value: n.value }, n.span, ctx), ty: BOOLEAN };
      case 'null':
        return { expr: this.node({ k: 'literal', value: null }, n.span, ctx), ty: NULL };
      case 'duration':
        ctx.error('NOT_ALLOWED_HERE', `a duration such as \`${ctx.slice(n.span)}\` is not a value on its own; add it to a time (\`start + ${ctx.slice(n.span)}\`) or use it after \`within\``, n.span);
        return this.bad(n.span, ctx);
      case 'time_point':
        if (fields) return this.notInWhere(n, ctx);
        return this.timeValue(n, ctx);
      case 'list':
        ctx.error('NOT_ALLOWED_HERE', 'a list can only follow `in`, as in `customer.tier in ["vip", "growth"]`', n.span);
        return this.bad(n.span, ctx);
      case 'path':
        return this.reference(n, ctx, fields);
      case 'call':
        return this.call(n, ctx, fields);
      case 'not': {
        const operand = this.check(n.operand, ctx, fields);
        this.expectLogical(operand, n.operand.span, ctx, '`not`');
        return { expr: this.node({ k: 'not', operand: operand.expr }, n.span, ctx), ty: BOOLEAN };
      }
      case 'neg': {
        const operand = this.check(n.operand, ctx, fields);
        this.expect(operand, NUMBER, n.operand.span, ctx, 'unary `-`');
        return { expr: this.node({ k: 'neg', operand: operand.expr }, n.span, ctx), ty: NUMBER };
      }
      case 'is_null': {
        const operand = this.check(n.operand, ctx, fields);
        return { expr: this.node({ k: 'is_null', operand: operand.expr, negated: n.negated }, n.span, ctx), ty: BOOLEAN };
      }
      case 'in':
        return this.membership(n, ctx, fields);
      case 'binary':
        return this.binary(n, ctx, fields);
    }
  }

  private expect(c: Checked, want: Ty, span: Span, ctx: RuleContext, what: string): void {
    if (c.ty.t === 'error' || c.ty.t === 'null' || c.ty.t === want.t) return;
    ctx.error('RULE_TYPE_MISMATCH', `${what} needs ${describeType(want)}, but \`${ctx.slice(span)}\` is ${describeType(c.ty)}`, span);
  }

  private expectLogical(c: Checked, span: Span, ctx: RuleContext, what: string): void {
    this.expect(c, BOOLEAN, span, ctx, what);
  }

  private binary(n: Extract<Node, { kind: 'binary' }>, ctx: RuleContext, fields: FieldScope | null): Checked {
    const { op } = n;
    if ((op === '+' || op === '-') && isTimeChain(n)) return fields ? this.notInWhere(n, ctx) : this.timeValue(n, ctx);
    // `customer.tier == vip`: check the side that is not a bare word first, so
    // the bare word can be recognised as an enum member missing its quotes.
    const bareLeft = (op === '==' || op === '!=') && this.isBareUnknown(n.left, fields);
    const first = this.check(bareLeft ? n.right : n.left, ctx, fields);
    const second = this.withQuoteHint(first.ty, () => this.check(bareLeft ? n.left : n.right, ctx, fields));
    const [left, right] = bareLeft ? [second, first] : [first, second];
    const expr = (): Expr => this.node({ k: 'binary', op, left: left.expr, right: right.expr }, n.span, ctx);
    if (op === 'and' || op === 'or') {
      this.expectLogical(left, n.left.span, ctx, `\`${op}\``);
      this.expectLogical(right, n.right.span, ctx, `\`${op}\``);
      return { expr: expr(), ty: BOOLEAN };
    }
    if (op === '+' || op === '-' || op === '*' || op === '/') {
      if (left.ty.t === 'date' && op === '-') {
        ctx.error('RULE_TYPE_MISMATCH', 'dates cannot be subtracted; use `days_since(...)` to measure time', n.opSpan);
        return this.bad(n.span, ctx);
      }
      this.expect(left, NUMBER, n.left.span, ctx, `\`${op}\``);
      this.expect(right, NUMBER, n.right.span, ctx, `\`${op}\``);
      return { expr: expr(), ty: NUMBER };
    }
    // Comparisons.
    if (left.ty.t === 'null' || right.ty.t === 'null') {
      const other = left.ty.t === 'null' ? n.right : n.left;
      const neg = op === '!=' ? 'not ' : '';
      ctx.error('RULE_TYPE_MISMATCH', `a comparison with \`null\` is always false; write \`${ctx.slice(other.span)} is ${neg}null\``, n.opSpan);
      return { expr: expr(), ty: BOOLEAN };
    }
    if (left.ty.t !== 'error' && right.ty.t !== 'error') {
      if (left.ty.t !== right.ty.t) {
        ctx.error('RULE_TYPE_MISMATCH', `cannot compare ${describeType(left.ty)} (\`${ctx.slice(n.left.span)}\`) with ${describeType(right.ty)} (\`${ctx.slice(n.right.span)}\`)`, n.opSpan);
      } else if (op !== '==' && op !== '!=' && left.ty.t !== 'number' && left.ty.t !== 'date') {
        ctx.error('RULE_TYPE_MISMATCH', `\`${op}\` orders numbers and dates only, not ${describeType(left.ty)}`, n.opSpan);
      } else {
        this.enumMember(left.ty, n.right, ctx);
        this.enumMember(right.ty, n.left, ctx);
      }
    }
    return { expr: expr(), ty: BOOLEAN };
  }

  /** Reports a string literal that is not a member of the enum it is compared with. */
  private enumMember(ty: Ty, literal: Node, ctx: RuleContext): void {
    if (!ty.members || literal.kind !== 'string') return;
    if (ty.members.includes(literal.value)) return;
    ctx.error('UNKNOWN_ENUM_MEMBER', `"${literal.value}" is not one of ${ty.members.map((m) => `"${m}"`).join(', ')}${didYouMean(literal.value, ty.members, (m) => `"${m}"`)}`, literal.span);
  }

  private membership(n: Extract<Node, { kind: 'in' }>, ctx: RuleContext, fields: FieldScope | null): Checked {
    const operand = this.check(n.operand, ctx, fields);
    if (n.list.kind !== 'list') {
      ctx.error('RULE_TYPE_MISMATCH', '`in` needs a list literal such as ["a", "b"]', n.list.span);
      return { expr: this.node({ k: 'in', operand: operand.expr, list: this.bad(n.list.span, ctx).expr }, n.span, ctx), ty: BOOLEAN };
    }
    const items: Expr[] = [];
    for (const item of n.list.items) {
      const c = this.withQuoteHint(operand.ty, () => this.check(item, ctx, fields));
      items.push(c.expr);
      if (operand.ty.t !== 'error' && c.ty.t !== 'error' && operand.ty.t !== 'null' && c.ty.t !== operand.ty.t) {
        ctx.error('RULE_TYPE_MISMATCH', `this list item is ${describeType(c.ty)}, but \`${ctx.slice(n.operand.span)}\` is ${describeType(operand.ty)}`, item.span);
      } else {
        this.enumMember(operand.ty, item, ctx);
      }
    }
    const list = this.node({ k: 'list', items }, n.list.span, ctx);
    return { expr: this.node({ k: 'in', operand: operand.expr, list }, n.span, ctx), ty: BOOLEAN };
  }

  /** Enum members a bare word may be meant as (`customer.tier == vip`), while checking the other side. */
  private quoteHint: readonly string[] | undefined;

  private withQuoteHint<T>(ty: Ty, f: () => T): T {
    const saved = this.quoteHint;
    this.quoteHint = ty.members;
    try {
      return f();
    } finally {
      this.quoteHint = saved;
    }
  }

  /** A lone word that names nothing: no keyword, event, field or attribute. */
  private isBareUnknown(n: Node, fields: FieldScope | null): boolean {
    if (n.kind !== 'path' || n.members.length > 0 || KEYWORD_HEADS.has(n.head.name)) return false;
    return !(fields?.fields.has(n.head.name) ?? false) && !this.decls.events.has(n.head.name);
  }

  /** Reports a bare word that is a member of the enum it is compared with; true when it did. */
  private unquotedMember(name: string, span: Span, ctx: RuleContext): boolean {
    if (!this.quoteHint?.includes(name)) return false;
    ctx.error('UNKNOWN_NAME', `\`${name}\` is a value, not a name: write it in double quotes, "${name}"`, span);
    return true;
  }

  // -------------------------------------------------------------------------
  // References

  private reference(n: Extract<Node, { kind: 'path' }>, ctx: RuleContext, fields: FieldScope | null): Checked {
    const { head, members } = n;
    const ref = (r: Ref, ty: Ty): Checked => ({ expr: this.node({ k: 'ref', ref: r }, n.span, ctx), ty });
    switch (head.name) {
      case 'customer': {
        const attr = members[0];
        if (!attr) {
          ctx.error('UNKNOWN_ATTRIBUTE', `\`customer\` needs an attribute, as in \`customer.${[...this.decls.customer.keys()][0] ?? 'name'}\``, n.span);
          return this.bad(n.span, ctx);
        }
        const type = this.decls.customer.get(attr.name);
        if (!type) {
          ctx.error('UNKNOWN_ATTRIBUTE', `the customer has no attribute \`${attr.name}\`${didYouMean(attr.name, this.decls.customer.keys(), (s) => `customer.${s}`)}`, attr.span);
          return this.bad(n.span, ctx);
        }
        if (this.extraMembers(n, 1, ctx)) return this.bad(n.span, ctx);
        return ref({ kind: 'customer', attr: attr.name }, fromFieldType(type));
      }
      case 'contract': {
        if (fields) return this.notInWhere(n, ctx);
        const m = members[0];
        if (!m || (m.name !== 'start' && m.name !== 'end')) {
          ctx.error('UNKNOWN_ATTRIBUTE', `the contract has \`contract.start\` and \`contract.end\`${m ? didYouMean(m.name, ['start', 'end'], (s) => `contract.${s}`) : ''}`, m?.span ?? n.span);
          return this.bad(n.span, ctx);
        }
        if (this.extraMembers(n, 1, ctx)) return this.bad(n.span, ctx);
        return ref({ kind: m.name === 'start' ? 'contract_start' : 'contract_end' }, DATE);
      }
      case 'health': {
        if (fields) {
          ctx.error('NOT_ALLOWED_HERE', 'inside `where` only the event\'s fields and `customer.*` can be used', n.span);
          return this.bad(n.span, ctx);
        }
        if (!this.decls.health) {
          ctx.error('NOT_ALLOWED_HERE', 'this playbook declares no `health`; add a `health:` section with components first', n.span);
          return this.bad(n.span, ctx);
        }
        if (!ctx.scope.health) {
          ctx.error('NOT_ALLOWED_HERE', 'a health component\'s score cannot read `health` itself', n.span);
          return this.bad(n.span, ctx);
        }
        const c = members[0];
        if (!c) return ref({ kind: 'health' }, NUMBER);
        if (!this.decls.health.has(c.name)) {
          ctx.error('UNKNOWN_HEALTH_COMPONENT', `health has no component \`${c.name}\`${didYouMean(c.name, this.decls.health, (s) => `health.${s}`)}`, c.span);
          return this.bad(n.span, ctx);
        }
        if (this.extraMembers(n, 1, ctx)) return this.bad(n.span, ctx);
        return ref({ kind: 'health_component', component: c.name }, NUMBER);
      }
      case 'start':
      case 'opens':
      case 'due':
        if (fields) return this.notInWhere(n, ctx);
        return this.timeValue(n, ctx);
      case 'event':
        if (this.decls.events.has('event') && n.members.length === 0) break;
        return this.eventField(n, ctx, fields);
      case 'now':
        ctx.error('NOT_ALLOWED_HERE', '`now` cannot be used directly; measure time with `days_since(...)` or an event window (`within 30 days`)', n.span);
        return this.bad(n.span, ctx);
      default:
        break;
    }
    if (n.members.length === 0 && this.unquotedMember(head.name, head.span, ctx)) return this.bad(n.span, ctx);
    if (fields) {
      const type = fields.fields.get(head.name);
      if (!type) {
        const asCustomer = this.decls.customer.has(head.name) ? `; for the customer's attribute write \`customer.${head.name}\`` : '';
        ctx.error('UNKNOWN_FIELD', `the event \`${fields.event}\` has no field \`${head.name}\`${asCustomer || didYouMean(head.name, fields.fields.keys())}`, head.span);
        return this.bad(n.span, ctx);
      }
      if (this.extraMembers(n, 0, ctx)) return this.bad(n.span, ctx);
      return ref({ kind: 'field', field: head.name }, fromFieldType(type));
    }
    if (this.decls.events.has(head.name)) {
      ctx.error('NOT_ALLOWED_HERE', `the event \`${head.name}\` can only be read through an event function, such as \`happened(${head.name})\` or \`count(${head.name})\``, n.span);
      return this.bad(n.span, ctx);
    }
    if (this.decls.customer.has(head.name)) {
      ctx.error('UNKNOWN_NAME', `unknown name \`${head.name}\`; did you mean \`customer.${head.name}\`?`, head.span);
      return this.bad(n.span, ctx);
    }
    const candidates = [...[...this.decls.customer.keys()].map((a) => `customer.${a}`), 'contract.start', 'contract.end', 'start', ...(this.decls.health ? ['health'] : [])];
    ctx.error('UNKNOWN_NAME', `unknown name \`${head.name}\`${didYouMean(head.name, [...this.decls.events.keys(), ...candidates.map((c) => c.replace(/^customer\./, ''))], (s) => (this.decls.customer.has(s) ? `customer.${s}` : s))}`, head.span);
    return this.bad(n.span, ctx);
  }

  /**
   * (v2) `event.<field>` in a trigger's action `when`: the triggering event's
   * field, read like a bare field inside `where` (a `field` reference).
   */
  private eventField(n: Extract<Node, { kind: 'path' }>, ctx: RuleContext, fields: FieldScope | null): Checked {
    const trigger = ctx.scope.triggerEvent;
    if (!trigger || fields) {
      ctx.error('NOT_ALLOWED_HERE', fields
        ? 'inside `where` the event\'s fields are written bare (`severity`, not `event.severity`)'
        : '`event.<field>` reads the event that fired a trigger, so it can only be used in a trigger\'s actions (their `when` and templates)', n.span);
      return this.bad(n.span, ctx);
    }
    const member = n.members[0];
    const type = member ? trigger.fields.get(member.name) : undefined;
    if (!member || !type) {
      const what = member ? `the event \`${trigger.name}\` has no field \`${member.name}\`` : '`event` needs a field, as in `event.<field>`';
      const hint = member ? didYouMean(member.name, trigger.fields.keys(), (f) => `event.${f}`) : '';
      const declared = trigger.fields.size ? (hint ? '' : ` (its fields: ${[...trigger.fields.keys()].join(', ')})`) : ' (it declares no fields)';
      ctx.error('UNKNOWN_FIELD', `${what}${hint}${declared}`, member?.span ?? n.span);
      return this.bad(n.span, ctx);
    }
    if (this.extraMembers(n, 1, ctx)) return this.bad(n.span, ctx);
    return { expr: this.node({ k: 'ref', ref: { kind: 'field', field: member.name } }, n.span, ctx), ty: fromFieldType(type) };
  }

  /** `where` reads the event's own fields and the customer only (reference §4); times belong in `since`. */
  private notInWhere(n: Node, ctx: RuleContext): Checked {
    ctx.error('NOT_ALLOWED_HERE', `inside \`where\` only the event's fields and \`customer.*\` can be used; to limit events by time, use \`within\` or \`since\` after the \`where\` condition`, n.span);
    return this.bad(n.span, ctx);
  }

  private extraMembers(n: Extract<Node, { kind: 'path' }>, allowed: number, ctx: RuleContext): boolean {
    const extra = n.members[allowed];
    if (!extra) return false;
    ctx.error('UNKNOWN_ATTRIBUTE', `\`${ctx.slice([n.span[0], extra.span[0] - 1])}\` has no member \`${extra.name}\``, extra.span);
    return true;
  }

  // -------------------------------------------------------------------------
  // Time

  /** A time expression used as a value: lowered to a `time` node (or a contract ref). */
  private timeValue(n: Node, ctx: RuleContext): Checked {
    const time = this.time(n, ctx);
    if (!time) return this.bad(n.span, ctx);
    return { expr: this.node({ k: 'time', time }, n.span, ctx), ty: DATE };
  }

  /**
   * Normalises a time expression (reference §3) to an anchor plus signed duration
   * terms: `month 3 - 7 days` is `start + 3 months - 7 days`.
   */
  time(n: Node, ctx: RuleContext): TimeExpr | undefined {
    if (/^\s*\d{4}\s*-\s*\d{1,2}\s*-\s*\d{1,2}\s*$/.test(ctx.slice(n.span))) {
      ctx.error('NOT_AN_INSTANT', `\`${ctx.slice(n.span).trim()}\` is a calendar date; a playbook is written for any contract, so write times relative to it, such as \`month 3\` or \`contract.end - 30 days\``, n.span);
      return undefined;
    }
    const terms: TimeTerm[] = [];
    const anchor = this.timeChain(n, ctx, terms);
    if (!anchor) return undefined;
    return { anchor, terms, source: ctx.slice(n.span) };
  }

  private timeChain(n: Node, ctx: RuleContext, terms: TimeTerm[]): TimeExpr['anchor'] | undefined {
    if (n.kind === 'binary' && (n.op === '+' || n.op === '-')) {
      const anchor = this.timeChain(n.left, ctx, terms);
      const d = this.duration(n.right, ctx);
      if (!anchor || !d) return undefined;
      terms.push({ sign: n.op === '+' ? 1 : -1, duration: d });
      return anchor;
    }
    if (n.kind === 'time_point') {
      if (!Number.isInteger(n.amount)) {
        ctx.error('NOT_AN_INSTANT', `\`${n.unit} N\` takes a whole number`, n.span);
        return undefined;
      }
      terms.push(n.unit === 'month' ? { sign: 1, duration: { amount: n.amount, unit: 'month' } } : { sign: 1, duration: { amount: n.unit === 'week' ? 7 * n.amount : n.amount, unit: 'day' } });
      return 'start';
    }
    if (n.kind === 'path') {
      const name = n.head.name;
      const member = n.members[0]?.name;
      if (name === 'start' && n.members.length === 0) return 'start';
      if (name === 'contract' && n.members.length === 1 && (member === 'start' || member === 'end')) return member === 'start' ? 'start' : 'contract_end';
      if ((name === 'opens' || name === 'due') && n.members.length === 0) {
        if (!ctx.scope.milestone) {
          ctx.error('NOT_ALLOWED_HERE', `\`${name}\` is a milestone's own instant and can only be used inside a milestone`, n.span);
          return undefined;
        }
        if (!ctx.scope.anchors.has(name)) {
          ctx.error('NOT_ALLOWED_HERE', refusedAnchor(name, ctx.scope), n.span);
          return undefined;
        }
        return name;
      }
    }
    if (n.kind === 'error') return undefined;
    ctx.error('NOT_AN_INSTANT', `expected a time (start, contract.end, month N, week N, day N${ctx.scope.milestone ? ', opens, due' : ''}), found \`${ctx.slice(n.span)}\``, n.span);
    return undefined;
  }

  /** A duration literal `N unit` with N a whole number. */
  duration(n: Node, ctx: RuleContext): Duration | undefined {
    if (n.kind === 'duration') {
      if (!Number.isInteger(n.amount)) {
        ctx.error('NOT_A_DURATION', `a duration takes a whole number of ${n.unit}s; write it in a smaller unit`, n.span);
        return undefined;
      }
      return { amount: n.amount, unit: n.unit };
    }
    if (n.kind === 'error') return undefined;
    const hint = n.kind === 'number' ? `; add a unit, as in \`${n.value} days\`` : '';
    ctx.error('NOT_A_DURATION', `expected a duration (N hours, days, weeks, months or years), found \`${ctx.slice(n.span)}\`${hint}`, n.span);
    return undefined;
  }

  // -------------------------------------------------------------------------
  // Function calls and event queries

  private call(n: Extract<Node, { kind: 'call' }>, ctx: RuleContext, fields: FieldScope | null): Checked {
    const name = n.callee.name;
    const def = n.members.length > 0 ? undefined : functionNamed(name);
    if (!def) {
      const full = [n.callee.name, ...n.members.map((m) => m.name)].join('.');
      ctx.error('UNKNOWN_FUNCTION', `unknown function \`${full}\`${didYouMean(full, RULE_FUNCTION_NAMES)}`, [n.callee.span[0], (n.members.at(-1) ?? n.callee).span[1]]);
      // The arguments are not checked: their meaning depends on the function
      // the author meant, and guessing would add noise to the one real error.
      return this.bad(n.span, ctx);
    }
    const args = n.args;
    // A function that is both (`min`, `max`) is the event function when given one argument.
    const isScalar =
      (def.scalar !== undefined && (def.query === undefined || args.length !== 1)) ||
      (def.time === true && args.length === 1 && !looksLikeQuery(args[0]!));
    if (def.time && isScalar) {
      const a = args[0]!;
      const time = this.time(a.value, ctx);
      if (!time) return this.bad(n.span, ctx);
      return { expr: this.node({ k: 'days_since_time', time }, n.span, ctx), ty: NUMBER };
    }
    if (isScalar && def.scalar) {
      const fn = name as ScalarFn;
      const arity = def.scalar.arity;
      if (args.length !== arity) {
        ctx.error('WRONG_ARGUMENTS', `\`${fn}\` takes ${arity} argument${arity > 1 ? 's' : ''}${def.query ? ` (or one event field, as in \`${fn}(usage.minutes)\`)` : ''}, found ${args.length}`, n.span);
      }
      const checked = args.map((a) => {
        this.noClauses(a, ctx, fn);
        const c = this.check(a.value, ctx, fields);
        this.expect(c, NUMBER, a.value.span, ctx, `\`${fn}\``);
        return c.expr;
      });
      return { expr: this.node({ k: 'call', fn, args: checked }, n.span, ctx), ty: NUMBER };
    }
    const fn = name as QueryFn;
    if (!def.query) return this.bad(n.span, ctx);
    if (args.length !== 1) {
      ctx.error('WRONG_ARGUMENTS', `\`${fn}\` takes one event query, as in \`${fn}(${exampleQuery(fn)})\`, found ${args.length} arguments`, n.span);
      return this.bad(n.span, ctx);
    }
    if (fields) {
      ctx.error('NOT_ALLOWED_HERE', `event functions such as \`${fn}\` cannot be used inside \`where\``, n.span);
      return this.bad(n.span, ctx);
    }
    const q = this.query(args[0]!, ctx, fn);
    if (!q) return this.bad(n.span, ctx);
    return { expr: this.node({ k: 'query', fn, query: q.index }, n.span, ctx), ty: q.ty };
  }

  private noClauses(a: Argument, ctx: RuleContext, fn: string): void {
    if (a.where) ctx.error('NOT_ALLOWED_HERE', `\`where\` belongs to event queries; \`${fn}\` takes plain values`, a.where.span);
    if (a.window) ctx.error('NOT_ALLOWED_HERE', `\`${a.window.kind}\` belongs to event queries; \`${fn}\` takes plain values`, a.window.keywordSpan);
  }

  /**
   * Checks an event query and interns it. `fn` decides whether a field is
   * required (`sum(usage.minutes)`) or forbidden (`count(usage)`); `null`
   * is a trigger's `on`, which takes neither a field nor a window.
   */
  query(a: Argument, ctx: RuleContext, fn: QueryFn | null): { index: number; ty: Ty; event: string } | undefined {
    const v = a.value;
    if (v.kind !== 'path' || KEYWORD_HEADS.has(v.head.name) || v.members.length > 1) {
      if (v.kind !== 'error') {
        ctx.error('WRONG_ARGUMENTS', fn ? `\`${fn}\` takes an event, as in \`${fn}(${exampleQuery(fn)})\`, not \`${ctx.slice(v.span)}\`` : `expected an event type, as in \`complaint where severity >= 2\`, found \`${ctx.slice(v.span)}\``, v.span);
      }
      return undefined;
    }
    const event = v.head.name;
    const eventFields = this.decls.events.get(event);
    if (!eventFields) {
      ctx.error('UNKNOWN_EVENT', `unknown event type \`${event}\`${didYouMean(event, this.decls.events.keys())}${this.decls.events.size && !didYouMean(event, this.decls.events.keys()) ? ` (declared: ${[...this.decls.events.keys()].join(', ')})` : ''}`, v.head.span);
      return undefined;
    }
    const fieldName = v.members[0];
    let ty: Ty = ERROR;
    let ok = true;
    if (fieldName) {
      const ft = eventFields.get(fieldName.name);
      if (!ft) {
        ctx.error('UNKNOWN_FIELD', `the event \`${event}\` has no field \`${fieldName.name}\`${didYouMean(fieldName.name, eventFields.keys())}${eventFields.size === 0 ? ' (it declares no fields)' : ''}`, fieldName.span);
        ok = false;
      } else {
        ty = fromFieldType(ft);
      }
    }
    const spec = fn === null ? { field: 'none' as const, result: 'number' as const } : RULE_FUNCTIONS[fn].query;
    if (spec.field === 'none') {
      if (fieldName) {
        ctx.error('WRONG_ARGUMENTS', fn ? `\`${fn}\` looks at whole events; drop \`.${fieldName.name}\`` : `a trigger fires on events; drop \`.${fieldName.name}\``, fieldName.span);
        ok = false;
      }
    } else if (!fieldName) {
      const example = spec.field === 'number' ? [...eventFields].find(([, t]) => t.kind === 'number')?.[0] : [...eventFields.keys()][0];
      const why = spec.field === 'number' ? 'needs a number field of the event' : fn === 'latest' ? 'reads a field of the most recent event' : 'counts the distinct values of a field of the event';
      ctx.error('WRONG_ARGUMENTS', `\`${fn}\` ${why}, as in \`${fn}(${event}.${example ?? 'field'})\``, v.span);
      ok = false;
    } else if (spec.field === 'number' && ty.t !== 'number' && ty.t !== 'error') {
      ctx.error('RULE_TYPE_MISMATCH', `\`${fn}\` needs a number field, but \`${event}.${fieldName.name}\` is ${describeType(ty)}`, fieldName.span);
      ok = false;
    }
    if (spec.result !== 'field') ty = spec.result === 'boolean' ? BOOLEAN : NUMBER;
    const scope: FieldScope = { event, fields: eventFields };
    let where: Expr | null = null;
    if (a.where) {
      const w = this.check(a.where, ctx, scope);
      if (w.ty.t !== 'error' && w.ty.t !== 'boolean' && w.ty.t !== 'null') {
        ctx.error('RULE_TYPE_MISMATCH', `\`where\` needs a condition, but this is ${describeType(w.ty)}`, a.where.span);
      }
      where = w.expr;
    }
    let window: { kind: 'within'; duration: Duration } | { kind: 'since'; time: TimeExpr } | null = null;
    let milestone: string | null = null;
    if (a.window) {
      if (fn === null) {
        ctx.error('NOT_ALLOWED_HERE', `a trigger fires once per event as it arrives; \`${a.window.kind}\` does not apply`, a.window.keywordSpan);
        ok = false;
      } else if (a.window.kind === 'within') {
        const d = this.duration(a.window.value, ctx);
        if (d) window = { kind: 'within', duration: d };
        else ok = false;
      } else {
        const t = this.time(a.window.value, ctx);
        if (t) {
          window = { kind: 'since', time: t };
          if (t.anchor === 'opens' || t.anchor === 'due') milestone = ctx.scope.milestone?.id ?? null;
        } else ok = false;
      }
    }
    if (!ok) return undefined;
    const index = this.queries.intern({ event, field: fieldName?.name ?? null, where, window, milestone, source: ctx.slice(a.span) });
    return { index, ty, event };
  }

  /** The data fields of `event` that the interned queries read (for retention). */
  static fieldsOf(q: { field: string | null; where: Expr | null }): Set<string> {
    const s = fieldsRead(q.where, new Set<string>());
    if (q.field) s.add(q.field);
    return s;
  }
}

/** True when `n` is `<time> ± <duration> ...` (so `+`/`-` is time arithmetic, not numbers). */
function isTimeChain(n: Node): boolean {
  let cur: Node = n;
  while (cur.kind === 'binary' && (cur.op === '+' || cur.op === '-')) {
    if (cur.right.kind === 'duration') return true;
    cur = cur.left;
  }
  return cur.kind === 'time_point' || (cur.kind === 'path' && ['start', 'opens', 'due'].includes(cur.head.name) && cur.members.length === 0);
}

function looksLikeQuery(a: Argument): boolean {
  if (a.where || a.window) return true;
  return a.value.kind === 'path' && !KEYWORD_HEADS.has(a.value.head.name);
}

function exampleQuery(fn: QueryFn): string {
  return RULE_FUNCTIONS[fn].query.example;
}
