/**
 * `simulate --engine temporal` gives the in-process simulator's report, to the
 * millisecond: the journey runs in the real workflow on a real worker, events
 * signalled ahead of their instants, time skipped by the test server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateOnTemporal, startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import { JOURNEY_WORKFLOW_TYPE } from '../../client/temporal/journey-gateway.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import { compileFile, referenceReport, timelineFile } from './support/reference.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';

let harness: TemporalHarness & { stop(): Promise<void> };
beforeAll(async () => {
  harness = await startSimulationHarness();
});
afterAll(async () => {
  await harness?.stop();
});

describe('simulateOnTemporal', () => {
  const ir = compileFile('playbooks/clinic-first-year.yaml');
  const timeline = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');

  it('reports the clinic year exactly as the in-process engine does', async () => {
    const expected = referenceReport(ir, timeline);
    expect(expected.actions.length).toBeGreaterThan(3);
    expect(await simulateOnTemporal(ir, timeline, {}, harness)).toEqual(expected);
  });

  it('agrees as of an instant inside the term', async () => {
    const until = Date.parse('2026-06-30T00:00:00.000Z');
    expect(await simulateOnTemporal(ir, timeline, { until }, harness)).toEqual(referenceReport(ir, timeline, { until }));
  });

  it('agrees for a customer enrolled mid-term', async () => {
    const enrolledAt = Date.parse('2026-04-15T12:00:00.000Z');
    expect(await simulateOnTemporal(ir, timeline, { enrolledAt }, harness)).toEqual(referenceReport(ir, timeline, { enrolledAt }));
  });

  it('continues as new with its compact state and still agrees', async () => {
    // Every event rides in the start input and nothing is queried until the
    // end: the Java test server mishandles a query racing a continue-as-new.
    const input: JourneyInput = {
      kind: 'start',
      start: { ir, customer: timeline.customer, contract: timeline.contract, enrolledAt: timeline.contract.start, domainStart: timeline.contract.start, events: timeline.events, historyLimit: 40 },
    };
    const handle = await harness.env.client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: `can-${Date.now()}`, taskQueue: harness.taskQueue, args: [input] });
    const report = await handle.result();
    expect(report).toEqual(referenceReport(ir, timeline));
    const latest = await harness.env.client.workflow.getHandle(handle.workflowId).describe();
    expect(latest.runId).not.toBe(handle.firstExecutionRunId);
    // Each run's history stays short: the carried state, not the past, goes forward.
    const history = await harness.env.client.workflow.getHandle(handle.workflowId, latest.runId).fetchHistory();
    expect(history.events!.length).toBeLessThan(80);
  });
});
