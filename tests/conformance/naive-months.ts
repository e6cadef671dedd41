/**
 * A second naive model (see naive-reference.ts) for a playbook family built on
 * calendar months: `month N - d days`, `within N months` at month ends,
 * `repeat: every N months` from a clamped instant, steps and `due_in` in
 * months, starts on the 28th–31st in leap and common years. Hour by hour,
 * everything recomputed from the event list; the month arithmetic is its own
 * (reference §3: calendar months, day clamped to the target month).
 */
import { iso, NaiveJourney } from './naive-journey.ts';
import type { NaiveInstance } from './naive-journey.ts';
import { prng } from './naive-reference.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** reference §3 calendar months, written independently of the engine's calendar.ts. */
export function addMonthsNaive(t: number, n: number): number {
  const d = new Date(t);
  const m = d.getUTCMonth() + n;
  const y = d.getUTCFullYear() + Math.floor(m / 12);
  const month = ((m % 12) + 12) % 12;
  const last = new Date(Date.UTC(y, month + 1, 0)).getUTCDate();
  return Date.UTC(y, month, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** The random constants of one month scenario. */
export interface MonthScenario {
  start: number;
  end: number;
  enrolledAt: number;
  until: number;
  events: Array<{ at: number; type: 'ping' | 'ticket' }>;
  /** mm: due month x - b days; done when count(ping within m1 months) >= k; task due_in n months */
  x: number; b: number; m1: number; k: number; n: number;
  /** rep: every r months, opens month o, due opens + w days */
  r: number; o: number; w: number;
  /** r1: happened(ticket within m2 months), cooldown c days */
  m2: number; c: number;
  /** r2: days_since(ping) >= q */
  q: number;
}

/** A random month scenario from a seed. */
export function generateMonthScenario(seed: number): MonthScenario {
  const rnd = prng(seed * 7919);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const year = int(2027, 2029);
  const month = int(0, 11);
  const day = Math.min([1, 15, 28, 29, 30, 31][int(0, 5)]!, new Date(Date.UTC(year, month + 1, 0)).getUTCDate());
  const start = Date.UTC(year, month, day);
  const termHours = int(60, 200) * 24;
  const end = start + termHours * HOUR;
  const events: MonthScenario['events'] = [];
  const count = int(0, 30);
  for (let i = 0; i < count; i++) {
    // Month ends are where the arithmetic is interesting: bias events onto the last days of months.
    let at = start + int(-24 * 40, termHours) * HOUR;
    if (rnd() < 0.4) {
      const d = new Date(at);
      const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), last - int(0, 2), int(0, 23));
    }
    events.push({ at, type: rnd() < 0.6 ? 'ping' : 'ticket' });
  }
  return {
    start, end, events,
    enrolledAt: rnd() < 0.7 ? start : start + int(0, termHours) * HOUR,
    until: rnd() < 0.6 ? end : start + int(0, termHours) * HOUR,
    x: int(1, 6), b: int(0, 3), m1: int(1, 3), k: int(1, 4), n: int(1, 3),
    r: int(1, 3), o: int(0, 2), w: int(1, 20),
    m2: int(1, 2), c: int(0, 40),
    q: int(5, 40),
  };
}

/** The playbook YAML of a month scenario. */
export function monthPlaybook(sc: MonthScenario): string {
  return `playbook: differential-months
title: Differential months
customer:
  csm: string
  manager: string
events:
  ping: {}
  ticket: {}
milestones:
  - id: mm
    title: MM
    due: month ${sc.x}${sc.b > 0 ? ` - ${sc.b} days` : ''}
    done_when: count(ping within ${sc.m1} months) >= ${sc.k}
    steps:
      - at: due - 1 month
        remind: owner
        message: s
      - at: due
        open_task: Chase
        due_in: ${sc.n} months
  - id: rep
    title: Rep
    repeat: every ${sc.r} months
    opens: month ${sc.o}
    due: opens + ${sc.w} days
    done_when: happened(ping since opens)
    steps:
      - at: due
        open_task: Q
        due_in: 1 month
risks:
  - id: r1
    title: R1
    level: low
    when: happened(ticket within ${sc.m2} months)
${sc.c > 0 ? `    cooldown: ${sc.c} days\n` : ''}    actions:
      - escalate: manager
  - id: r2
    title: R2
    level: low
    when: days_since(ping) >= ${sc.q}
    actions:
      - remind: csm
        message: quiet
`;
}

/** The timeline YAML of a month scenario. */
export function monthTimeline(sc: MonthScenario): string {
  const lines = sc.events.map((e) => `  - { at: "${iso(e.at)}", type: ${e.type} }`);
  return `customer: { id: c1, csm: ada, manager: max }
contract: { start: "${iso(sc.start)}", end: "${iso(sc.end)}" }
events:${lines.length === 0 ? ' []' : `\n${lines.join('\n')}`}
`;
}

interface Inst extends NaiveInstance {
  steps: Array<{ at: number; title: string | null; dueInMonths: number }>;
  rep: boolean;
}

/** The reference §12 report of a month scenario, computed naively. */
export function naiveMonthReport(sc: MonthScenario): unknown {
  const events = sc.events.map((e, i) => ({ ...e, i })).sort((a, b) => a.at - b.at || a.i - b.i);
  const of = (type: string, t: number) => events.filter((e) => e.type === type && e.at <= t);
  // reference §4 counts an event while `now - d < at`. With clamped months that set is not an interval
  // (an event on Feb 29 at 09:00 is out at Mar 29 09:00 and back at Mar 30 00:00, since Mar 30 - 1 month
  // clamps to Feb 29 00:00); FINDINGS.md A3. The model takes the event out at the first instant the
  // formula excludes it, for good, which is what the engine does.
  const exitCache = new Map<string, number>();
  const exitOf = (at: number, m: number): number => {
    const key = `${at}/${m}`;
    let exit = exitCache.get(key);
    if (exit === undefined) {
      exit = at;
      while (addMonthsNaive(exit, -m) < at) exit += HOUR;
      exitCache.set(key, exit);
    }
    return exit;
  };
  const withinMonths = (type: string, t: number, m: number) => of(type, t).filter((e) => t < exitOf(e.at, m)).length;

  const insts: Inst[] = [];
  const mmDue = addMonthsNaive(sc.start, sc.x) - sc.b * DAY;
  insts.push({ id: 'mm', opens: sc.start, due: mmDue, state: 'pending', completed: null, rep: false, steps: [
    { at: addMonthsNaive(mmDue, -1), title: null, dueInMonths: 0 },
    { at: mmDue, title: 'Chase', dueInMonths: sc.n },
  ] });
  const opens1 = addMonthsNaive(sc.start, sc.o);
  const due1 = opens1 + sc.w * DAY;
  for (let k = 1; addMonthsNaive(opens1, (k - 1) * sc.r) < sc.end; k++) {
    const due = addMonthsNaive(due1, (k - 1) * sc.r);
    insts.push({ id: `rep#${k}`, opens: addMonthsNaive(opens1, (k - 1) * sc.r), due, state: 'pending', completed: null, rep: true, steps: [
      { at: due, title: 'Q', dueInMonths: 1 },
    ] });
  }
  const done = (inst: Inst, t: number) => (inst.rep
    ? of('ping', t).some((e) => e.at >= inst.opens)
    : withinMonths('ping', t, sc.m1) >= sc.k);

  const actions: Array<Record<string, unknown>> = [];
  const fire = (t: number, a: Record<string, unknown>) => {
    if (t >= sc.enrolledAt) actions.push({ at: iso(t), ...a });
  };
  let lastFired: number | null = null;
  const journey = new NaiveJourney(insts, [
    {
      id: 'r1',
      when: (t) => withinMonths('ticket', t, sc.m2) > 0,
      onRaise: (t) => {
        if (t < sc.enrolledAt || (sc.c > 0 && lastFired !== null && t - lastFired < sc.c * DAY)) return;
        lastFired = t;
        fire(t, { kind: 'escalate', source: 'risk/r1/0', to: 'manager' });
      },
    },
    {
      id: 'r2',
      when: (t) => { const p = of('ping', t); return p.length > 0 && Math.floor((t - p[p.length - 1]!.at) / DAY) >= sc.q; },
      onRaise: (t) => fire(t, { kind: 'remind', source: 'risk/r2/0', to: 'csm', message: 'quiet' }),
    },
  ], sc.end, {
    done,
    steps: (inst, t) => inst.steps.forEach((s, i) => {
      if (s.at !== t) return;
      const source = `milestone/${inst.id}/step/${i}`;
      if (s.title === null) fire(t, { kind: 'remind', source, to: 'csm', message: 's' });
      else fire(t, { kind: 'open_task', source, to: 'csm', title: s.title, priority: 'normal', due_at: iso(addMonthsNaive(t, s.dueInMonths)) });
    }),
  });
  for (let t = sc.start; t <= Math.min(sc.until, sc.end); t += HOUR) journey.instant(t);
  return journey.report('differential-months', sc.until, sc.until >= sc.end ? 'ended' : 'running', actions);
}
