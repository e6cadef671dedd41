import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlaybook, PlaybookIR } from '../../dsl/index.ts';
import { templatesBeside } from '../../client/files/template-files.ts';
import type { Action, Expr, Rule } from '../../dsl/ir/schema.ts';
import { sha256Hex } from '../../dsl/sha256.ts';

const dir = new URL('../../playbooks/', import.meta.url);
const playbooks = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => ({ file: f, source: readFileSync(new URL(f, dir), 'utf8') }));

/** Every action of a playbook, with the `overdue` actions of its tasks. */
function actionsOf(ir: PlaybookIR): Action[] {
  const all = (list: readonly Action[]): Action[] => list.flatMap((a) => [a, ...(a.kind === 'open_task' ? all(a.overdue ?? []) : [])]);
  return all([
    ...ir.milestones.flatMap((m) => [...m.steps.map((s) => s.action), ...m.onDone]),
    ...[...ir.risks, ...(ir.opportunities ?? [])].flatMap((r) => r.actions),
    ...ir.triggers.flatMap((t) => t.actions),
  ]);
}

function nodes(e: Expr, out: Expr[] = []): Expr[] {
  out.push(e);
  switch (e.k) {
    case 'list': e.items.forEach((i) => nodes(i, out)); break;
    case 'not': case 'neg': case 'is_null': nodes(e.operand, out); break;
    case 'binary': nodes(e.left, out); nodes(e.right, out); break;
    case 'in': nodes(e.operand, out); nodes(e.list, out); break;
    case 'call': e.args.forEach((a) => nodes(a, out)); break;
    default: break;
  }
  return out;
}

describe.each(playbooks)('IR invariants of $file', ({ file, source }) => {
  const { ir, positions } = compilePlaybook(source, file, { templates: templatesBeside(fileURLToPath(new URL(file, dir))) });
  const rules: Rule[] = [
    ...(ir!.appliesTo ? [ir!.appliesTo] : []),
    ...ir!.milestones.flatMap((m) => [m.doneWhen, ...(m.appliesWhen ? [m.appliesWhen] : [])]),
    ...(ir!.health?.components.map((c) => c.score) ?? []),
    ...ir!.risks.map((r) => r.when),
    // (v2) opportunities and every action's own `when`, overdue actions included.
    ...(ir!.opportunities ?? []).map((r) => r.when),
    ...actionsOf(ir!).flatMap((a) => (a.when ? [a.when] : [])),
  ];
  const all = [...rules.flatMap((r) => nodes(r.expr)), ...ir!.queries.flatMap((q) => (q.where ? nodes(q.where) : []))];

  it('gives every expression node a unique id with a source range inside its rule text', () => {
    expect(new Set(all.map((n) => n.id)).size).toBe(all.length);
    for (const rule of rules) {
      const ruleAt = source.indexOf(rule.source.split('\n')[0]!);
      for (const n of nodes(rule.expr)) {
        const range = positions.get(n.id)!;
        expect(range).toBeDefined();
        expect(range[0]).toBeGreaterThanOrEqual(ruleAt);
        expect(range[1]).toBeLessThanOrEqual(source.length);
      }
    }
  });

  it('points every literal at its own text', () => {
    for (const n of all) {
      if (n.k !== 'literal' || typeof n.value !== 'number') continue;
      const [a, b] = positions.get(n.id)!;
      expect(Number(source.slice(a, b))).toBe(n.value);
    }
  });

  it('refers only to existing queries, each used somewhere', () => {
    const used = new Set<number>([...all.filter((n) => n.k === 'query').map((n) => (n as { query: number }).query), ...ir!.triggers.map((t) => t.on)]);
    for (const q of used) expect(ir!.queries[q]).toBeDefined();
    expect(used.size).toBe(ir!.queries.length);
  });

  it('survives a JSON round trip through the IR schema unchanged', () => {
    expect(PlaybookIR.parse(JSON.parse(JSON.stringify(ir)))).toEqual(ir);
  });
});

describe('sha256', () => {
  it('matches node:crypto around the block boundaries and on non-ASCII text', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 0xff);
      expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(sha256Hex(new TextEncoder().encode(text))).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 200 },
    );
  });
});
