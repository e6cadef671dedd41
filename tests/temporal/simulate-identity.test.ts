/**
 * `simulate --engine temporal` gives the in-process simulator's report, to the
 * millisecond: the journey runs in the real workflow on a real worker, events
 * signalled ahead of their instants, time skipped by the test server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateOnTemporal, startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import { compileFile, referenceReport, timelineFile } from './support/reference.ts';

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
});
