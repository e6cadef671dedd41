import { describe, expect, it } from 'vitest';
import { checkCustomer, checkEvent, readEvent, readCustomerAttrs } from '../../workflows/engine/declarations.ts';
import { compileYaml } from './support.ts';

const ir = compileYaml(`
playbook: decl
title: Declarations
customer:
  name: string
  tier: enum(vip, growth)
  arr: number
  renews: date
  active: boolean
  csm: string
events:
  ticket: { severity: number, category: string, opened: date }
milestones:
  - id: m
    title: M
    due: month 1
    done_when: happened(ticket)
`);

describe('event checks', () => {
  it('refuses an undeclared event type, naming it', () => {
    const problems = checkEvent(ir, { type: 'refund', at: '2026-01-01' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("'refund'");
  });

  it('refuses a field of the wrong type and a bad date', () => {
    expect(checkEvent(ir, { type: 'ticket', at: '2026-01-01', data: { severity: 'high' } })[0]).toContain("'severity'");
    expect(checkEvent(ir, { type: 'ticket', at: '2026-01-01', data: { opened: '2026-02-30' } })[0]).toContain("'opened'");
    expect(checkEvent(ir, { type: 'ticket', at: 'soon' })[0]).toContain("'at'");
  });

  it('reads missing declared fields as null, drops undeclared ones, converts dates to epoch ms', () => {
    const { event, problems } = readEvent(ir, { type: 'ticket', at: '2026-01-02T03:04:05Z', data: { severity: 2, extra: 'x', opened: '2026-01-01' } });
    expect(problems).toEqual([]);
    expect(event).toEqual({ at: Date.parse('2026-01-02T03:04:05Z'), type: 'ticket', data: { severity: 2, category: null, opened: Date.parse('2026-01-01T00:00:00Z') } });
  });

  it('reads CSV text cells by their declared type', () => {
    const { event } = readEvent(ir, { type: 'ticket', at: '2026-01-02', data: { severity: '3', category: '' } }, 'text');
    expect(event?.data).toEqual({ severity: 3, category: null, opened: null });
    expect(checkEvent(ir, { type: 'ticket', at: '2026-01-02', data: { severity: 'x' } }, 'text')).toHaveLength(1);
  });
});

describe('customer checks', () => {
  const good = { name: 'Acme', tier: 'vip', arr: 100, renews: '2027-01-01', active: true, csm: 'ada', undeclared: 1 };

  it('accepts declared attributes and ignores undeclared ones', () => {
    expect(checkCustomer(ir, good)).toEqual([]);
    expect(readCustomerAttrs(ir, good).attrs).toEqual({ name: 'Acme', tier: 'vip', arr: 100, renews: Date.parse('2027-01-01T00:00:00Z'), active: true, csm: 'ada' });
  });

  it('refuses a missing attribute and an enum value that is not a member', () => {
    const { csm: _csm, ...missing } = good;
    expect(checkCustomer(ir, missing)[0]).toContain("'csm'");
    expect(checkCustomer(ir, { ...good, tier: 'gold' })[0]).toContain('enum(vip, growth)');
  });
});
