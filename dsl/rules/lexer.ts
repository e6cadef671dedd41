/**
 * The rules lexer: one shared instance, and lexer errors rewritten in
 * playbook terms (`=` is probably `==`, `&&` is `and`, ...).
 */
import { Lexer } from 'chevrotain';
import type { IToken } from 'chevrotain';
import { allTokens } from './tokens.ts';

const lexer = new Lexer(allTokens, { ensureOptimizations: false });

/** A lexing problem at `[start, end)` of the rule text. */
export interface LexProblem {
  start: number;
  end: number;
  message: string;
}

const HINTS: Array<[RegExp, string]> = [
  [/^&&/, '`&&` is written `and` in rules'],
  [/^\|\|/, '`||` is written `or` in rules'],
  [/^=/, 'a lone `=` is not an operator; compare with `==`'],
  [/^!/, '`!` is written `not` in rules (and "not equal" is `!=`)'],
  [/^'/, 'strings are written in double quotes: "like this"'],
  [/^"/, 'this string is not closed with a `"` on the same line'],
  [/^%/, 'percentages are plain numbers in rules: write `40`, not `40%`'],
];

/** Splits `text` into tokens; every character that is not part of the language is a problem. */
export function tokenize(text: string): { tokens: IToken[]; problems: LexProblem[] } {
  const result = lexer.tokenize(text);
  const problems = result.errors.map((e) => {
    const rest = text.slice(e.offset);
    const hint = HINTS.find(([re]) => re.test(rest));
    const length = hint?.[0].source === '^"' ? rest.length : /^(&&|\|\|)/.test(rest) ? 2 : 1;
    const message = hint ? hint[1] : `unexpected character \`${rest[0] ?? ''}\` in a rule`;
    return { start: e.offset, end: e.offset + Math.max(1, Math.min(length, e.length || length)), message };
  });
  return { tokens: result.tokens, problems };
}
