/**
 * A small playbook for the API tests, and helpers to deploy it into a test
 * database. Written directly as IR (validated by the IR schema) so the API
 * tests do not depend on the compiler.
 */
import { PlaybookIR } from '../../../dsl/ir/schema.ts';
import { insertPlaybookVersion } from '../../../store/playbooks.ts';
import type { Pool } from '../../../store/pool.ts';

const t = (source: string) => ({ anchor: 'start' as const, terms: [], source });

/** `onboarding`: customer attributes, three event types, one milestone done when `activated` happens. */
export const onboardingIR: PlaybookIR = PlaybookIR.parse({
  irVersion: 1,
  playbook: 'onboarding',
  title: 'Onboarding',
  sourceHash: 'sha256:0000000000000000000000000000000000000000000000000000000000000001',
  appliesTo: null,
  customer: {
    name: { kind: 'string' },
    tier: { kind: 'enum', members: ['vip', 'growth', 'stable'] },
    arr: { kind: 'number' },
    csm: { kind: 'string' },
    signed_on: { kind: 'date' },
  },
  events: {
    activated: {},
    usage: { active_users: { kind: 'number' } },
    ticket_opened: { category: { kind: 'string' }, severity: { kind: 'number' }, urgent: { kind: 'boolean' } },
  },
  health: null,
  milestones: [{
    id: 'activation', title: 'Customer activated', appliesWhen: null,
    opens: t('start'),
    due: { anchor: 'start', terms: [{ sign: 1, duration: { amount: 1, unit: 'month' } }], source: 'month 1' },
    doneWhen: { source: 'happened(activated)', type: 'boolean', expr: { id: 1, k: 'query', fn: 'happened', query: 0 } },
    owner: 'csm', renewal: false, repeat: null, steps: [], onDone: [],
  }],
  risks: [],
  triggers: [],
  queries: [{ event: 'activated', field: null, where: null, window: null, milestone: null, source: 'activated' }],
  retention: { activated: { window: null, fields: [] } },
});

/** Deploys `ir` into the database behind `pool`. */
export async function deploy(pool: Pool, ir: PlaybookIR = onboardingIR): Promise<void> {
  await insertPlaybookVersion(pool, { source: `# ${ir.playbook}\n`, ir, deployedBy: 'test' });
}

/** A valid enrolment body for `id`. */
export function enrolment(id: string, overrides: Record<string, unknown> = {}) {
  return {
    playbook: 'onboarding',
    customer: { id, name: `Customer ${id}`, tier: 'growth', arr: 12000, csm: 'ada@example.com', signed_on: '2026-01-15' },
    contract: { start: '2026-01-31', end: '2027-01-31' },
    ...overrides,
  };
}
