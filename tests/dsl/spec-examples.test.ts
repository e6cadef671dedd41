import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePlaybook, PlaybookIR } from '../../dsl/index.ts';
import { templatesBeside } from '../../client/files/template-files.ts';

const path = 'playbooks/clinic-first-year.yaml';
const source = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const { ir, diagnostics } = compilePlaybook(source, path, { templates: templatesBeside(fileURLToPath(new URL(`../../${path}`, import.meta.url))) });

describe('the SPEC examples in clinic-first-year', () => {
  it('compiles cleanly to an IR the schema accepts', () => {
    expect(diagnostics).toEqual([]);
    expect(() => PlaybookIR.parse(ir)).not.toThrow();
    expect(ir!.irVersion).toBe(1);
    expect(ir!.playbook).toBe('clinic-first-year');
  });

  it('hashes the source bytes and (v2) the text of each template it uses, by name, with SHA-256', () => {
    const templates = Object.keys(ir!.templates!).sort();
    expect(templates).toEqual(['activation-due-soon', 'campaign-ideas']);
    const hashed = source + templates.map((n) => `\u0000template ${n}\u0000${readFileSync(new URL(`../../playbooks/templates/${n}.md`, import.meta.url), 'utf8')}`).join('');
    expect(ir!.sourceHash).toBe(`sha256:${createHash('sha256').update(hashed, 'utf8').digest('hex')}`);
  });

  it('declares the customer and events of reference §2', () => {
    expect(ir!.customer['tier']).toEqual({ kind: 'enum', members: ['vip', 'growth', 'stable'] });
    expect(ir!.customer['arr']).toEqual({ kind: 'number' });
    expect(ir!.events['activated']).toEqual({});
    expect(ir!.events['ticket_opened']).toEqual({ category: { kind: 'string' }, severity: { kind: 'number' } });
    expect(ir!.events['usage']).toEqual({ active_users: { kind: 'number' }, minutes: { kind: 'number' } });
    expect(ir!.appliesTo).toMatchObject({ source: 'customer.segment == "clinic"', type: 'boolean', expr: { k: 'binary', op: '==', left: { k: 'ref', ref: { kind: 'customer', attr: 'segment' } }, right: { k: 'literal', value: 'clinic' } } });
  });

  it('compiles the activation milestone of reference §5', () => {
    const m = ir!.milestones[0]!;
    expect(m.id).toBe('activation');
    expect(m.title).toBe('Customer activated');
    expect(m.appliesWhen).toMatchObject({ source: 'customer.tier != "stable"', expr: { k: 'binary', op: '!=' } });
    expect(m.opens).toEqual({ anchor: 'start', terms: [], source: 'start' });
    expect(m.due).toEqual({ anchor: 'start', terms: [{ sign: 1, duration: { amount: 1, unit: 'month' } }], source: 'month 1' });
    expect(m.doneWhen.expr).toMatchObject({ k: 'query', fn: 'happened' });
    const q = ir!.queries[(m.doneWhen.expr as { query: number }).query]!;
    expect(q).toMatchObject({ event: 'activated', field: null, where: null, window: null, milestone: null });
    expect(m.owner).toBe('csm');
    expect(m.renewal).toBe(false);
    expect(m.repeat).toBeNull();
    expect(m.steps).toEqual([
      { at: { anchor: 'due', terms: [{ sign: -1, duration: { amount: 7, unit: 'day' } }], source: 'due - 7 days' },
        action: { kind: 'remind', to: 'csm', template: 'activation-due-soon', message: null, channel: 'email' } },
      { at: { anchor: 'due', terms: [], source: 'due' },
        action: { kind: 'open_task', title: { source: 'Get {{customer.name}} activated', parts: ['Get ', { kind: 'customer', attr: 'name' }, ' activated'] }, assignee: 'csm', dueIn: { amount: 5, unit: 'day' }, priority: 'normal' } },
      { at: { anchor: 'due', terms: [{ sign: 1, duration: { amount: 14, unit: 'day' } }], source: 'due + 14 days' },
        action: { kind: 'escalate', to: 'manager', message: null } },
    ]);
    expect(m.onDone).toEqual([
      { kind: 'remind', to: 'manager', template: null, channel: 'email',
        message: { source: '{{customer.name}} reached {{milestone.title}}', parts: [{ kind: 'customer', attr: 'name' }, ' reached ', { kind: 'milestone_title' }] } },
    ]);
  });

  it('compiles the health of reference §6 and the low_health risk', () => {
    const [usage, support] = ir!.health!.components;
    expect(usage).toMatchObject({ id: 'usage', weight: 2, score: { source: 'clamp(latest(usage.active_users) * 10, 0, 100)', type: 'number', expr: { k: 'call', fn: 'clamp' } } });
    expect(support).toMatchObject({ id: 'support', weight: 1, score: { type: 'number' } });
    const risk = ir!.risks.find((r) => r.id === 'low_health')!;
    expect(risk).toMatchObject({ title: 'Health below 40', level: 'high', cooldown: { amount: 30, unit: 'day' }, when: { source: 'health < 40', type: 'boolean', expr: { k: 'binary', op: '<', left: { k: 'ref', ref: { kind: 'health' } }, right: { k: 'literal', value: 40 } } } });
    expect(risk.actions).toEqual([
      { kind: 'open_task', title: { source: 'Call {{customer.name}}: health {{health}}', parts: ['Call ', { kind: 'customer', attr: 'name' }, ': health ', { kind: 'health' }] }, assignee: 'csm', dueIn: { amount: 2, unit: 'day' }, priority: 'high' },
    ]);
  });

  it('compiles the complaint_sla trigger of reference §7', () => {
    const t = ir!.triggers.find((x) => x.id === 'complaint_sla')!;
    expect(ir!.queries[t.on]).toMatchObject({ event: 'complaint', field: null, window: null, where: { k: 'binary', op: '>=', left: { k: 'ref', ref: { kind: 'field', field: 'severity' } }, right: { k: 'literal', value: 2 } } });
    expect(t.actions).toEqual([
      { kind: 'open_task', title: { source: 'Resolve complaint from {{customer.name}}', parts: ['Resolve complaint from ', { kind: 'customer', attr: 'name' }] }, assignee: 'csm', dueIn: { amount: 24, unit: 'hour' }, priority: 'urgent' },
    ]);
  });

  it('has exactly one renewal milestone, opening 3 months before contract.end', () => {
    const renewals = ir!.milestones.filter((m) => m.renewal);
    expect(renewals).toHaveLength(1);
    expect(renewals[0]!.opens).toEqual({ anchor: 'contract_end', terms: [{ sign: -1, duration: { amount: 3, unit: 'month' } }], source: 'contract.end - 3 months' });
  });

  it('keeps per event type the longest window and the fields read', () => {
    expect(ir!.retention['ticket_opened']).toEqual({ window: { amount: 30, unit: 'day' }, fields: ['category'] });
    expect(ir!.retention['complaint']).toEqual({ window: null, fields: ['severity'] });
    expect(ir!.retention['activated']).toEqual({ window: null, fields: [] });
    expect(Object.keys(ir!.retention)).toEqual(Object.keys(ir!.events));
  });

  it('interns each distinct query once', () => {
    const keys = ir!.queries.map((q) => JSON.stringify({ ...q, source: '' }, (k, v: unknown) => (k === 'id' ? undefined : v)));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
