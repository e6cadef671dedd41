/**
 * A third naive model (see naive-reference.ts) for the aggregate functions of
 * reference §4 over windows: `sum/avg/min/max/latest` with `where` and `within`,
 * null field values, `days_since` of a windowed query, `not happened(...)`,
 * `since day N`, `since opens` in repeats, and null arithmetic. Hour by hour,
 * everything recomputed from the event list. Field values are multiples of
 * 0.25 (exact in binary) so sums do not depend on the order of additions.
 */
import { iso, NaiveJourney } from './naive-journey.ts';
import type { NaiveInstance } from './naive-journey.ts';
import { prng } from './naive-reference.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Ev = { at: number; type: 'usage' | 'ping'; n: number | null; kind: string | null };

/** The random constants of one aggregate scenario. */
export interface AggregateScenario {
  start: number;
  end: number;
  until: number;
  events: Ev[];
  c: Record<string, number>;
}

/** A random aggregate scenario from a seed. */
export function generateAggregateScenario(seed: number): AggregateScenario {
  const rnd = prng(seed * 104_729);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const start = Date.UTC(2026, 0, 1) + int(0, 300) * DAY;
  const termHours = int(15, 40) * 24;
  const end = start + termHours * HOUR;
  const events: Ev[] = [];
  const count = int(0, 50);
  for (let i = 0; i < count; i++) {
    const at = i > 0 && rnd() < 0.15 ? events[i - 1]!.at : start + int(-48, termHours) * HOUR;
    if (rnd() < 0.75) events.push({ at, type: 'usage', n: rnd() < 0.15 ? null : int(0, 80) / 4, kind: rnd() < 0.1 ? null : rnd() < 0.5 ? 'a' : 'b' });
    else events.push({ at, type: 'ping', n: null, kind: null });
  }
  return {
    start, end, events,
    until: rnd() < 0.6 ? end : start + int(0, termHours) * HOUR,
    c: {
      d1: int(1, 72), s: int(1, 40), d2: int(1, 5), a: int(1, 20), d3: int(1, 72), m: int(0, 10),
      f: int(0, 10), d4: int(1, 5), x: int(5, 20), d5: int(1, 72), d6: int(1, 6), k: int(0, 4),
      d7: int(1, 72), cu: int(0, 10), t: int(10, 200), y: int(0, 10), v: int(2, 15),
      r: int(2, 7), q: int(5, 40), d8: int(1, 6), g: int(1, 15),
    },
  };
}

/** The playbook YAML of an aggregate scenario. */
export function aggregatePlaybook(sc: AggregateScenario): string {
  const c = sc.c;
  const risk = (id: string, when: string, extra = '') => `  - id: ${id}\n    title: ${id}\n    level: low\n    when: '${when}'\n${extra}`;
  return `playbook: differential-aggregates
title: Differential aggregates
customer:
  csm: string
events:
  usage: { n: number, kind: string }
  ping: {}
milestones:
  - id: rep
    title: Rep
    repeat: every ${c['r']} days
    due: opens + 2 days
    done_when: sum(usage.n since opens) >= ${c['q']}
  - id: spread
    title: Spread
    due: day 10
    done_when: max(usage.n within ${c['d8']} days) - min(usage.n within ${c['d8']} days) >= ${c['g']}
risks:
${risk('s1', `sum(usage.n where kind == "a" within ${c['d1']} hours) >= ${c['s']}`, '    actions:\n      - remind: csm\n        message: s1\n')}${risk('s2', `avg(usage.n within ${c['d2']} days) < ${c['a']}`)}${risk('s3', `min(usage.n within ${c['d3']} hours) <= ${c['m']}`)}${risk('s4', `max(usage.n where n > ${c['f']} within ${c['d4']} days) >= ${c['x']}`)}${risk('s5', `latest(usage.n within ${c['d5']} hours) is null`)}${risk('s6', `days_since(usage where kind == "b" within ${c['d6']} days) >= ${c['k']}`)}${risk('s7', `not happened(ping within ${c['d7']} hours) and count(usage) > ${c['cu']}`)}${risk('s8', `sum(usage.n) > ${c['t']}`)}${risk('s9', `avg(usage.n since day ${c['y']}) >= ${c['v']}`)}`;
}

/** The timeline YAML of an aggregate scenario. */
export function aggregateTimeline(sc: AggregateScenario): string {
  const lines = sc.events.map((e) => {
    if (e.type === 'ping') return `  - { at: "${iso(e.at)}", type: ping }`;
    const data = [e.n === null ? null : `n: ${e.n}`, e.kind === null ? null : `kind: ${e.kind}`].filter((x) => x !== null);
    return `  - { at: "${iso(e.at)}", type: usage, data: { ${data.join(', ')} } }`;
  });
  return `customer: { id: c1, csm: ada }
contract: { start: "${iso(sc.start)}", end: "${iso(sc.end)}" }
events:${lines.length === 0 ? ' []' : `\n${lines.join('\n')}`}
`;
}

/** The reference §12 report of an aggregate scenario, computed naively. */
export function naiveAggregateReport(sc: AggregateScenario): unknown {
  const c = sc.c as Record<string, number>;
  const events = sc.events.map((e, i) => ({ ...e, i })).sort((a, b) => a.at - b.at || a.i - b.i);
  const usage = (t: number) => events.filter((e) => e.type === 'usage' && e.at <= t);
  const inWindow = (t: number, d: number) => (e: Ev) => t - d < e.at;
  const nums = (list: Ev[]) => list.map((e) => e.n).filter((n): n is number => n !== null);
  const sum = (list: Ev[]) => { const v = nums(list); return v.length === 0 ? null : v.reduce((a, b) => a + b, 0); };
  const avg = (list: Ev[]) => { const v = nums(list); return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length; };
  const min = (list: Ev[]) => { const v = nums(list); return v.length === 0 ? null : Math.min(...v); };
  const max = (list: Ev[]) => { const v = nums(list); return v.length === 0 ? null : Math.max(...v); };
  const ge = (a: number | null, b: number) => a !== null && a >= b;

  const when: Array<(t: number) => boolean> = [
    (t) => ge(sum(usage(t).filter((e) => e.kind === 'a').filter(inWindow(t, c['d1']! * HOUR))), c['s']!),
    (t) => { const v = avg(usage(t).filter(inWindow(t, c['d2']! * DAY))); return v !== null && v < c['a']!; },
    (t) => { const v = min(usage(t).filter(inWindow(t, c['d3']! * HOUR))); return v !== null && v <= c['m']!; },
    (t) => ge(max(usage(t).filter((e) => e.n !== null && e.n > c['f']!).filter(inWindow(t, c['d4']! * DAY))), c['x']!),
    (t) => { const w = usage(t).filter(inWindow(t, c['d5']! * HOUR)); return w.length === 0 || w[w.length - 1]!.n === null; },
    (t) => { const w = usage(t).filter((e) => e.kind === 'b').filter(inWindow(t, c['d6']! * DAY)); return w.length > 0 && Math.floor((t - w[w.length - 1]!.at) / DAY) >= c['k']!; },
    (t) => !events.some((e) => e.type === 'ping' && e.at <= t && inWindow(t, c['d7']! * HOUR)(e)) && usage(t).length > c['cu']!,
    (t) => { const v = sum(usage(t)); return v !== null && v > c['t']!; },
    (t) => ge(avg(usage(t).filter((e) => e.at >= sc.start + c['y']! * DAY)), c['v']!),
  ];

  type Inst = NaiveInstance & { rep: boolean };
  const insts: Inst[] = [];
  for (let k = 1; sc.start + (k - 1) * c['r']! * DAY < sc.end; k++) {
    const opens = sc.start + (k - 1) * c['r']! * DAY;
    insts.push({ id: `rep#${k}`, opens, due: opens + 2 * DAY, state: 'pending', completed: null, rep: true });
  }
  insts.push({ id: 'spread', opens: sc.start, due: sc.start + 10 * DAY, state: 'pending', completed: null, rep: false });
  const done = (inst: Inst, t: number) => {
    if (inst.rep) return ge(sum(usage(t).filter((e) => e.at >= inst.opens)), c['q']!);
    const w = usage(t).filter(inWindow(t, c['d8']! * DAY));
    const hi = max(w), lo = min(w);
    return hi !== null && lo !== null && hi - lo >= c['g']!;
  };

  const actions: Array<Record<string, unknown>> = [];
  const journey = new NaiveJourney(insts, when.map((w, ri) => ({
    id: `s${ri + 1}`,
    when: w,
    onRaise: (t: number) => {
      if (ri === 0) actions.push({ at: iso(t), kind: 'remind', source: 'risk/s1/0', to: 'csm', message: 's1' });
    },
  })), sc.end, { done });
  for (let t = sc.start; t <= Math.min(sc.until, sc.end); t += HOUR) journey.instant(t);
  return journey.report('differential-aggregates', sc.until, sc.until >= sc.end ? 'ended' : 'running', actions);
}
