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
  /**
   * `milestone/<id>`, `milestone/<id>/step/<i>`, `risk/<id>`, `opportunity/<id>`,
   * `trigger/<id>`, `health`, `applies_to`, `language` (the language version:
   * the same text behaves differently under version 2, reference, introduction).
   */
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

/**
 * A part of an IR as it behaves, for comparing two versions: expression node
 * ids dropped (they number every node of the playbook, so they shift when
 * anything is added before), and indexes into `ir.queries` (an expression's
 * `query`, a trigger's `on`) replaced by the query itself (the queries table
 * is renumbered when a query is added). On main both made an unchanged risk
 * or trigger show as changed (issue 15).
 */
export function behaviour(ir: PlaybookIR, value: unknown): unknown {
  const queries = ir.queries;
  const walk = (v: unknown, key: string | null): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, null));
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    const node = v as Record<string, unknown>;
    for (const [k, x] of Object.entries(node)) {
      if (k === 'id' && typeof x === 'number') continue;
      if ((k === 'query' && node['k'] === 'query' && typeof x === 'number') || (k === 'on' && key === 'trigger' && typeof x === 'number')) {
        out[k] = walk(queries[x], null);
        continue;
      }
      out[k] = walk(x, null);
    }
    return out;
  };
  return walk(value, (value as { on?: unknown } | null)?.on !== undefined ? 'trigger' : null);
}

/** `30 days`, `1 month`. */
function durationText(d: { amount: number; unit: string }): string {
  return `${d.amount} ${d.unit}${d.amount === 1 ? '' : 's'}`;
}

/** A value for a change's detail: an expression's source, a duration, a scalar, else a short summary. */
function shown(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (typeof v !== 'object') return String(v);
  const o = v as Record<string, unknown>;
  if (typeof o['source'] === 'string') return o['source'];
  if (typeof o['amount'] === 'number' && typeof o['unit'] === 'string') return durationText(o as { amount: number; unit: string });
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null && 'kind' in x ? String((x as { kind: unknown }).kind) : shown(x))).join(', ') || '(none)';
  return JSON.stringify(v).slice(0, 60);
}

/**
 * What differs between two versions of one risk, opportunity or trigger, key
 * by key (`when: health < 40 → health < 35; cooldown: 30 days → 14 days`);
 * `null` when they behave the same.
 */
function whatChanged(oldIr: PlaybookIR, a: unknown, nextIr: PlaybookIR, b: unknown): string | null {
  const ca = behaviour(oldIr, a) as Record<string, unknown>;
  const cb = behaviour(nextIr, b) as Record<string, unknown>;
  if (json(ca) === json(cb)) return null;
  const parts: string[] = [];
  for (const key of new Set([...Object.keys(ca), ...Object.keys(cb)])) {
    if (json(ca[key]) === json(cb[key])) continue;
    const before = (a as Record<string, unknown>)[key];
    const after = (b as Record<string, unknown>)[key];
    if (key === 'on') parts.push(`on: ${shown(oldIr.queries[before as number])} → ${shown(nextIr.queries[after as number])}`);
    else if (key === 'actions' && shown(before) === shown(after)) parts.push(`actions: ${describeActionChanges(ca[key] as unknown[], cb[key] as unknown[])}`);
    else parts.push(`${key}: ${shown(before)} → ${shown(after)}`);
  }
  return parts.join('; ');
}

/** Which actions of a list changed, and in what (`0 open_task: priority, title`). */
function describeActionChanges(a: unknown[], b: unknown[]): string {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = (a[i] ?? {}) as Record<string, unknown>;
    const y = (b[i] ?? {}) as Record<string, unknown>;
    if (json(x) === json(y)) continue;
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => json(x[k]) !== json(y[k]));
    out.push(`${i} ${String(y['kind'] ?? x['kind'])}: ${keys.join(', ')}`);
  }
  return out.join('; ');
}

/**
 * What the same playbook text does differently under language version 2
 * than under version 1 (reference, introduction), for a plan that replaces
 * a version-1 IR by a version-2 one: running journeys keep version 1 until
 * migrated, and migrating them changes these behaviours.
 */
function languageChanges(next: PlaybookIR): string[] {
  const notes: string[] = [];
  const repeating = next.milestones.filter((m) => m.repeat !== null && (m.closes ?? null) === null).map((m) => m.id);
  if (repeating.length > 0) notes.push(`each instance of ${repeating.join(', ')} closes at the next instance's opens (not done in its own window: missed)`);
  const opensTasks = JSON.stringify(next).includes('"kind":"open_task"');
  if (opensTasks) notes.push('tasks close by themselves (milestone completed, risk cleared, term closed) and can be closed by people');
  if ((next.catchUp ?? 'latest') !== 'none') notes.push('migrating fires catch-up: the latest step of each open milestone, the actions of each raised risk');
  return notes;
}

/** The differences between `old` (deployed; null when none) and `next`. */
export function diffPlaybooks(old: PlaybookIR | null, next: PlaybookIR): PlanChange[] {
  if (old === null) return [{ sign: '+', subject: `playbook/${next.playbook}`, detail: 'first version' }];
  const changes: PlanChange[] = [];
  const [fromVersion, toVersion] = [old.language ?? 1, next.language ?? 1];
  if (fromVersion !== toVersion) {
    const notes = toVersion > fromVersion ? languageChanges(next) : [];
    changes.push({
      sign: '~', subject: 'language',
      detail: `language version ${fromVersion} → ${toVersion}: the same text behaves differently${notes.length > 0 ? `: ${notes.join('; ')}` : ''}`,
    });
  }
  if (json(old.appliesTo?.source ?? null) !== json(next.appliesTo?.source ?? null)) {
    changes.push({ sign: '~', subject: 'applies_to', detail: `${old.appliesTo?.source ?? '(all)'} → ${next.appliesTo?.source ?? '(all)'}` });
  }
  const health = whatChanged(old, { health: old.health }, next, { health: next.health });
  if (health !== null) changes.push({ sign: '~', subject: 'health', detail: 'health components changed' });
  const oldMilestones = new Map(old.milestones.map((m) => [m.id, m]));
  const nextMilestones = new Map(next.milestones.map((m) => [m.id, m]));
  for (const m of next.milestones) {
    const before = oldMilestones.get(m.id);
    if (!before) changes.push({ sign: '+', subject: `milestone/${m.id}`, detail: `opens ${m.opens.source}, due ${m.due.source}`, milestone: m.id });
    else changes.push(...diffMilestone(old, before, next, m));
  }
  for (const m of old.milestones) {
    if (!nextMilestones.has(m.id)) changes.push({ sign: '-', subject: `milestone/${m.id}`, detail: m.title, milestone: m.id });
  }
  const groups = [
    ['risk', old.risks, next.risks],
    ['opportunity', old.opportunities ?? [], next.opportunities ?? []],
    ['trigger', old.triggers, next.triggers],
  ] as const;
  for (const [kind, before, after] of groups) {
    const olds = new Map<string, unknown>(before.map((r) => [r.id, r]));
    const news = new Map<string, unknown>(after.map((r) => [r.id, r]));
    for (const [id, r] of news) {
      if (!olds.has(id)) changes.push({ sign: '+', subject: `${kind}/${id}`, detail: describe(next, r) });
      else {
        const changed = whatChanged(old, olds.get(id), next, r);
        if (changed !== null) changes.push({ sign: '~', subject: `${kind}/${id}`, detail: changed });
      }
    }
    for (const [id, r] of olds) if (!news.has(id)) changes.push({ sign: '-', subject: `${kind}/${id}`, detail: describe(old, r) });
  }
  return changes;
}

function diffMilestone(oldIr: PlaybookIR, a: Milestone, nextIr: PlaybookIR, b: Milestone): PlanChange[] {
  const out: PlanChange[] = [];
  const base = `milestone/${b.id}`;
  if (a.opens.source !== b.opens.source) out.push({ sign: '~', subject: base, detail: `opens: ${a.opens.source} → ${b.opens.source}`, milestone: b.id, moved: true });
  if (a.due.source !== b.due.source) out.push({ sign: '~', subject: base, detail: `due: ${a.due.source} → ${b.due.source}`, milestone: b.id, moved: true });
  if (a.doneWhen.source !== b.doneWhen.source) out.push({ sign: '~', subject: base, detail: `done_when: ${a.doneWhen.source} → ${b.doneWhen.source}`, milestone: b.id });
  if ((a.appliesWhen?.source ?? null) !== (b.appliesWhen?.source ?? null)) out.push({ sign: '~', subject: base, detail: `applies_when: ${a.appliesWhen?.source ?? '(always)'} → ${b.appliesWhen?.source ?? '(always)'}`, milestone: b.id });
  if ((a.closes?.source ?? null) !== (b.closes?.source ?? null)) out.push({ sign: '~', subject: base, detail: `closes: ${a.closes?.source ?? '(default)'} → ${b.closes?.source ?? '(default)'}`, milestone: b.id, moved: true });
  const said: string[] = [];
  if (json(a.repeat) !== json(b.repeat)) said.push(`repeat: ${a.repeat ? `every ${durationText(a.repeat)}` : '(none)'} → ${b.repeat ? `every ${durationText(b.repeat)}` : '(none)'}`);
  if (a.renewal !== b.renewal) said.push(`renewal: ${a.renewal} → ${b.renewal}`);
  if (a.owner !== b.owner) said.push(`owner: ${a.owner} → ${b.owner}`);
  if (a.title !== b.title) said.push(`title: ${a.title} → ${b.title}`);
  if (said.length > 0) out.push({ sign: '~', subject: base, detail: said.join('; '), milestone: b.id });
  const steps = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < steps; i++) {
    const sa = a.steps[i];
    const sb = b.steps[i];
    const subject = `${base}/step/${i}`;
    if (!sa && sb) out.push({ sign: '+', subject, detail: `at ${sb.at.source}: ${sb.action.kind}`, milestone: b.id });
    else if (sa && !sb) out.push({ sign: '-', subject, detail: `at ${sa.at.source}: ${sa.action.kind}`, milestone: b.id });
    else if (sa && sb) {
      if (sa.at.source !== sb.at.source) out.push({ sign: '~', subject, detail: `at: ${sa.at.source} → ${sb.at.source}`, milestone: b.id, moved: true });
      const action = whatChanged(oldIr, sa.action, nextIr, sb.action);
      if (action !== null) out.push({ sign: '~', subject, detail: `${sb.action.kind}: ${action}`, milestone: b.id });
    }
  }
  const onDone = whatChanged(oldIr, { actions: a.onDone }, nextIr, { actions: b.onDone });
  if (onDone !== null) out.push({ sign: '~', subject: `${base}/on_done`, detail: onDone, milestone: b.id });
  return out;
}

function describe(ir: PlaybookIR, r: unknown): string {
  const x = r as { when?: { source: string }; on?: number; title?: string };
  if (x.title !== undefined) return x.title;
  if (x.when !== undefined) return `when ${x.when.source}`;
  return x.on !== undefined ? `on ${ir.queries[x.on]?.source ?? 'an event'}` : 'trigger';
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
