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

function syntax(text: string, start: 'expression' | 'argument') {
  const { tokens, problems } = tokenize(text);
  if (problems.length > 0) return { cst: undefined, problems };
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
