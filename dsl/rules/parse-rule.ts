/**
 * The rules facade: text in, AST plus syntax problems out. Positions are
 * offsets into `text`; the caller maps them into the YAML file.
 */
import { EOF } from 'chevrotain';
import type { IRecognitionException } from 'chevrotain';
import type { Argument, Node } from './ast.ts';
import type { IToken } from 'chevrotain';
import { didYouMean } from '../suggest.ts';
import { tokenize } from './lexer.ts';
import { Identifier, NumberLiteral } from './tokens.ts';
import { parseTokens } from './parser.ts';
import { argumentToAst, expressionToAst } from './to-ast.ts';

/** A syntax problem at `[start, end)` of the rule text. */
export interface SyntaxProblem {
  start: number;
  end: number;
  message: string;
}

function problemOf(e: IRecognitionException, text: string): SyntaxProblem {
  const t = e.token;
  if (t.tokenType === EOF || !Number.isFinite(t.startOffset)) {
    // Missing something at the end: point just past the last character, so
    // the caret sits where the missing part should go.
    const end = text.trimEnd().length;
    return { start: end, end: end + 1, message: e.message };
  }
  return { start: t.startOffset, end: t.startOffset + Math.max(1, t.image.length), message: e.message };
}

const UNIT_WORDS = ['hour', 'hours', 'day', 'days', 'week', 'weeks', 'month', 'months', 'year', 'years'];

/**
 * A word right after a number is almost always a misspelt unit (`7 dayz`):
 * say so, rather than "the rule should end here".
 */
function unitHint(problem: SyntaxProblem, tokens: IToken[]): SyntaxProblem {
  const i = tokens.findIndex((t) => t.startOffset === problem.start);
  const t = tokens[i];
  const prev = tokens[i - 1];
  if (!t || !prev || prev.tokenType !== NumberLiteral || t.tokenType !== Identifier) return problem;
  return { ...problem, message: `\`${t.image}\` is not a duration unit (hours, days, weeks, months, years)${didYouMean(t.image, UNIT_WORDS)}` };
}

/**
 * Limits that keep parsing and checking bounded (the parser and checker
 * recurse per nesting level): far above any real rule, far below the stack.
 */
export const MAX_RULE_TOKENS = 1000;
export const MAX_RULE_DEPTH = 64;

/** A problem when the rule is longer or deeper than the limits allow. */
function limitProblem(tokens: IToken[], text: string): SyntaxProblem | undefined {
  if (tokens.length > MAX_RULE_TOKENS) {
    return { start: 0, end: text.length, message: `this rule has ${tokens.length} parts, more than the ${MAX_RULE_TOKENS} allowed; split it (for example into health components)` };
  }
  let depth = 0;
  let prefix = 0;
  for (const t of tokens) {
    const name = t.tokenType.name;
    if (name === 'LParen' || name === 'LBracket') depth++;
    else if (name === 'RParen' || name === 'RBracket') depth = Math.max(0, depth - 1);
    // Runs of `not` / unary `-` nest as deeply as parentheses do.
    prefix = name === 'Not' || name === 'Minus' ? prefix + 1 : 0;
    if (depth + prefix > MAX_RULE_DEPTH) {
      return { start: t.startOffset, end: t.startOffset + t.image.length, message: `this rule nests deeper than ${MAX_RULE_DEPTH} levels; simplify it` };
    }
  }
  return undefined;
}

function syntax(text: string, start: 'expression' | 'argument') {
  const { tokens, problems } = tokenize(text);
  if (problems.length > 0) return { cst: undefined, problems };
  const limit = limitProblem(tokens, text);
  if (limit) return { cst: undefined, problems: [limit] };
  if (tokens.length === 0) {
    return { cst: undefined, problems: [{ start: 0, end: Math.max(1, text.length), message: 'this rule is empty' }] };
  }
  const { cst, errors } = parseTokens(tokens, start);
  return { cst, problems: errors.map((e) => unitHint(problemOf(e, text), tokens)) };
}

/** Parses a condition, score or time expression. `ast` is absent when there are syntax problems. */
export function parseExpression(text: string): { ast?: Node; problems: SyntaxProblem[] } {
  const { cst, problems } = syntax(text, 'expression');
  if (!cst || problems.length > 0) return { problems };
  return { ast: expressionToAst(cst), problems };
}

/** Parses an event query as written after a trigger's `on:` (`complaint where severity >= 2`). */
export function parseEventQuery(text: string): { ast?: Argument; problems: SyntaxProblem[] } {
  const { cst, problems } = syntax(text, 'argument');
  if (!cst || problems.length > 0) return { problems };
  return { ast: argumentToAst(cst), problems };
}
