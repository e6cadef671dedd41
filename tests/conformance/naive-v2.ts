/**
 * An independent, deliberately naive model of SPEC language version 2 (§5
 * closes, §5.1 the default close of repeats, §5.2 tasks and their closes by
 * people, overdue actions, §6 `from` and opportunities, §4 count_distinct,
 * §8 `when`, §10 catch-up at enrolment) for one family of playbooks, used to
 * check the engine differentially (differential.test.ts).
 *
 * Naive on purpose: every quantity is recomputed from the whole event list at
 * every hour, in reference §10 order, with its own task list; no wake-ups, windows
 * or aggregates. All inputs sit on whole hours, so every instant at which
 * anything can change is an hour.
 *
 * The playbook is written in version-1 YAML and given its version-2 keys in
 * {@link patchV2} (the IR of dsl/ir/schema.ts), so the family does not depend
 * on which v2 keys the compiler reads yet.
 */
import type { PlaybookIR, Rule } from '../../dsl/ir/schema.ts';
import { iso } from './naive-journey.ts';
import { seededRandom } from '../../scripts/demo/seeded-random.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The random constants of one scenario. */
export interface V2Scenario {
  seed: number;
  start: number;
  end: number;
  enrolledAt: number;
  until: number;
  tier: 'vip' | 'growth';
  events: Array<{ at: number; type: 'ping' | 'ticket'; v: number | null }>;
  /** people's closes: a task id and an instant */
  closes: Array<{ task: string; at: number }>;
  /** m1: due day x, done when count(ping within d2 hours) >= k; closes due + c days; task at due, due_in t1 hours */
  x: number; d2: number; k: number; c: number; t1: number;
  /** q: every r days, due opens + w days, done when count(ping since opens) >= 2; task at opens + 1 day when happened(ticket), due_in t2 hours; reminder at opens + s hours */
  r: number; w: number; t2: number; s: number;
  /** r1: latest(ping.v) < l from start + f days, cooldown cd days (0: none), task due_in t3 hours, auto_close a */
  l: number; f: number; cd: number; t3: number; a: boolean;
  /** o1: count_distinct(ping.v within d3 hours) >= n3 */
  d3: number; n3: number;
  /** trigger on ticket: task due_in t4 hours when event.v >= sv; overdue: an escalation, and a reminder for VIPs only */
  t4: number; sv: number;
}

/** A random scenario from a seed. */
export function generateV2Scenario(seed: number): V2Scenario {
  const rnd = seededRandom(seed * 7919 + 17);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const start = Date.UTC(2026, 0, 1) + int(0, 400) * DAY;
  const termDays = int(15, 45);
  const end = start + termDays * DAY;
  const termHours = termDays * 24;
  const events: V2Scenario['events'] = [];
  const n = int(0, 40);
  for (let i = 0; i < n; i++) {
    const at = i > 0 && rnd() < 0.15 ? events[i - 1]!.at : start + int(-72, termHours) * HOUR;
    if (rnd() < 0.6) events.push({ at, type: 'ping', v: rnd() < 0.15 ? null : int(0, 6) });
    else events.push({ at, type: 'ticket', v: rnd() < 0.1 ? null : int(0, 3) });
  }
  const r = int(3, 8);
  const sc: V2Scenario = {
    seed, start, end, events, closes: [],
    tier: rnd() < 0.5 ? 'vip' : 'growth',
    enrolledAt: rnd() < 0.4 ? start : start + int(-48, termHours) * HOUR,
    until: rnd() < 0.6 ? end : start + int(0, termHours) * HOUR,
    x: int(2, 12), d2: int(1, 72), k: int(1, 3), c: int(0, 10), t1: int(1, 96),
    r, w: int(1, r + 2), t2: int(0, 72), s: int(1, 60),
    l: int(1, 5), f: int(0, 8), cd: rnd() < 0.5 ? 0 : int(1, 6), t3: int(1, 120), a: rnd() < 0.7,
    d3: int(1, 72), n3: int(2, 3),
    t4: int(0, 48), sv: int(0, 3),
  };
  // People close some ticket tasks (the first of an instant) and some repeat-instance tasks.
  for (const e of events) {
    if (e.type === 'ticket' && rnd() < 0.5) sc.closes.push({ task: `trigger/t/0@${iso(e.at)}`, at: e.at + int(0, sc.t4 + 2) * HOUR });
  }
  for (let k = 1; start + (k - 1) * r * DAY < end; k++) {
    if (rnd() < 0.3) {
      const opened = start + (k - 1) * r * DAY + DAY;
      sc.closes.push({ task: `milestone/q#${k}/step/0@${iso(opened)}`, at: opened + int(0, sc.t2 + 2) * HOUR });
    }
  }
  // Only closes within the term count (the engine ignores later ones).
  sc.closes = sc.closes.filter((cl) => cl.at <= end).sort((a, b) => a.at - b.at);
  return sc;
}

/** The playbook YAML (version-1 syntax; {@link patchV2} adds the version-2 keys). */
export function v2Playbook(sc: V2Scenario): string {
  return `playbook: differential-v2
title: Differential v2
customer:
  csm: string
  manager: string
  tier: string
events:
  ping: { v: number }
  ticket: { v: number }
milestones:
  - id: m1
    title: M1
    due: day ${sc.x}
    done_when: count(ping within ${sc.d2} hours) >= ${sc.k}
    steps:
      - at: due
        open_task: "m1 task"
        due_in: ${sc.t1} hours
      - at: due + ${sc.c} days
        remind: csm
        message: closing
  - id: q
    title: Q
    repeat: every ${sc.r} days
    due: opens + ${sc.w} days
    done_when: count(ping since opens) >= 2
    steps:
      - at: opens + 1 day
        open_task: "q {{milestone.title}}"
        due_in: ${sc.t2} hours
      - at: opens + ${sc.s} hours
        remind: owner
        message: q
  - id: x_ticketed
    title: aux
    due: day 1
    done_when: happened(ticket)
  - id: x_sev
    title: aux
    due: day 1
    done_when: happened(ticket where v >= ${sc.sv})
  - id: x_vip
    title: aux
    due: day 1
    done_when: customer.tier == "vip"
  - id: x_from
    title: aux
    due: start + ${sc.f} days
    done_when: true
risks:
  - id: r1
    title: R1
    level: low
    when: latest(ping.v) < ${sc.l}
${sc.cd > 0 ? `    cooldown: ${sc.cd} days\n` : ''}    actions:
      - open_task: "r1 task"
        due_in: ${sc.t3} hours
  - id: o1
    title: O1
    level: low
    when: max(ping.v within ${sc.d3} hours) >= ${sc.n3}
    actions:
      - remind: csm
        message: o1
triggers:
  - id: t
    on: ticket
    actions:
      - open_task: "ticket {{event.v}}"
        due_in: ${sc.t4} hours
`;
}

/** The version-2 keys, on the IR compiled from {@link v2Playbook}. */
export function patchV2(ir: PlaybookIR, sc: V2Scenario): void {
  const aux = (name: string) => {
    const i = ir.milestones.findIndex((m) => m.id === `x_${name}`);
    return ir.milestones.splice(i, 1)[0]!;
  };
  const ticketed = aux('ticketed').doneWhen;
  const sevQuery = aux('sev').doneWhen.expr as { query: number };
  const sev: Rule = { source: `event.v >= ${sc.sv}`, expr: ir.queries[sevQuery.query]!.where!, type: 'boolean' };
  const vip = aux('vip').doneWhen;
  const from = aux('from').due;
  ir.language = 2;
  const m1 = ir.milestones.find((m) => m.id === 'm1')!;
  m1.closes = { anchor: 'due', terms: [{ sign: 1, duration: { amount: sc.c, unit: 'day' } }], source: `due + ${sc.c} days` };
  const q = ir.milestones.find((m) => m.id === 'q')!;
  q.steps[0]!.action.when = ticketed;
  const r1 = ir.risks[0]!;
  r1.from = from;
  if (r1.actions[0]!.kind === 'open_task') r1.actions[0]!.autoClose = sc.a;
  const o1 = ir.risks.splice(1, 1)[0]!;
  (o1.when.expr as unknown as { left: { fn: string } }).left.fn = 'count_distinct';
  ir.opportunities = [o1];
  const task = ir.triggers[0]!.actions[0]!;
  task.when = sev;
  if (task.kind === 'open_task') {
    task.overdue = [
      { kind: 'escalate', to: 'manager', message: { source: '', parts: ['late: ', { kind: 'task_title' }, ' due ', { kind: 'task_due' }] } },
      { kind: 'remind', to: 'csm', template: null, message: { source: 'vip', parts: ['vip'] }, channel: 'email', when: vip },
    ];
  }
}

/** The timeline YAML (the closes are handed to the simulator apart: {@link V2Scenario.closes}). */
export function v2Timeline(sc: V2Scenario): string {
  const lines = sc.events.map((e) => `  - { at: "${iso(e.at)}", type: ${e.type}, data: { v: ${e.v === null ? 'null' : e.v} } }`);
  return `customer: { id: c1, csm: ada, manager: max, tier: ${sc.tier} }
contract: { start: "${iso(sc.start)}", end: "${iso(sc.end)}" }
events:${lines.length === 0 ? ' []' : `\n${lines.join('\n')}`}
`;
}

interface Inst {
  id: string; kind: 'm1' | 'q'; opens: number; due: number; closes: number | null;
  state: string; completed: number | null;
  steps: number[];
}

interface Task {
  id: string; source: string; title: string; to: string; opened: number; due: number;
  closed: number | null; because: string | null; owner: string | null; overdue: boolean;
}

/** The reference §12 report of a scenario, computed naively. */
export function naiveV2Report(sc: V2Scenario): unknown {
  const events = sc.events.map((e, i) => ({ ...e, i })).sort((a, b) => a.at - b.at || a.i - b.i);
  const pings = (t: number) => events.filter((e) => e.type === 'ping' && e.at <= t);
  const latestV = (t: number): number | null => { const p = pings(t); return p.length === 0 ? null : p[p.length - 1]!.v; };
  const e0 = sc.enrolledAt;

  const insts: Inst[] = [];
  const m1due = sc.start + sc.x * DAY;
  const m1closes = m1due + sc.c * DAY;
  insts.push({ id: 'm1', kind: 'm1', opens: sc.start, due: m1due, closes: m1closes < sc.end ? m1closes : null, state: 'pending', completed: null, steps: [m1due, m1closes] });
  for (let k = 1; sc.start + (k - 1) * sc.r * DAY < sc.end; k++) {
    const opens = sc.start + (k - 1) * sc.r * DAY;
    const next = opens + sc.r * DAY;
    insts.push({ id: `q#${k}`, kind: 'q', opens, due: opens + sc.w * DAY, closes: next < sc.end ? next : null, state: 'pending', completed: null, steps: [opens + DAY, opens + sc.s * HOUR] });
  }
  const done = (inst: Inst, t: number): boolean => inst.kind === 'm1'
    ? pings(t).filter((e) => t - sc.d2 * HOUR < e.at).length >= sc.k
    : pings(t).filter((e) => e.at >= inst.opens).length >= 2;

  const actions: Array<Record<string, unknown>> = [];
  const tasks: Task[] = [];
  let firedHere: string[] = [];
  const fire = (t: number, source: string, a: Record<string, unknown>, catchUp: boolean, task?: { title: string; to: string; dueIn: number; owner: string | null; overdue: boolean }) => {
    if (t < e0) return;
    const n = firedHere.filter((x) => x === source).length + 1;
    firedHere.push(source);
    const entry: Record<string, unknown> = { at: iso(t), ...a, source: undefined };
    const { kind, ...rest } = a;
    const ordered: Record<string, unknown> = { at: iso(t), kind, source, ...rest };
    void entry;
    if (task !== undefined) {
      ordered['title'] = task.title;
      ordered['priority'] = 'normal';
      ordered['due_at'] = iso(t + task.dueIn);
      tasks.push({
        id: `${source}@${iso(t)}${n === 1 ? '' : `#${n}`}`, source, title: task.title, to: task.to, opened: t, due: t + task.dueIn,
        closed: null, because: null, owner: task.owner, overdue: task.overdue,
      });
    }
    if (catchUp) ordered['catch_up'] = true;
    actions.push(ordered);
  };
  const close = (t: number, pred: (task: Task) => boolean, because: string) => {
    for (const task of tasks) if (task.closed === null && pred(task)) { task.closed = t; task.because = because; task.overdue = false; }
  };

  const signals = [
    { id: 'r1', from: sc.start + sc.f * DAY, on: false, lastFired: null as number | null, raises: [] as Array<{ id: string; raised_at: string; cleared_at: string | null }>,
      when: (t: number) => { const v = latestV(t); return v !== null && v < sc.l; } },
    { id: 'o1', from: sc.start, on: false, lastFired: null as number | null, raises: [] as Array<{ id: string; raised_at: string; cleared_at: string | null }>,
      when: (t: number) => new Set(pings(t).filter((e) => t - sc.d3 * HOUR < e.at && e.v !== null).map((e) => e.v)).size >= sc.n3 },
  ];
  const fireSignal = (ri: number, t: number, catchUp: boolean) => {
    if (ri === 0) fire(t, 'risk/r1/0', { kind: 'open_task', to: 'csm' }, catchUp, { title: 'r1 task', to: 'csm', dueIn: sc.t3 * HOUR, owner: sc.a ? 'risk:r1' : null, overdue: false });
    else fire(t, 'opportunity/o1/0', { kind: 'remind', to: 'csm', message: 'o1' }, catchUp);
  };
  const cooled = (ri: number, t: number) => ri === 1 || sc.cd === 0 || signals[0]!.lastFired === null || t - signals[0]!.lastFired >= sc.cd * DAY;
  const fireStep = (inst: Inst, i: number, t: number, catchUp: boolean) => {
    const source = `milestone/${inst.id}/step/${i}`;
    if (inst.kind === 'm1') {
      if (i === 0) fire(t, source, { kind: 'open_task', to: 'csm' }, catchUp, { title: 'm1 task', to: 'csm', dueIn: sc.t1 * HOUR, owner: 'milestone:m1', overdue: false });
      else fire(t, source, { kind: 'remind', to: 'csm', message: 'closing' }, catchUp);
      return;
    }
    if (i === 0) {
      // when: happened(ticket), judged at t
      if (!events.some((e) => e.type === 'ticket' && e.at <= t)) return;
      fire(t, source, { kind: 'open_task', to: 'csm' }, catchUp, { title: 'q Q', to: 'csm', dueIn: sc.t2 * HOUR, owner: `milestone:${inst.id}`, overdue: false });
    } else fire(t, source, { kind: 'remind', to: 'csm', message: 'q' }, catchUp);
  };
  const overdue = (t: number) => {
    for (const task of tasks) {
      if (task.closed !== null || !task.overdue || task.due !== t) continue;
      task.overdue = false;
      fire(t, `${task.source}/overdue/0`, { kind: 'escalate', to: 'manager', message: `late: ${task.title} due ${iso(task.due).slice(0, 10)}` }, false);
      if (sc.tier === 'vip') fire(t, `${task.source}/overdue/1`, { kind: 'remind', to: 'csm', message: 'vip' }, false);
    }
  };

  const last = Math.min(sc.until, sc.end);
  for (let t = sc.start - 72 * HOUR; t <= last; t += HOUR) {
    firedHere = [];
    // 1. events, people's closes, triggers
    for (const cl of sc.closes) if (cl.at === t) close(t, (task) => task.id === cl.task, 'done');
    for (const e of events) {
      if (e.at !== t || e.type !== 'ticket' || e.at < e0) continue;
      if (e.v === null || e.v < sc.sv) continue;
      fire(t, 'trigger/t/0', { kind: 'open_task', to: 'csm' }, false, { title: `ticket ${e.v}`, to: 'csm', dueIn: sc.t4 * HOUR, owner: null, overdue: true });
    }
    if (t >= sc.start) {
      for (const inst of insts) if (inst.state === 'pending' && inst.opens <= t) inst.state = 'open';
      for (const inst of insts) {
        if ((inst.state === 'open' || inst.state === 'overdue') && done(inst, t)) {
          inst.state = t <= inst.due ? 'done' : 'late';
          inst.completed = t;
          close(t, (task) => task.owner === `milestone:${inst.id}`, 'milestone_completed');
        }
      }
      for (const inst of insts) if (inst.state === 'open' && inst.due <= t) inst.state = 'overdue';
      for (const inst of insts) {
        if (inst.closes !== null && inst.closes <= t && ['pending', 'open', 'overdue'].includes(inst.state)) {
          inst.state = 'missed';
          close(t, (task) => task.owner === `milestone:${inst.id}`, 'milestone_missed');
        }
      }
      for (const inst of insts) {
        if (inst.state !== 'open' && inst.state !== 'overdue') continue;
        inst.steps.forEach((at, i) => { if (at === t) fireStep(inst, i, t, false); });
      }
      signals.forEach((sig, ri) => {
        const v = t >= sig.from && sig.when(t);
        if (v === sig.on) return;
        sig.on = v;
        if (!v) {
          sig.raises[sig.raises.length - 1]!.cleared_at = iso(t);
          close(t, (task) => task.owner === `risk:${sig.id}`, 'risk_cleared');
          return;
        }
        sig.raises.push({ id: sig.id, raised_at: iso(t), cleared_at: null });
        if (t >= e0 && cooled(ri, t)) {
          sig.lastFired = t;
          fireSignal(ri, t, false);
        }
      });
    }
    overdue(t);
    if (t === e0 && e0 > sc.start) {
      for (const inst of insts) {
        if (inst.state !== 'open' && inst.state !== 'overdue') continue;
        let best = -1;
        inst.steps.forEach((at, i) => { if (at < t && at >= inst.opens && (best < 0 || at >= inst.steps[best]!)) best = i; });
        if (best >= 0) fireStep(inst, best, t, true);
      }
      signals.forEach((sig, ri) => {
        const lastRaise = sig.raises[sig.raises.length - 1];
        if (!sig.on || lastRaise === undefined || Date.parse(lastRaise.raised_at) >= t || !cooled(ri, t)) return;
        sig.lastFired = t;
        fireSignal(ri, t, true);
      });
      overdue(t);
    }
    if (t === sc.end) {
      for (const inst of insts) if (['pending', 'open', 'overdue'].includes(inst.state)) inst.state = 'missed';
      close(t, () => true, 'term_closed');
    }
  }
  return {
    playbook: 'differential-v2',
    customer: 'c1',
    until: iso(sc.until),
    outcome: sc.until < sc.end ? 'running' : 'ended',
    milestones: insts.map((i) => ({ id: i.id, state: i.state, opens_at: iso(i.opens), due_at: iso(i.due), completed_at: i.completed === null ? null : iso(i.completed) })),
    actions,
    risks: signals[0]!.raises,
    tasks: tasks.map((task) => ({
      id: task.id, source: task.source, title: task.title, to: task.to, priority: 'normal', opened_at: iso(task.opened), due_at: iso(task.due),
      closed_at: task.closed === null ? null : iso(task.closed), closed_because: task.because,
    })),
    opportunities: signals[1]!.raises,
    next_term: null,
  };
}
