/**
 * Syntax error messages in playbook terms. Chevrotain's defaults speak of
 * token names and grammar rules ("Expecting: one of these possible Token
 * sequences"); a CS leader needs "expected a value after `>=`".
 */
import { defaultParserErrorProvider, EOF } from 'chevrotain';
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';

/** What a grammar rule is, for "expected ..." messages. */
const RULE_WORDS: Record<string, string> = {
  expression: 'a rule',
  orExpr: 'a condition',
  andExpr: 'a condition',
  notExpr: 'a condition',
  comparison: 'a value',
  additive: 'a value',
  multiplicative: 'a value',
  unary: 'a value',
  primary: 'a value (a number, a "string", customer.<attribute>, a function call, ...)',
  numberOrDuration: 'a number',
  timePoint: 'a time such as `month 3`',
  list: 'a list such as ["a", "b"]',
  parenthesized: 'a parenthesised expression',
  callOrReference: 'a name or function call',
  argument: 'an argument',
};

function describe(token: IToken): string {
  if (token.tokenType === EOF) return 'the end of the rule';
  return `\`${token.image}\``;
}

function label(t: TokenType): string {
  return t.LABEL ?? `\`${t.name}\``;
}

function after(previous: IToken | undefined): string {
  return previous && previous.tokenType !== EOF && previous.image ? ` after \`${previous.image}\`` : '';
}

/** The parser's error message provider; builders not overridden fall back to Chevrotain's defaults. */
export const ruleErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous }) {
    if (actual.tokenType === EOF && expected.name === 'RParen') return `a \`(\` is never closed: expected \`)\`${after(previous)}`;
    if (actual.tokenType === EOF && expected.name === 'RBracket') return `a \`[\` is never closed: expected \`]\`${after(previous)}`;
    return `expected ${label(expected)}${after(previous)}, found ${describe(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    if (firstRedundant.image === ')') return 'this `)` has no matching `(`';
    return `unexpected ${describe(firstRedundant)}: the rule should end here, or is an \`and\` / \`or\` / operator missing before it?`;
  },
  buildNoViableAltMessage({ actual, previous, ruleName }) {
    const found = actual[0];
    const what = RULE_WORDS[ruleName] ?? 'a value';
    if (!found) return `expected ${what}${after(previous)}`;
    return `expected ${what}${after(previous)}, found ${describe(found)}`;
  },
  buildEarlyExitMessage(options) {
    return defaultParserErrorProvider.buildEarlyExitMessage(options);
  },
};
