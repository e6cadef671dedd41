/**
 * Language version 2 on Temporal: `simulate --engine temporal` gives the
 * in-process report, key for key, with `tasks`: a task closed by a person
 * before its due instant and exactly at it (not overdue), one left open (its
 * overdue escalation fires), one closed by its milestone's completion, and
 * catch-up at a mid-term enrolment.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { simulateOnTemporal, startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import type { Timeline } from '../../client/simulate/timeline.ts';
import type { TimelineTaskClose } from '../../client/simulate/timeline.ts';
import { callsPlaybook } from './support/calls-playbook.ts';
import { referenceReport } from './support/reference.ts';

const DAY = 86_400_000;
const start = Date.parse('2026-01-01T00:00:00.000Z');

const customer = { id: 'bay-vets', attrs: { name: 'Bay Vets', csm: 'ada@example.com', manager: 'max@example.com' } };
const contract = { start, end: start + 30 * DAY };
const callTask = 'milestone/activation/step/0@2026-01-05T00:00:00.000Z';
const trainTask = 'milestone/training/step/0@2026-01-11T00:00:00.000Z';

/** A timeline with its `tasks:` closes (reference §11), as client/simulate/timeline.ts will read them. */
function timeline(events: Timeline['events'], tasks: TimelineTaskClose[]): Timeline & { tasks: TimelineTaskClose[] } {
  return { file: 'calls-timeline.yaml', customer, contract, events, tasks };
}

let harness: TemporalHarness & { stop(): Promise<void> };
beforeAll(async () => {
  harness = await startSimulationHarness();
});
afterAll(async () => {
  await harness?.stop();
});

const cases: Array<{ name: string; timeline: Timeline; enrolledAt?: number; until?: number }> = [
  {
    name: 'a call closed before its due, training closed by its milestone',
    timeline: timeline([{ at: start + 14 * DAY, type: 'trained', data: {} }], [{ task: callTask, at: start + 5 * DAY + 3_600_000, by: 'ada@example.com', note: 'called' }]),
  },
  {
    name: 'a call closed exactly at its due instant (not overdue), training left open (overdue fires)',
    timeline: timeline([], [{ task: callTask, at: start + 6 * DAY, by: 'ada@example.com' }]),
  },
  {
    name: 'nothing closed, report mid-term',
    timeline: timeline([], []),
    until: start + 12 * DAY,
  },
  {
    name: 'enrolled mid-term: catch-up fires the latest missed step',
    timeline: timeline([], []),
    enrolledAt: start + 5 * DAY,
  },
];

for (const c of cases) {
  it(`gives the in-process report: ${c.name}`, async () => {
    const ir = callsPlaybook();
    const options = { ...(c.enrolledAt === undefined ? {} : { enrolledAt: c.enrolledAt }), ...(c.until === undefined ? {} : { until: c.until }) };
    const inProcess = referenceReport(ir, c.timeline, options);
    expect(inProcess.tasks?.length).toBeGreaterThan(0);
    const durable = await simulateOnTemporal(ir, c.timeline, options, harness);
    expect(JSON.stringify(durable)).toBe(JSON.stringify(inProcess));
  });
}

it('the cases cover every close the journey makes here and the overdue ladder', () => {
  const ir = callsPlaybook();
  const reports = cases.map((c) => referenceReport(ir, c.timeline, { ...(c.enrolledAt === undefined ? {} : { enrolledAt: c.enrolledAt }), ...(c.until === undefined ? {} : { until: c.until }) }));
  const reasons = new Set(reports.flatMap((r) => (r.tasks ?? []).map((t) => t.closed_because)));
  expect([...reasons].sort()).toEqual([null, 'done', 'milestone_completed', 'term_closed'].sort());
  expect(reports.some((r) => r.actions.some((a) => a.source.endsWith('/overdue/0')))).toBe(true);
  expect(reports.some((r) => r.actions.some((a) => a.catch_up === true))).toBe(true);
  expect(reports[1]!.actions.some((a) => a.source === 'milestone/activation/step/0/overdue/0')).toBe(false);
});
