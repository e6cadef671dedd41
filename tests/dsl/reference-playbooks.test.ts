import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePlaybook, PlaybookIR } from '../../dsl/index.ts';
import { templatesBeside } from '../../client/files/template-files.ts';

const dir = new URL('../../playbooks/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('reference playbooks', () => {
  it('include the three of issue #3', () => {
    expect(files).toEqual(expect.arrayContaining(['clinic-first-year.yaml', 'enterprise-vip.yaml', 'at-risk-save.yaml']));
  });

  it.each(files)('%s compiles without a diagnostic to a schema-valid IR', (file) => {
    const source = readFileSync(new URL(file, dir), 'utf8');
    const r = compilePlaybook(source, `playbooks/${file}`, { templates: templatesBeside(fileURLToPath(new URL(file, dir))) });
    expect(r.diagnostics).toEqual([]);
    expect(() => PlaybookIR.parse(r.ir)).not.toThrow();
    expect(r.ir!.playbook).toBe(file.replace(/\.yaml$/, ''));
  });

  it('enterprise-vip repeats its QBR every 3 months, each instance counting QBRs since it opened', () => {
    const r = compilePlaybook(readFileSync(new URL('enterprise-vip.yaml', dir), 'utf8'), 'enterprise-vip.yaml', { templates: templatesBeside(fileURLToPath(new URL('enterprise-vip.yaml', dir))) });
    const qbr = r.ir!.milestones.find((m) => m.id === 'qbr')!;
    expect(qbr.repeat).toEqual({ amount: 3, unit: 'month' });
    const q = r.ir!.queries.find((x) => x.event === 'qbr_held' && x.window?.kind === 'since')!;
    expect(q).toMatchObject({ milestone: 'qbr', window: { kind: 'since', time: { anchor: 'opens', terms: [] } } });
    const sponsor = r.ir!.milestones.find((m) => m.id === 'sponsor_checkin')!;
    expect(sponsor.owner).toBe('exec_sponsor');
    expect(sponsor.steps[0]!.action).toMatchObject({ kind: 'remind', to: 'exec_sponsor', channel: 'slack' });
  });
});
