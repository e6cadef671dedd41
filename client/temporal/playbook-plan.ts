/**
 * `milepost plan`: what a new version of a playbook changes compared with the
 * deployed one, and which running journeys it would touch — like a Terraform
 * plan. Pure: the command reads the versions, journeys and ledger and hands
 * them in.
 */
import type { Milestone, PlaybookIR } from '../../dsl/ir/schema.ts';
import type { JourneyReport } from '../../workflows/engine/types.ts';

/** One difference between two versions. `+` added, `-` removed, `~` changed. */
export interface PlanChange {
  sign: '+' | '-' | '~';
  /** `milestone/<id>`, `milestone/<id>/step/<i>`, `risk/<id>`, `trigger/<id>`, `health`, `applies_to`. */
  subject: string;
  /** What changed, readable: `due: month 1 → month 2`. */
  detail: string;
  /** The milestone it concerns, when it concerns one. */
  milestone?: string;
  /** A move of `opens` / `due` / a step's `at`. */
  moved?: boolean;
}

/** A running journey as the plan sees it. */
export interface PlannedJourney {
  customerId: string;
  playbookHash: string;
  /** The last report read from the journey (the dashboard's read model), when there is one. */
  report: JourneyReport | null;
  /** Sources of the actions already fired (from the ledger). */
  firedSources: string[];
}

/** What the new version would do to one running journey. */
export interface JourneyImpact {
  customerId: string;
  playbookHash: string;
  notes: string[];
}

export interface Plan {
  playbook: string;
  from: string | null;
  to: string;
  changes: PlanChange[];
  journeys: JourneyImpact[];
}

const json = (value: unknown) => JSON.stringify(value);

/** The differences between `old` (deployed; null when none) and `next`. */
export function diffPlaybooks(old: PlaybookIR | null, next: PlaybookIR): PlanChange[] {
  if (old === null) return [{ sign: '+', subject: `playbook/${next.playbook}`, detail: 'first version' }];
  const changes: PlanChange[] = [];
  if (json(old.appliesTo?.source ?? null) !== json(next.appliesTo?.source ?? null)) {
    changes.push({ sign: '~', subject: 'applies_to', detail: `${old.appliesTo?.source ?? '(all)'} → ${next.appliesTo?.source ?? '(all)'}` });
  }
  if (json(old.health) !== json(next.health)) changes.push({ sign: '~', subject: 'health', detail: 'health components changed' });
  const oldMilestones = new Map(old.milestones.map((m) => [m.id, m]));
  const nextMilestones = new Map(next.milestones.map((m) => [m.id, m]));
  for (const m of next.milestones) {
    const before = oldMilestones.get(m.id);
    if (!before) changes.push({ sign: '+', subject: `milestone/${m.id}`, detail: `opens ${m.opens.source}, due ${m.due.source}`, milestone: m.id });
    else changes.push(...diffMilestone(before, m));
  }
  for (const m of old.milestones) {
    if (!nextMilestones.has(m.id)) changes.push({ sign: '-', subject: `milestone/${m.id}`, detail: m.title, milestone: m.id });
  }
  for (const [kind, before, after] of [['risk', old.risks, next.risks], ['trigger', old.triggers, next.triggers]] as const) {
    const olds = new Map<string, unknown>(before.map((r) => [r.id, r]));
    const news = new Map<string, unknown>(after.map((r) => [r.id, r]));
    for (const [id, r] of news) {
      if (!olds.has(id)) changes.push({ sign: '+', subject: `${kind}/${id}`, detail: describe(r) });
      else if (json(strip(olds.get(id))) !== json(strip(r))) changes.push({ sign: '~', subject: `${kind}/${id}`, detail: describe(r) });
    }
    for (const [id, r] of olds) if (!news.has(id)) changes.push({ sign: '-', subject: `${kind}/${id}`, detail: describe(r) });
  }
  return changes;
}

function diffMilestone(a: Milestone, b: Milestone): PlanChange[] {
  const out: PlanChange[] = [];
  const base = `milestone/${b.id}`;
  if (a.opens.source !== b.opens.source) out.push({ sign: '~', subject: base, detail: `opens: ${a.opens.source} → ${b.opens.source}`, milestone: b.id, moved: true });
  if (a.due.source !== b.due.source) out.push({ sign: '~', subject: base, detail: `due: ${a.due.source} → ${b.due.source}`, milestone: b.id, moved: true });
  if (a.doneWhen.source !== b.doneWhen.source) out.push({ sign: '~', subject: base, detail: `done_when: ${a.doneWhen.source} → ${b.doneWhen.source}`, milestone: b.id });
  if ((a.appliesWhen?.source ?? null) !== (b.appliesWhen?.source ?? null)) out.push({ sign: '~', subject: base, detail: `applies_when: ${a.appliesWhen?.source ?? '(always)'} → ${b.appliesWhen?.source ?? '(always)'}`, milestone: b.id });
  if (json(a.repeat) !== json(b.repeat) || a.renewal !== b.renewal || a.owner !== b.owner || a.title !== b.title) {
    out.push({ sign: '~', subject: base, detail: 'title, owner, renewal or repeat changed', milestone: b.id });
  }
  const steps = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < steps; i++) {
    const sa = a.steps[i];
    const sb = b.steps[i];
    const subject = `${base}/step/${i}`;
    if (!sa && sb) out.push({ sign: '+', subject, detail: `at ${sb.at.source}: ${sb.action.kind}`, milestone: b.id });
    else if (sa && !sb) out.push({ sign: '-', subject, detail: `at ${sa.at.source}: ${sa.action.kind}`, milestone: b.id });
    else if (sa && sb) {
      if (sa.at.source !== sb.at.source) out.push({ sign: '~', subject, detail: `at: ${sa.at.source} → ${sb.at.source}`, milestone: b.id, moved: true });
      if (json(sa.action) !== json(sb.action)) out.push({ sign: '~', subject, detail: `${sb.action.kind} changed`, milestone: b.id });
    }
  }
  if (json(a.onDone) !== json(b.onDone)) out.push({ sign: '~', subject: `${base}/on_done`, detail: 'on_done actions changed', milestone: b.id });
  return out;
}

/** A risk or trigger without the fields that do not change behaviour (expression node ids). */
function strip(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) => (key === 'id' && typeof v === 'number' ? undefined : v));
}

function describe(r: unknown): string {
  const x = r as { when?: { source: string }; on?: number; title?: string };
  return x.title ?? (x.when ? `when ${x.when.source}` : 'trigger');
}

/**
 * For each journey pinned to another version: which changes reach it. A
 * change to a milestone the journey has already closed (done, late, missed,
 * skipped) does not; a moved milestone or step whose steps already fired says
 * so, since migrating will not fire them again.
 */
export function journeyImpacts(changes: PlanChange[], next: PlaybookIR, journeys: PlannedJourney[]): JourneyImpact[] {
  const out: JourneyImpact[] = [];
  for (const j of journeys) {
    if (j.playbookHash === next.sourceHash) continue;
    const notes: string[] = [];
    const states = new Map((j.report?.milestones ?? []).map((m) => [m.id.replace(/#\d+$/, ''), m.state]));
    for (const change of changes) {
      if (change.milestone !== undefined) {
        const state = states.get(change.milestone);
        if (state === 'done' || state === 'late' || state === 'missed' || state === 'skipped') continue;
        const fired = j.firedSources.filter((s) => s.startsWith(`milestone/${change.milestone}/`) || s.startsWith(`milestone/${change.milestone}#`));
        const where = state === undefined ? '' : ` (${state})`;
        const already = change.moved && fired.length > 0 ? `; already fired: ${[...new Set(fired)].join(', ')}` : '';
        notes.push(`${change.sign} ${change.subject}${where}: ${change.detail}${already}`);
      } else if (change.subject !== `playbook/${next.playbook}`) {
        notes.push(`${change.sign} ${change.subject}: ${change.detail}`);
      }
    }
    if (notes.length > 0) out.push({ customerId: j.customerId, playbookHash: j.playbookHash, notes });
  }
  return out;
}

/** The plan as text, Terraform style. */
export function renderPlan(plan: Plan): string {
  const lines = [`Plan for ${plan.playbook}: ${plan.from ?? '(not deployed)'} → ${plan.to}`, ''];
  if (plan.changes.length === 0) lines.push('  No changes.');
  for (const c of plan.changes) lines.push(`  ${c.sign} ${c.subject}: ${c.detail}`);
  lines.push('');
  if (plan.journeys.length > 0) {
    lines.push(`Running journeys it would touch when migrated (${plan.journeys.length}):`);
    for (const j of plan.journeys) {
      lines.push(`  ${j.customerId} (pinned to ${j.playbookHash.slice(0, 19)})`);
      for (const note of j.notes) lines.push(`      ${note}`);
    }
    lines.push('');
  }
  const count = (sign: string) => plan.changes.filter((c) => c.sign === sign).length;
  lines.push(`Plan: ${count('+')} to add, ${count('~')} to change, ${count('-')} to remove; ${plan.journeys.length} running journeys touched.`);
  lines.push('Journeys keep their pinned version unless deployed with --migrate.');
  return `${lines.join('\n')}\n`;
}
