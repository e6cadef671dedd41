import { readFileSync } from 'node:fs';
import { generateCstDts } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { rulesParser } from '../../dsl/rules/parser.ts';

describe('dsl/rules/cst.ts', () => {
  it('matches the grammar (regenerate with generateCstDts when the grammar changes)', () => {
    const committed = readFileSync(new URL('../../dsl/rules/cst.ts', import.meta.url), 'utf8');
    const generated = generateCstDts(rulesParser.getGAstProductions(), { visitorInterfaceName: 'RulesCstVisitor' }).replace(/"/g, "'");
    // The committed file is the generated text under a header comment.
    expect(committed.slice(committed.indexOf('import type'))).toBe(generated);
  });
});
