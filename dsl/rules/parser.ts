/**
 * The rules grammar (reference §4) as a Chevrotain CstParser. Precedence is
 * encoded by the rule order, lowest first: `or`, `and`, `not`, comparison,
 * `+ -`, `* /`, unary `-`, primary. The parser only describes syntax; the
 * visitor in to-ast.ts builds the typed AST and check.ts gives it meaning.
 *
 * One instance is reused for every rule (Chevrotain's parsers are costly to
 * build and cheap to reset). Recovery is on, so one malformed rule yields a
 * partial tree plus every syntax error, not just the first.
 */
import { CstParser } from 'chevrotain';
import type { CstNode, IToken } from 'chevrotain';
import * as T from './tokens.ts';
import { ruleErrorMessages } from './error-messages.ts';

export class RulesParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      errorMessageProvider: ruleErrorMessages,
      maxLookahead: 3,
      nodeLocationTracking: 'onlyOffset',
    });
    this.performSelfAnalysis();
  }

  /** A whole condition, score or time expression. */
  expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpr);
  });

  orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpr, { LABEL: 'operands' });
    });
  });

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpr, { LABEL: 'operands' });
    });
  });

  notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  /** At most one comparison: `a < b < c` is a syntax error, not a surprise. */
  comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.additive, { LABEL: 'left' });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.CompareOp);
            this.SUBRULE2(this.additive, { LABEL: 'right' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.In);
            this.SUBRULE3(this.additive, { LABEL: 'right' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Is);
            this.OPTION2(() => this.CONSUME(T.Not));
            this.CONSUME(T.Null);
          },
        },
      ]);
    });
  });

  additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: 'operators' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'operators' }) }]);
      this.SUBRULE2(this.multiplicative, { LABEL: 'operands' });
    });
  });

  multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star, { LABEL: 'operators' }) }, { ALT: () => this.CONSUME(T.Slash, { LABEL: 'operators' }) }]);
      this.SUBRULE2(this.unary, { LABEL: 'operands' });
    });
  });

  unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.numberOrDuration) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.parenthesized) },
      { ALT: () => this.SUBRULE(this.timePoint) },
      { ALT: () => this.SUBRULE(this.callOrReference) },
    ]);
  });

  /** `30`, `2.5`, or a duration `30 days`. */
  numberOrDuration = this.RULE('numberOrDuration', () => {
    this.CONSUME(T.NumberLiteral);
    this.OPTION(() => this.CONSUME(T.Unit));
  });

  /** `month 3`, `week 2`, `day 10`: sugar for `start + N ...`. */
  timePoint = this.RULE('timePoint', () => {
    this.CONSUME(T.TimeKeyword);
    this.CONSUME(T.NumberLiteral);
  });

  list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'items' }) });
    this.CONSUME(T.RBracket);
  });

  parenthesized = this.RULE('parenthesized', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  /**
   * `customer.arr`, `health.usage`, `contract.end`, `start`, `activated`,
   * `usage.minutes`, or a call `count(...)`. The head may be a keyword
   * (`customer`, `start`, ...); after a dot any word is a name.
   */
  callOrReference = this.RULE('callOrReference', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'head' }) },
      { ALT: () => this.CONSUME(T.Customer, { LABEL: 'head' }) },
      { ALT: () => this.CONSUME(T.Contract, { LABEL: 'head' }) },
      { ALT: () => this.CONSUME(T.Health, { LABEL: 'head' }) },
      { ALT: () => this.CONSUME(T.Start, { LABEL: 'head' }) },
      { ALT: () => this.CONSUME(T.Opens, { LABEL: 'head' }) },
      { ALT: () => this.CONSUME(T.Due, { LABEL: 'head' }) },
      { ALT: () => this.CONSUME(T.Now, { LABEL: 'head' }) },
    ]);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME(T.AnyName, { LABEL: 'members' });
    });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.argument, { LABEL: 'args' }) });
      this.CONSUME(T.RParen);
    });
  });

  /**
   * A function argument. For the event functions the first argument is an
   * event query, `<event>[.<field>] [where <cond>] [within <d> | since <t>]`;
   * the grammar accepts the clauses on any argument and the checker says
   * where they do not belong, which gives better messages than a parse error.
   */
  argument = this.RULE('argument', () => {
    this.SUBRULE(this.expression, { LABEL: 'value' });
    this.OPTION(() => {
      this.CONSUME(T.Where);
      this.SUBRULE2(this.expression, { LABEL: 'where' });
    });
    this.OPTION2(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Within);
            this.SUBRULE(this.additive, { LABEL: 'within' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Since);
            this.SUBRULE2(this.additive, { LABEL: 'since' });
          },
        },
      ]);
    });
  });
}

/** The one parser instance; reset by assigning `input` before each parse. */
export const rulesParser = new RulesParser();

/** The start rules callers may use. */
export type StartRule = 'expression' | 'argument';

/** Parses `tokens` from `start`; returns the CST and Chevrotain's errors. */
export function parseTokens(tokens: IToken[], start: StartRule): { cst: CstNode; errors: typeof rulesParser.errors } {
  rulesParser.input = tokens;
  const cst = start === 'expression' ? rulesParser.expression() : rulesParser.argument();
  return { cst, errors: rulesParser.errors };
}
