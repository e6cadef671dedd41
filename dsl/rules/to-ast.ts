/**
 * The CST visitor: turns Chevrotain's concrete syntax tree into the typed
 * AST of ast.ts. Parts the parser recovered from are `error` nodes, so the
 * checker can skip them without reporting follow-on noise.
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { DurationUnit } from '../ir/schema.ts';
import type { Argument, Name, Node, Span } from './ast.ts';
import type * as Cst from './cst.ts';
import { rulesParser } from './parser.ts';

const BaseVisitor = rulesParser.getBaseCstVisitorConstructorWithDefaults();

function isToken(e: CstElement | undefined): e is IToken {
  return e !== undefined && 'image' in e;
}

function isNode(e: CstElement | undefined): e is CstNode {
  return e !== undefined && 'children' in e;
}

function tokenSpan(t: IToken): Span {
  return [t.startOffset, t.startOffset + t.image.length];
}

function nodeSpan(n: CstNode): Span {
  const loc = n.location;
  if (loc && Number.isFinite(loc.startOffset) && Number.isFinite(loc.endOffset)) return [loc.startOffset, (loc.endOffset ?? loc.startOffset) + 1];
  return [0, 0];
}

function realToken(t: IToken | undefined): t is IToken {
  return t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

function join(a: Span, b: Span): Span {
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

const UNITS: Record<string, DurationUnit> = {
  hour: 'hour', hours: 'hour', day: 'day', days: 'day', week: 'week', weeks: 'week',
  month: 'month', months: 'month', year: 'year', years: 'year',
};

const COMPARE: Record<string, '==' | '!=' | '<' | '<=' | '>' | '>='> = {
  '==': '==', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=',
};

/** Builds the AST from a CST; `text` is the rule source, for string unescaping. */
class AstBuilder extends BaseVisitor implements Cst.RulesCstVisitor<Span | undefined, Node | Argument> {
  constructor() {
    super();
    this.validateVisitor();
  }

  node(e: CstElement | undefined): Node {
    if (!isNode(e) || e.recoveredNode) return { kind: 'error', span: isNode(e) ? nodeSpan(e) : [0, 0] };
    return this.visit(e) as Node;
  }

  expression(c: Cst.ExpressionCstChildren): Node {
    return this.node(c.orExpr?.[0]);
  }

  private leftAssoc(operands: CstElement[] | undefined, operators: IToken[], ops: (t: IToken) => string): Node {
    const list = operands ?? [];
    let left = this.node(list[0]);
    for (let i = 1; i < list.length; i++) {
      const right = this.node(list[i]);
      const opToken = operators[i - 1];
      if (!opToken) return { kind: 'error', span: join(left.span, right.span) };
      left = {
        kind: 'binary',
        op: ops(opToken) as 'and',
        opSpan: tokenSpan(opToken),
        left,
        right,
        span: join(left.span, right.span),
      };
    }
    return left;
  }

  orExpr(c: Cst.OrExprCstChildren): Node {
    return this.leftAssoc(c.operands, (c.Or ?? []).filter(isToken), () => 'or');
  }

  andExpr(c: Cst.AndExprCstChildren): Node {
    return this.leftAssoc(c.operands, (c.And ?? []).filter(isToken), () => 'and');
  }

  notExpr(c: Cst.NotExprCstChildren): Node {
    const not = c.Not?.[0];
    if (isToken(not)) {
      const operand = this.node(c.notExpr?.[0]);
      return { kind: 'not', operand, span: join(tokenSpan(not), operand.span) };
    }
    return this.node(c.comparison?.[0]);
  }

  comparison(c: Cst.ComparisonCstChildren): Node {
    const left = this.node(c.left?.[0]);
    const op = c.CompareOp?.[0];
    if (isToken(op)) {
      const right = this.node(c.right?.[0]);
      return { kind: 'binary', op: COMPARE[op.image] ?? '==', opSpan: tokenSpan(op), left, right, span: join(left.span, right.span) };
    }
    if (isToken(c.In?.[0])) {
      const list = this.node(c.right?.[0]);
      return { kind: 'in', operand: left, list, span: join(left.span, list.span) };
    }
    const is = c.Is?.[0];
    if (isToken(is)) {
      const nul = c.Null?.[0];
      const end = isToken(nul) && realToken(nul) ? tokenSpan(nul) : tokenSpan(is);
      return { kind: 'is_null', operand: left, negated: isToken(c.Not?.[0]), span: join(left.span, end) };
    }
    return left;
  }

  additive(c: Cst.AdditiveCstChildren): Node {
    return this.leftAssoc(c.operands, (c.operators ?? []).filter(isToken).sort((a, b) => a.startOffset - b.startOffset), (t) => t.image);
  }

  multiplicative(c: Cst.MultiplicativeCstChildren): Node {
    return this.leftAssoc(c.operands, (c.operators ?? []).filter(isToken).sort((a, b) => a.startOffset - b.startOffset), (t) => t.image);
  }

  unary(c: Cst.UnaryCstChildren): Node {
    const minus = c.Minus?.[0];
    if (isToken(minus)) {
      const operand = this.node(c.unary?.[0]);
      return { kind: 'neg', operand, span: join(tokenSpan(minus), operand.span) };
    }
    return this.node(c.primary?.[0]);
  }

  primary(c: Cst.PrimaryCstChildren): Node {
    const sub = c.numberOrDuration?.[0] ?? c.list?.[0] ?? c.parenthesized?.[0] ?? c.timePoint?.[0] ?? c.callOrReference?.[0];
    if (sub) return this.node(sub);
    const str = c.StringLiteral?.[0];
    if (isToken(str)) return { kind: 'string', value: unescapeString(str.image), span: tokenSpan(str) };
    const t = c.True?.[0];
    if (isToken(t)) return { kind: 'boolean', value: true, span: tokenSpan(t) };
    const f = c.False?.[0];
    if (isToken(f)) return { kind: 'boolean', value: false, span: tokenSpan(f) };
    const n = c.Null?.[0];
    if (isToken(n)) return { kind: 'null', span: tokenSpan(n) };
    return { kind: 'error', span: [0, 0] };
  }

  numberOrDuration(c: Cst.NumberOrDurationCstChildren): Node {
    const num = c.NumberLiteral?.[0];
    if (!isToken(num) || !realToken(num)) return { kind: 'error', span: [0, 0] };
    const unit = c.Unit?.[0];
    const value = Number(num.image);
    if (isToken(unit) && realToken(unit)) {
      return { kind: 'duration', amount: value, unit: UNITS[unit.image] ?? 'day', span: join(tokenSpan(num), tokenSpan(unit)) };
    }
    return { kind: 'number', value, span: tokenSpan(num) };
  }

  timePoint(c: Cst.TimePointCstChildren): Node {
    const kw = c.TimeKeyword?.[0];
    const num = c.NumberLiteral?.[0];
    if (!isToken(kw) || !isToken(num) || !realToken(num)) return { kind: 'error', span: isToken(kw) ? tokenSpan(kw) : [0, 0] };
    return { kind: 'time_point', unit: kw.image as 'month', amount: Number(num.image), span: join(tokenSpan(kw), tokenSpan(num)) };
  }

  list(c: Cst.ListCstChildren): Node {
    const open = c.LBracket?.[0];
    const close = c.RBracket?.[0];
    const items = (c.items ?? []).map((e) => this.node(e));
    const start = isToken(open) ? tokenSpan(open) : [0, 0] as Span;
    const end = isToken(close) && realToken(close) ? tokenSpan(close) : items.at(-1)?.span ?? start;
    return { kind: 'list', items, span: join(start, end) };
  }

  parenthesized(c: Cst.ParenthesizedCstChildren): Node {
    const inner = this.node(c.expression?.[0]);
    const open = c.LParen?.[0];
    const close = c.RParen?.[0];
    const start = isToken(open) ? tokenSpan(open) : inner.span;
    const end = isToken(close) && realToken(close) ? tokenSpan(close) : inner.span;
    // Keep the inner node (parentheses only group) but widen its span so
    // errors about the group underline all of it.
    return { ...inner, span: join(start, end) } as Node;
  }

  callOrReference(c: Cst.CallOrReferenceCstChildren): Node {
    const headToken = c.head?.[0];
    if (!isToken(headToken)) return { kind: 'error', span: [0, 0] };
    const head: Name = { name: headToken.image, span: tokenSpan(headToken) };
    const members: Name[] = (c.members ?? []).filter(isToken).filter(realToken).map((t) => ({ name: t.image, span: tokenSpan(t) }));
    if ((c.Dot ?? []).length !== members.length) return { kind: 'error', span: head.span };
    const last = members.at(-1)?.span ?? head.span;
    const lparen = c.LParen?.[0];
    if (isToken(lparen)) {
      const args = (c.args ?? []).map((a) => this.argumentOf(a));
      const rparen = c.RParen?.[0];
      const end = isToken(rparen) && realToken(rparen) ? tokenSpan(rparen) : (args.at(-1)?.span ?? tokenSpan(lparen));
      return { kind: 'call', callee: head, members, args, span: join(head.span, end) };
    }
    return { kind: 'path', head, members, span: join(head.span, last) };
  }

  private argumentOf(e: CstElement): Argument {
    if (!isNode(e)) return { value: { kind: 'error', span: [0, 0] }, where: null, window: null, span: [0, 0] };
    return this.argument((e as Cst.ArgumentCstNode).children, nodeSpan(e));
  }

  argument(c: Cst.ArgumentCstChildren, span?: Span): Argument {
    const value = this.node(c.value?.[0]);
    const where = c.Where ? this.node(c.where?.[0]) : null;
    let window: Argument['window'] = null;
    const within = c.Within?.[0];
    const since = c.Since?.[0];
    if (isToken(within)) window = { kind: 'within', value: this.node(c.within?.[0]), keywordSpan: tokenSpan(within) };
    else if (isToken(since)) window = { kind: 'since', value: this.node(c.since?.[0]), keywordSpan: tokenSpan(since) };
    const end = window?.value.span ?? where?.span ?? value.span;
    return { value, where, window, span: span ?? join(value.span, end) };
  }
}

/** Decodes a double-quoted rule string: `\"`, `\\`, `\n`, `\t`; any other `\x` is `x`. */
export function unescapeString(image: string): string {
  const body = image.slice(1, -1);
  return body.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch));
}

const builder = new AstBuilder();

/** The AST of an `expression` CST. */
export function expressionToAst(cst: CstNode): Node {
  return builder.node(cst);
}

/** The AST of an `argument` CST (a trigger's `on:` query). */
export function argumentToAst(cst: CstNode): Argument {
  return builder.argument((cst as Cst.ArgumentCstNode).children, nodeSpan(cst));
}
