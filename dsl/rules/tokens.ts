/**
 * The vocabulary of the Milepost rules language (reference §4). Token order
 * matters: Chevrotain tries tokens in this order, so multi-character
 * operators come before their one-character prefixes, and keywords come
 * before `Identifier` with `longer_alt: Identifier` so `customer_tier` or
 * `dayshift` lex as identifiers, not as a keyword plus a tail.
 */
import { createToken, Lexer } from 'chevrotain';
import type { TokenType } from 'chevrotain';

/** Any word: identifiers and keywords. After a `.` every word is a name (`contract.start`). */
export const AnyName = createToken({ name: 'AnyName', pattern: Lexer.NA, label: 'a name' });
/** `month`, `week`, `day`: both a time keyword (`month 3`) and a duration unit (`1 month`). */
export const TimeKeyword = createToken({ name: 'TimeKeyword', pattern: Lexer.NA, label: '`month`, `week` or `day`' });
/** Units of a duration (reference §3). */
export const Unit = createToken({ name: 'Unit', pattern: Lexer.NA, label: 'a duration unit (days, weeks, months, ...)' });
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA, label: 'a comparison (==, !=, <, <=, >, >=)' });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [AnyName],
  label: 'a name',
});

function keyword(word: string, categories: TokenType[] = []): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [AnyName, ...categories],
    label: `\`${word}\``,
  });
}

export const And = keyword('and');
export const Or = keyword('or');
export const Not = keyword('not');
export const In = keyword('in');
export const Is = keyword('is');
export const Null = keyword('null');
export const True = keyword('true');
export const False = keyword('false');
export const Where = keyword('where');
export const Within = keyword('within');
export const Since = keyword('since');
export const Customer = keyword('customer');
export const Contract = keyword('contract');
export const Health = keyword('health');
export const Start = keyword('start');
export const Opens = keyword('opens');
export const Due = keyword('due');
export const Now = keyword('now');
// Plural units first: `days` must not lex as `day` + `s` (longer_alt covers
// identifiers, but the plural is its own keyword).
export const Hours = keyword('hours', [Unit]);
export const Hour = keyword('hour', [Unit]);
export const Days = keyword('days', [Unit]);
export const Day = keyword('day', [Unit, TimeKeyword]);
export const Weeks = keyword('weeks', [Unit]);
export const Week = keyword('week', [Unit, TimeKeyword]);
export const Months = keyword('months', [Unit]);
export const Month = keyword('month', [Unit, TimeKeyword]);
export const Years = keyword('years', [Unit]);
export const Year = keyword('year', [Unit]);

export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d+(?:\.\d+)?/, label: 'a number' });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n]|\\.)*"/, label: 'a string in double quotes' });

export const Equal = createToken({ name: 'Equal', pattern: /==/, categories: [CompareOp], label: '`==`' });
export const NotEqual = createToken({ name: 'NotEqual', pattern: /!=/, categories: [CompareOp], label: '`!=`' });
export const LessEqual = createToken({ name: 'LessEqual', pattern: /<=/, categories: [CompareOp], label: '`<=`' });
export const GreaterEqual = createToken({ name: 'GreaterEqual', pattern: />=/, categories: [CompareOp], label: '`>=`' });
export const Less = createToken({ name: 'Less', pattern: /</, categories: [CompareOp], label: '`<`' });
export const Greater = createToken({ name: 'Greater', pattern: />/, categories: [CompareOp], label: '`>`' });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, label: '`+`' });
export const Minus = createToken({ name: 'Minus', pattern: /-/, label: '`-`' });
export const Star = createToken({ name: 'Star', pattern: /\*/, label: '`*`' });
export const Slash = createToken({ name: 'Slash', pattern: /\//, label: '`/`' });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: '`(`' });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: '`)`' });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: '`[`' });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: '`]`' });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: '`,`' });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: '`.`' });

/** Every token, in lexing priority order. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  AnyName, TimeKeyword, Unit, CompareOp,
  And, Or, Not, In, Is, Null, True, False, Where, Within, Since,
  Customer, Contract, Health, Start, Opens, Due, Now,
  Hours, Hour, Days, Day, Weeks, Week, Months, Month, Years, Year,
  Identifier,
  NumberLiteral, StringLiteral,
  Equal, NotEqual, LessEqual, GreaterEqual, Less, Greater,
  Plus, Minus, Star, Slash, LParen, RParen, LBracket, RBracket, Comma, Dot,
];

/** The reserved words of reference §2: never usable as ids, attribute, event or field names. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'customer', 'contract', 'health', 'start', 'due', 'opens', 'now', 'true', 'false', 'null',
  'and', 'or', 'not', 'in', 'is', 'where', 'within', 'since', 'month', 'week', 'day',
]);
