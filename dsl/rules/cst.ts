/**
 * The types of the rules parser's concrete syntax tree, generated from the
 * grammar with Chevrotain's generateCstDts (STYLE: typed CST, committed).
 * Do not edit: tests/dsl/cst-types.test.ts fails when this file is stale and
 * prints how to regenerate it.
 */
import type { CstNode, ICstVisitor, IToken } from 'chevrotain';

export interface ExpressionCstNode extends CstNode {
  name: 'expression';
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  orExpr: OrExprCstNode[];
};

export interface OrExprCstNode extends CstNode {
  name: 'orExpr';
  children: OrExprCstChildren;
}

export type OrExprCstChildren = {
  operands: (AndExprCstNode)[];
  Or?: IToken[];
};

export interface AndExprCstNode extends CstNode {
  name: 'andExpr';
  children: AndExprCstChildren;
}

export type AndExprCstChildren = {
  operands: (NotExprCstNode)[];
  And?: IToken[];
};

export interface NotExprCstNode extends CstNode {
  name: 'notExpr';
  children: NotExprCstChildren;
}

export type NotExprCstChildren = {
  Not?: IToken[];
  notExpr?: NotExprCstNode[];
  comparison?: ComparisonCstNode[];
};

export interface ComparisonCstNode extends CstNode {
  name: 'comparison';
  children: ComparisonCstChildren;
}

export type ComparisonCstChildren = {
  left: AdditiveCstNode[];
  CompareOp?: IToken[];
  right?: (AdditiveCstNode)[];
  In?: IToken[];
  Is?: IToken[];
  Not?: IToken[];
  Null?: IToken[];
};

export interface AdditiveCstNode extends CstNode {
  name: 'additive';
  children: AdditiveCstChildren;
}

export type AdditiveCstChildren = {
  operands: (MultiplicativeCstNode)[];
  operators?: (IToken)[];
};

export interface MultiplicativeCstNode extends CstNode {
  name: 'multiplicative';
  children: MultiplicativeCstChildren;
}

export type MultiplicativeCstChildren = {
  operands: (UnaryCstNode)[];
  operators?: (IToken)[];
};

export interface UnaryCstNode extends CstNode {
  name: 'unary';
  children: UnaryCstChildren;
}

export type UnaryCstChildren = {
  Minus?: IToken[];
  unary?: UnaryCstNode[];
  primary?: PrimaryCstNode[];
};

export interface PrimaryCstNode extends CstNode {
  name: 'primary';
  children: PrimaryCstChildren;
}

export type PrimaryCstChildren = {
  numberOrDuration?: NumberOrDurationCstNode[];
  StringLiteral?: IToken[];
  True?: IToken[];
  False?: IToken[];
  Null?: IToken[];
  list?: ListCstNode[];
  parenthesized?: ParenthesizedCstNode[];
  timePoint?: TimePointCstNode[];
  callOrReference?: CallOrReferenceCstNode[];
};

export interface NumberOrDurationCstNode extends CstNode {
  name: 'numberOrDuration';
  children: NumberOrDurationCstChildren;
}

export type NumberOrDurationCstChildren = {
  NumberLiteral: IToken[];
  Unit?: IToken[];
};

export interface TimePointCstNode extends CstNode {
  name: 'timePoint';
  children: TimePointCstChildren;
}

export type TimePointCstChildren = {
  TimeKeyword: IToken[];
  NumberLiteral: IToken[];
};

export interface ListCstNode extends CstNode {
  name: 'list';
  children: ListCstChildren;
}

export type ListCstChildren = {
  LBracket: IToken[];
  items?: ExpressionCstNode[];
  Comma?: IToken[];
  RBracket: IToken[];
};

export interface ParenthesizedCstNode extends CstNode {
  name: 'parenthesized';
  children: ParenthesizedCstChildren;
}

export type ParenthesizedCstChildren = {
  LParen: IToken[];
  expression: ExpressionCstNode[];
  RParen: IToken[];
};

export interface CallOrReferenceCstNode extends CstNode {
  name: 'callOrReference';
  children: CallOrReferenceCstChildren;
}

export type CallOrReferenceCstChildren = {
  head?: (IToken)[];
  Dot?: IToken[];
  members?: IToken[];
  LParen?: IToken[];
  args?: ArgumentCstNode[];
  Comma?: IToken[];
  RParen?: IToken[];
};

export interface ArgumentCstNode extends CstNode {
  name: 'argument';
  children: ArgumentCstChildren;
}

export type ArgumentCstChildren = {
  value: ExpressionCstNode[];
  Where?: IToken[];
  where?: ExpressionCstNode[];
  Within?: IToken[];
  within?: AdditiveCstNode[];
  Since?: IToken[];
  since?: AdditiveCstNode[];
};

export interface RulesCstVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  expression(children: ExpressionCstChildren, param?: IN): OUT;
  orExpr(children: OrExprCstChildren, param?: IN): OUT;
  andExpr(children: AndExprCstChildren, param?: IN): OUT;
  notExpr(children: NotExprCstChildren, param?: IN): OUT;
  comparison(children: ComparisonCstChildren, param?: IN): OUT;
  additive(children: AdditiveCstChildren, param?: IN): OUT;
  multiplicative(children: MultiplicativeCstChildren, param?: IN): OUT;
  unary(children: UnaryCstChildren, param?: IN): OUT;
  primary(children: PrimaryCstChildren, param?: IN): OUT;
  numberOrDuration(children: NumberOrDurationCstChildren, param?: IN): OUT;
  timePoint(children: TimePointCstChildren, param?: IN): OUT;
  list(children: ListCstChildren, param?: IN): OUT;
  parenthesized(children: ParenthesizedCstChildren, param?: IN): OUT;
  callOrReference(children: CallOrReferenceCstChildren, param?: IN): OUT;
  argument(children: ArgumentCstChildren, param?: IN): OUT;
}
