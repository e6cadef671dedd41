/**
 * Determinism guard: every recorded journey history (tests/replay/histories,
 * named by the release that recorded them) must replay on today's workflow
 * code without a nondeterminism error. A change that would break running
 * journeys fails here; gate it with `patched()` and record new histories
 * (tests/replay/record-histories.ts).
 *
 * Four histories cannot replay, and no `patched()` gate can make them: they
 * were recorded before a change that was shipped without one, and the
 * histories recorded after it carry no marker either, so nothing in a history
 * tells the two apart (a gate would break the eleven later histories to mend
 * these four). Commit 9eead19 replaced `recordLedger` + `openTask` by one
 * `recordInstant`; commit 53ece05 made a metric-feed journey pull at every
 * wake-up. They are kept as recorded (histories-unchanged.test.ts) and this
 * test pins exactly how they fail, so the damage stays visible and no later
 * change can quietly widen it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto, { type temporal as TemporalProto } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../worker/bundle.ts';

const { temporal } = proto;
type History = TemporalProto.api.history.v1.History;

const DIR = join(import.meta.dirname, 'histories');
const all = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/** The histories of the two unpatched changes (see above), with the nondeterminism each meets first. */
const RECORDED_BEFORE_UNPATCHED_CHANGES: Record<string, string> = {
  'v0.1.0-clinic-acme-enrolled-april.json': "Activity type of scheduled event 'recordLedger' does not match activity type of activity command 'recordInstant'",
  'v0.1.0-clinic-acme-year.json': "Activity type of scheduled event 'recordLedger' does not match activity type of activity command 'recordInstant'",
  'v0.1.0-stability-webhooks.json': "Activity type of scheduled event 'recordLedger' does not match activity type of activity command 'recordInstant'",
  'v0.3.0-clinic-metric-feed.json': 'Activity machine does not handle this event: HistoryEvent(id: 50, TimerStarted)',
};
const files = all.filter((f) => !(f in RECORDED_BEFORE_UNPATCHED_CHANGES));

function load(file: string): { workflowId: string; history: History } {
  const record = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { workflowId: string; history: string };
  return { workflowId: record.workflowId, history: temporal.api.history.v1.History.decode(Buffer.from(record.history, 'base64')) };
}

describe('recorded journey histories', () => {
  it('are there to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it('all replay on the current workflow code', async () => {
    const bundle = await workflowBundle();
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, files.map(load))) results.push(result);
    expect(results.map((r) => [r.workflowId, r.error?.message ?? null])).toEqual(files.map((f) => [load(f).workflowId, null]));
  });

  it('recorded before an unpatched change fail exactly as they did when it shipped', async () => {
    const bundle = await workflowBundle();
    const stale = Object.keys(RECORDED_BEFORE_UNPATCHED_CHANGES);
    expect(stale.every((f) => all.includes(f))).toBe(true);
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, stale.map(load))) results.push(result);
    for (const [i, file] of stale.entries()) {
      expect(results[i]!.error, file).toBeInstanceOf(DeterminismViolationError);
      expect(results[i]!.error!.message, file).toContain(RECORDED_BEFORE_UNPATCHED_CHANGES[file]);
    }
  });

  it('cover the metric feed: a history whose journey pulled usage and was signalled none', () => {
    const { history } = load(files.find((f) => f.includes('metric-feed'))!);
    const activities = history.events!.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activities.filter((name) => name === 'pullMetricEvents').length).toBeGreaterThan(10);
    const signalled = history.events!.flatMap((e) => e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [])
      .flatMap((p) => JSON.parse(Buffer.from(p.data!).toString()) as Array<{ type: string }>);
    expect(signalled.length).toBeGreaterThan(0);
    expect(signalled.filter((e) => e.type === 'usage')).toEqual([]);
  });

  it('cover both timer policies: histories from before the timers-kept patch, and after it (no timer cancelled)', () => {
    const histories = files.map((f) => load(f).history.events!);
    const patchedRuns = histories.filter((events) => events.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch'));
    expect(patchedRuns.length).toBeGreaterThanOrEqual(1);
    expect(patchedRuns.length).toBeLessThan(histories.length);
    for (const events of patchedRuns) expect(events.filter((e) => e.timerCanceledEventAttributes)).toEqual([]);
  });

  it('cover language version 2: journeys pinned to a version-2 IR, a closeTask update, a migration and a next term under their patches', () => {
    const runs = files.map((f) => ({ file: f, events: load(f).history.events! }));
    const startInput = (events: typeof runs[number]['events']) =>
      JSON.parse(Buffer.from(events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString()) as { start?: { ir: { language?: number } } };
    const v2 = runs.filter((r) => startInput(r.events).start?.ir.language === 2);
    expect(v2.length).toBeGreaterThanOrEqual(5);
    const updates = v2.flatMap((r) => r.events.flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? []));
    expect(updates).toContain('closeTask');
    const patches = (events: typeof runs[number]['events']) => events.flatMap((e) => {
      const details = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return details ? [(JSON.parse(Buffer.from(details).toString()) as { id: string }).id] : [];
    });
    const migrated = runs.filter((r) => patches(r.events).includes('migration-keeps-fired-actions'));
    expect(migrated.map((r) => r.file).sort()).toEqual(['v0.5.0-clinic-migrated-march.json', 'v0.5.0-v2-migration.json']);
    const renewed = runs.filter((r) => patches(r.events).includes('next-term-started'));
    expect(renewed.map((r) => r.file)).toEqual(['v0.5.0-v2-next-term.json', 'v0.6.0-v2-next-term-taken.json']);
    expect(renewed[0]!.events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(1);
    // A next term held by a journey enrolled through the API: no child, a ledger row that says so.
    expect(renewed[1]!.events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(0);
    const ledgerInputs = renewed[1]!.events.flatMap((e) => {
      const scheduled = e.activityTaskScheduledEventAttributes;
      return scheduled?.activityType?.name === 'recordLedger' ? [Buffer.from(scheduled.input!.payloads![1]!.data!).toString()] : [];
    });
    expect(ledgerInputs.some((input) => input.includes('"toState":"overlapping"'))).toBe(true);
  });

  it('catch a history the code no longer produces (an activity swapped)', async () => {
    const { workflowId, history } = load(files[0]!);
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'sendFax' };
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId)).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
