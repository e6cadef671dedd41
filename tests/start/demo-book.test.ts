/**
 * The demo book that `npm start` enrols must be accepted by the playbooks it
 * names and must show journeys in every state the dashboard can draw.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePlaybook, type PlaybookIR } from '../../dsl/index.ts';
import { templatesBeside } from '../../client/files/template-files.ts';
import { appliesTo, checkCustomer, checkEvent, readCustomerAttrs, readEvent } from '../../workflows/engine/index.ts';
import { simulateJourney } from '../../client/simulate/run-journey.ts';
import { demoBook } from '../../scripts/demo/demo-book.ts';

const NOW = Date.parse('2026-11-23T18:00:00.000Z');

function compiled(playbook: string): PlaybookIR {
  const file = `playbooks/${playbook}.yaml`;
  const { ir, diagnostics } = compilePlaybook(readFileSync(file, 'utf8'), file, { templates: templatesBeside(file) });
  if (!ir) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return ir;
}

describe('demo book', () => {
  const book = demoBook(NOW);
  const irs = new Map<string, PlaybookIR>();
  const irOf = (playbook: string) => irs.get(playbook) ?? irs.set(playbook, compiled(playbook)).get(playbook)!;

  it('is the same book for the same day, so a restart enrols nobody twice', () => {
    expect(demoBook(NOW + 3_600_000).map((c) => c.customer.id)).toEqual(book.map((c) => c.customer.id));
    expect(new Set(book.map((c) => c.customer.id)).size).toBe(book.length);
  });

  it('matches every declaration of its playbook, with no event in the future', () => {
    for (const entry of book) {
      const ir = irOf(entry.playbook);
      const { id: _id, ...attrs } = entry.customer;
      expect(checkCustomer(ir, attrs), entry.customer.id).toEqual([]);
      for (const event of entry.events) {
        expect(checkEvent(ir, event), `${entry.customer.id} ${event.id}`).toEqual([]);
        expect(Date.parse(event.at)).toBeLessThan(NOW);
      }
    }
  });

  it('shows journeys in every state once simulated to now', () => {
    const states = new Set<string>();
    const outcomes = new Set<string>();
    let risks = 0;
    for (const entry of book) {
      const ir = irOf(entry.playbook);
      const { id, ...raw } = entry.customer;
      const customer = { id, attrs: readCustomerAttrs(ir, raw).attrs };
      const contract = { start: Date.parse(entry.contract.start), end: Date.parse(entry.contract.end) };
      expect(appliesTo(ir, customer, contract), id).toBe(true);
      const events = entry.events.map((e) => readEvent(ir, e).event!);
      const { report } = simulateJourney(ir, { file: id, customer, contract, events }, { until: Math.min(NOW, contract.end) });
      report.milestones.forEach((m) => states.add(m.state));
      outcomes.add(report.outcome);
      risks += report.risks.length;
    }
    for (const state of ['pending', 'open', 'overdue', 'done', 'late', 'missed', 'skipped']) expect(states).toContain(state);
    for (const outcome of ['running', 'renewed', 'churned']) expect(outcomes).toContain(outcome);
    expect(risks).toBeGreaterThan(0);
  });
});
