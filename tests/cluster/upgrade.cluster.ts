/**
 * A journey continued across a worker version upgrade, on the cluster: the
 * journeys are started and run for a while by the release before the
 * `timers-kept-across-signals` patch, whose workers are then stopped (SIGTERM,
 * as a rolling deploy does) and replaced by workers of this checkout. The
 * new code replays the old histories (no workflow task fails) and takes the
 * patched path from there on: the patch's marker appears in each history
 * only after the upgrade; every complaint before and after has its one task.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { temporalCliPath } from '../../scripts/temporal/binaries.ts';
import { clinicIds, enrolClinics, expectDeliveredOnce, sendComplaintRounds } from './support/complaint-load.ts';
import { startMilepostStack, type MilepostStack } from './support/milepost-stack.ts';
import { checkOutRelease, RELEASE_BEFORE_TIMER_PATCH, type OldRelease } from './support/old-release.ts';

const PATCH = 'timers-kept-across-signals';
const THIS_CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
let stack: MilepostStack;
let release: OldRelease;

beforeAll(async () => {
  release = checkOutRelease(RELEASE_BEFORE_TIMER_PATCH);
  // The whole previous release: its compiler deploys the playbook, its API enrols and delivers, its workers run the journeys.
  stack = await startMilepostStack('upgrade', { workers: 0, playbooks: ['playbooks/clinic-first-year.yaml'], root: release.root });
});
afterAll(async () => {
  await stack?.stop();
  release?.remove();
});

interface HistoryEvent { eventType?: string; markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: Array<{ data?: string }> }> } }

function history(workflowId: string): HistoryEvent[] {
  const shown = spawnSync(temporalCliPath(), ['workflow', 'show', '--address', stack.cluster.address, '--namespace', stack.cluster.namespace, '-w', workflowId, '-o', 'json'], { encoding: 'utf8' });
  if (shown.status !== 0) throw new Error(`temporal workflow show ${workflowId}: ${shown.stderr}`);
  return (JSON.parse(shown.stdout) as { events: HistoryEvent[] }).events;
}

/** Patch markers of `PATCH` (the marker's payloads may be shown decoded or as base64). */
const patchMarkers = (events: HistoryEvent[]) => events.filter((e) => {
  if (!/MARKER_RECORDED|MarkerRecorded/.test(e.eventType ?? '')) return false;
  const text = JSON.stringify(e.markerRecordedEventAttributes ?? {});
  const decoded = [...text.matchAll(/"([A-Za-z0-9+/=]{16,})"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'));
  return [text, ...decoded].some((t) => t.includes(PATCH));
});
const failedTasks = (events: HistoryEvent[]) => events.filter((e) => /WORKFLOW_TASK_FAILED|WorkflowTaskFailed/.test(e.eventType ?? ''));

it('journeys started by the previous release continue on the new workers, through the patched path', async () => {
  const prefix = 'upgrade';
  const ids = clinicIds(prefix, 5);
  const old = [await stack.addWorker(), await stack.addWorker()];
  await enrolClinics(stack, ids);
  await sendComplaintRounds(stack, `${prefix}-before`, ids, 2);
  await expectDeliveredOnce(stack, prefix, { customers: 5, rounds: 2 });
  const before = ids.map((id) => history(`journey:clinic-first-year:${id}`));
  expect(before.map(patchMarkers).flat()).toEqual([]);

  // The upgrade: the API and the workers replaced by this checkout's (running journeys keep their pinned playbook).
  await stack.replaceServe();
  for (const worker of old) expect(await worker.stop()).toBe(0);
  await stack.addWorker({ root: THIS_CHECKOUT });
  await stack.addWorker({ root: THIS_CHECKOUT });
  await sendComplaintRounds(stack, `${prefix}-after`, ids, 2);
  await expectDeliveredOnce(stack, prefix, { customers: 5, rounds: 4 });

  for (const [i, id] of ids.entries()) {
    const events = history(`journey:clinic-first-year:${id}`);
    expect(failedTasks(events)).toEqual([]);
    const markers = patchMarkers(events);
    expect(markers.length).toBeGreaterThan(0);
    // Only after what the old release wrote.
    expect(events.indexOf(markers[0]!)).toBeGreaterThanOrEqual(before[i]!.length);
    const report = await stack.api('GET', `/customers/${id}/journeys/clinic-first-year`);
    expect(report.status).toBe(200);
    expect(report.body.actions.filter((a: { source: string }) => a.source === 'trigger/complaint_sla/0')).toHaveLength(4);
  }
  console.log(`[cluster] upgrade: 5 journeys started on ${RELEASE_BEFORE_TIMER_PATCH.slice(0, 7)}, 10 complaints there, workers replaced, 10 more; 20 of 20 tasks, ${PATCH} marker only after the upgrade, 0 failed workflow tasks`);
});
