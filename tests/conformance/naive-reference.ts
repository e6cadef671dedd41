/**
 * An independent, deliberately naive model of reference §3–§12 for one family of
 * playbooks (generated with random constants by {@link generateScenario}),
 * used to check the engine differentially.
 *
 * Naive on purpose: every quantity is recomputed from the whole event list at
 * every hour of the term, in reference §10 order, with no wake-ups, look-ahead,
 * windows or aggregates. All inputs sit on whole hours (the start at
 * midnight, events on the hour, durations in hours and days), so every
 * instant at which a condition can change is an hour, and the first hour at
 * which a condition holds is the exact instant SPEC asks for.
 */

import { iso, NaiveJourney } from './naive-journey.ts';
import type { NaiveInstance } from './naive-journey.ts';
import { seededRandom } from '../../scripts/demo/seeded-random.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The random constants of one scenario. */
export interface Scenario {
  seed: number;
  start: number;
  end: number;
  enrolledAt: number;
  until: number;
  events: Array<{ at: number; type: 'ping' | 'ticket'; v: number | null }>;
  /** health: b = 100 - 25 * count(ticket within d1 days) */
  d1: number;
  /** m1: due day x, done when count(ping within d2 hours) >= k; steps at due - s days, due */
  x: number; d2: number; k: number; s: number;
  /** m2: opens day y, due opens + z days, done when health >= h */
  y: number; z: number; h: number;
  /** q: repeat every r days, due opens + w days, done when count(ping since opens) >= 2; step at opens + 1 day */
  r: number; w: number;
  /** r1: health < h2, cooldown c days (0: none) */
  h2: number; c: number;
  /** r2: days_since(ticket) >= n2 */
  n2: number;
  /** r3: count(ticket within d3 days) >= 2 or latest(ping.v) < l */
  d3: number; l: number;
  /** trigger: ping where v >= tv */
  tv: number;
  /** renewal: opens contract.end - e days, due contract.end, done when happened(ping where v >= rv) */
  e: number; rv: number;
}

/** A small deterministic PRNG, shared with the demo book. */
export const prng = seededRandom;

/** A random scenario from a seed. */
export function generateScenario(seed: number): Scenario {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const start = Date.UTC(2026, 0, 1) + int(0, 400) * DAY;
  const termDays = int(20, 60);
  const end = start + termDays * DAY;
  const termHours = termDays * 24;
  const events: Scenario['events'] = [];
  const n = int(0, 40);
  for (let i = 0; i < n; i++) {
    // Some events share an instant with the previous one (reference §10/§11: timeline order within an instant).
    const at = i > 0 && rnd() < 0.15 ? events[i - 1]!.at : start + int(-72, termHours) * HOUR;
    if (rnd() < 0.6) events.push({ at, type: 'ping', v: rnd() < 0.1 ? null : int(0, 12) });
    else events.push({ at, type: 'ticket', v: null });
  }
  const r = int(3, 10);
  return {
    seed, start, end, events,
    enrolledAt: rnd() < 0.6 ? start : start + int(-48, termHours) * HOUR,
    until: rnd() < 0.6 ? end : start + int(0, termHours) * HOUR,
    e: int(1, 15), rv: int(0, 14),
    d1: int(1, 10),
    x: int(3, 20), d2: int(1, 72), k: int(1, 3), s: int(0, 3),
    y: int(0, 10), z: int(1, 20), h: int(20, 95),
    r, w: int(1, r + 2),
    h2: int(20, 90), c: rnd() < 0.3 ? 0 : int(1, 10),
    n2: int(1, 5),
    d3: int(1, 10), l: int(0, 5),
    tv: int(5, 12),
  };
}

/** The playbook YAML of a scenario. */
export function scenarioPlaybook(sc: Scenario): string {
  return `playbook: differential
title: Differential
customer:
  csm: string
  manager: string
events:
  ping: { v: number }
  ticket: {}
health:
  components:
    - id: a
      weight: 2
      score: clamp(latest(ping.v) * 10, 0, 100)
    - id: b
      weight: 1
      score: 100 - 25 * count(ticket within ${sc.d1} days)
milestones:
  - id: m1
    title: M1
    due: day ${sc.x}
    done_when: count(ping within ${sc.d2} hours) >= ${sc.k}
    steps:
      - at: due - ${sc.s} days
        remind: owner
        message: s0
      - at: due
        escalate: manager
  - id: m2
    title: M2
    opens: day ${sc.y}
    due: opens + ${sc.z} days
    done_when: health >= ${sc.h}
    on_done:
      - remind: csm
        message: done
  - id: q
    title: Q
    repeat: every ${sc.r} days
    due: opens + ${sc.w} days
    done_when: count(ping since opens) >= 2
    steps:
      - at: opens + 1 day
        remind: owner
        message: q
  - id: renewal
    title: Renewal
    renewal: true
    opens: contract.end - ${sc.e} days
    due: contract.end
    done_when: happened(ping where v >= ${sc.rv})
risks:
  - id: r1
    title: R1
    level: low
    when: health < ${sc.h2}
${sc.c > 0 ? `    cooldown: ${sc.c} days\n` : ''}    actions:
      - remind: csm
        message: "h={{health}}"
  - id: r2
    title: R2
    level: low
    when: days_since(ticket) >= ${sc.n2}
    actions:
      - escalate: manager
  - id: r3
    title: R3
    level: low
    when: count(ticket within ${sc.d3} days) >= 2 or latest(ping.v) < ${sc.l}
triggers:
  - id: t
    on: ping where v >= ${sc.tv}
    actions:
      - remind: csm
        message: t
`;
}


/** The timeline YAML of a scenario (events in random file order are sorted by the engine; these are sorted already). */
export function scenarioTimeline(sc: Scenario): string {
  const lines = sc.events.map((e) => `  - { at: "${iso(e.at)}", type: ${e.type}${e.type === 'ping' ? `, data: { v: ${e.v === null ? 'null' : e.v} }` : ''} }`);
  return `customer: { id: c1, csm: ada, manager: max }
contract: { start: "${iso(sc.start)}", end: "${iso(sc.end)}" }
events:${lines.length === 0 ? ' []' : `\n${lines.join('\n')}`}
`;
}

interface Inst extends NaiveInstance { steps: Array<{ at: number; action: Record<string, unknown> }>; kind: 'm1' | 'm2' | 'q' | 'renewal' }

/** reference §8: at most two decimals, no trailing zeros (toFixed, then trimmed). */
function renderNumber(x: number): string {
  return x.toFixed(2).replace(/\.?0+$/, '');
}

/** The reference §12 report of a scenario, computed naively. */
export function naiveReport(sc: Scenario): unknown {
  // Stable sort by instant (the file order is the generation order).
  const events = sc.events.map((e, i) => ({ ...e, i })).sort((a, b) => a.at - b.at || a.i - b.i);
  const visible = (t: number) => events.filter((e) => e.at <= t);
  const pings = (t: number) => visible(t).filter((e) => e.type === 'ping');
  const tickets = (t: number) => visible(t).filter((e) => e.type === 'ticket');
  const within = (list: typeof events, t: number, d: number) => list.filter((e) => t - d < e.at).length;
  const latestV = (t: number): number | null => {
    const p = pings(t);
    return p.length === 0 ? null : p[p.length - 1]!.v;
  };
  const health = (t: number): number | null => {
    const lv = latestV(t);
    const a = lv === null ? null : Math.min(100, Math.max(0, lv * 10));
    const b = Math.min(100, Math.max(0, 100 - 25 * within(tickets(t), t, sc.d1 * DAY)));
    return a === null ? b : (2 * a + b) / 3;
  };

  const insts: Inst[] = [];
  const m1due = sc.start + sc.x * DAY;
  insts.push({ id: 'm1', kind: 'm1', opens: sc.start, due: m1due, state: 'pending', completed: null, steps: [
    { at: m1due - sc.s * DAY, action: { kind: 'remind', to: 'csm', message: 's0' } },
    { at: m1due, action: { kind: 'escalate', to: 'manager' } },
  ] });
  const m2opens = sc.start + sc.y * DAY;
  insts.push({ id: 'm2', kind: 'm2', opens: m2opens, due: m2opens + sc.z * DAY, state: 'pending', completed: null, steps: [] });
  for (let k = 1; sc.start + (k - 1) * sc.r * DAY < sc.end; k++) {
    const opens = sc.start + (k - 1) * sc.r * DAY;
    insts.push({ id: `q#${k}`, kind: 'q', opens, due: opens + sc.w * DAY, state: 'pending', completed: null, steps: [
      { at: opens + DAY, action: { kind: 'remind', to: 'csm', message: 'q' } },
    ] });
  }
  insts.push({ id: 'renewal', kind: 'renewal', opens: sc.end - sc.e * DAY, due: sc.end, state: 'pending', completed: null, steps: [] });
  const done = (inst: Inst, t: number): boolean => {
    switch (inst.kind) {
      case 'renewal': return pings(t).some((e) => e.v !== null && e.v >= sc.rv);
      case 'm1': return within(pings(t), t, sc.d2 * HOUR) >= sc.k;
      case 'm2': { const h = health(t); return h !== null && h >= sc.h; }
      case 'q': return pings(t).filter((e) => e.at >= inst.opens).length >= 2;
    }
  };
  const actions: Array<Record<string, unknown>> = [];
  const fire = (t: number, source: string, a: Record<string, unknown>) => {
    if (t < sc.enrolledAt) return;
    const { kind, ...rest } = a;
    actions.push({ at: iso(t), kind, source, ...rest });
  };
  let lastFired: number | null = null;
  const journey = new NaiveJourney(insts, [
    {
      id: 'r1',
      when: (t) => { const h = health(t); return h !== null && h < sc.h2; },
      onRaise: (t) => {
        const cooled = sc.c === 0 || lastFired === null || t - lastFired >= sc.c * DAY;
        if (!cooled || t < sc.enrolledAt) return;
        lastFired = t;
        const h = health(t);
        fire(t, 'risk/r1/0', { kind: 'remind', to: 'csm', message: `h=${h === null ? '' : renderNumber(h)}` });
      },
    },
    {
      id: 'r2',
      when: (t) => { const tk = tickets(t); return tk.length > 0 && Math.floor((t - tk[tk.length - 1]!.at) / DAY) >= sc.n2; },
      onRaise: (t) => fire(t, 'risk/r2/0', { kind: 'escalate', to: 'manager' }),
    },
    {
      id: 'r3',
      when: (t) => { const lv = latestV(t); return within(tickets(t), t, sc.d3 * DAY) >= 2 || (lv !== null && lv < sc.l); },
      onRaise: () => undefined,
    },
  ], sc.end, {
    done,
    onDone: (inst, t) => { if (inst.kind === 'm2') fire(t, 'milestone/m2/on_done/0', { kind: 'remind', to: 'csm', message: 'done' }); },
    steps: (inst, t) => inst.steps.forEach((s, i) => { if (s.at === t) fire(t, `milestone/${inst.id}/step/${i}`, s.action); }),
  });

  const last = Math.min(sc.until, sc.end);
  const trigger = (e: (typeof events)[number]) => {
    if (e.type === 'ping' && e.at >= sc.enrolledAt && e.v !== null && e.v >= sc.tv) fire(e.at, 'trigger/t/0', { kind: 'remind', to: 'csm', message: 't' });
  };
  // Instants before the start: only events' triggers can act.
  for (const e of events) if (e.at < sc.start && e.at <= last) trigger(e);
  for (let t = sc.start; t <= last; t += HOUR) {
    for (const e of events) if (e.at === t) trigger(e);
    journey.instant(t);
  }
  const outcome = sc.until < sc.end ? 'running' : insts.some((i) => i.kind === 'renewal' && i.completed !== null) ? 'renewed' : 'churned';
  return journey.report('differential', sc.until, outcome, actions);
}
