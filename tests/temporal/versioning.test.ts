/**
 * Versioning: the plan names what a new version changes and which running
 * journeys it touches; a migration re-pins a running journey, which from the
 * migration instant behaves exactly like the new version with the customer
 * enrolled at that instant, firing nothing again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyGateway, JOURNEY_WORKFLOW_TYPE, journeyWorkflowId } from '../../client/temporal/journey-gateway.ts';
import { diffPlaybooks, journeyImpacts, renderPlan } from '../../client/temporal/playbook-plan.ts';
import { startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import { advanceJourney, journeyReport, migrateJourney, receiveEvents, startJourney } from '../../workflows/engine/index.ts';
import type { JourneyReport } from '../../workflows/engine/types.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import { getProgress, getReport } from '../../workflows/messages.ts';
import { clinicVersions } from './support/clinic-versions.ts';
import { referenceReport, timelineFile } from './support/reference.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';

const { v1, v2, source, compile } = clinicVersions();

describe('plan', () => {
  it('lists what the new version adds, moves and removes', () => {
    const changes = diffPlaybooks(v1, v2);
    expect(changes.map((c) => `${c.sign} ${c.subject}: ${c.detail}`)).toEqual([
      '~ milestone/activation: due: month 1 → month 2',
      '+ risk/many_tickets: Many tickets',
      '- trigger/complaint_sla: on complaint where severity >= 2',
    ]);
  });

  it('names the running journeys a change reaches, with the steps they already fired', () => {
    const changes = diffPlaybooks(v1, v2);
    const report = (state: string) => ({ milestones: [{ id: 'activation', state }] }) as never;
    const impacts = journeyImpacts(changes, v2, [
      { customerId: 'open-one', playbookHash: v1.sourceHash, report: report('overdue'), firedSources: ['milestone/activation/step/0', 'risk/low_health/0'] },
      { customerId: 'done-one', playbookHash: v1.sourceHash, report: report('done'), firedSources: [] },
      { customerId: 'already-new', playbookHash: v2.sourceHash, report: report('open'), firedSources: [] },
    ]);
    expect(impacts.map((i) => i.customerId)).toEqual(['open-one', 'done-one']);
    expect(impacts[0]!.notes[0]).toBe('~ milestone/activation (overdue): due: month 1 → month 2; already fired: milestone/activation/step/0');
    // A closed milestone is not touched; the risk and trigger changes still reach the journey.
    expect(impacts[1]!.notes.some((n) => n.includes('milestone/activation'))).toBe(false);
    expect(renderPlan({ playbook: v2.playbook, from: 'v1', to: 'v2', changes, journeys: impacts })).toContain('Plan: 1 to add, 1 to change, 1 to remove; 2 running journeys touched.');
  });

  it('says when nothing changed', () => {
    expect(diffPlaybooks(v1, compile(source))).toEqual([]);
  });
});

describe('migrateJourney', () => {
  let harness: TemporalHarness & { stop(): Promise<void> };
  beforeAll(async () => {
    harness = await startSimulationHarness();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('re-pins a running journey; from then on it is the new version enrolled at the migration instant', async () => {
    const timeline = timelineFile(v1, 'tests/temporal/fixtures/acme-clinic.yaml');
    // Not activated in this run, so activation is the milestone the new version moves.
    const events = timeline.events.filter((e) => e.type !== 'activated');
    const input: JourneyInput = {
      kind: 'start',
      start: { ir: v1, customer: timeline.customer, contract: timeline.contract, enrolledAt: timeline.contract.start, domainStart: timeline.contract.start, events },
    };
    const workflowId = journeyWorkflowId(v1.playbook, timeline.customer.id);
    const handle = await harness.env.client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId, taskQueue: harness.taskQueue, args: [input] });
    const { clockOffsetMs } = await handle.query(getProgress);
    await harness.env.sleep(Date.parse('2026-03-10T00:00:00.000Z') - ((await harness.env.currentTimeMs()) + clockOffsetMs));
    const before = await handle.query(getReport);
    expect(before.milestones[0]).toMatchObject({ id: 'activation', state: 'overdue', due_at: '2026-02-28T00:00:00.000Z' });

    const gateway = createJourneyGateway({ client: harness.env.client, taskQueue: harness.taskQueue });
    await expect(gateway.migrate(workflowId, { ir: v1, events, by: 'max' })).rejects.toThrow();
    const progress = await gateway.migrate(workflowId, { ir: v2, events, by: 'max' });
    expect(progress.playbookHash).toBe(v2.sourceHash);
    const migratedAt = Date.parse(progress.processedUntil!) + 1;

    const report: JourneyReport = await handle.result();
    // reference §10: a migration is an enrolment in the new version at the migration instant with
    // catch-up that never re-fires a source the journey already fired, and the report keeps the
    // actions (and tasks) fired before it. The workflow must agree with the pure engine's
    // migration, run in-process on the same events (the simulator's path).
    let previous = receiveEvents(v1, startJourney(v1, { customer: timeline.customer, contract: timeline.contract, enrolledAt: timeline.contract.start }), events);
    previous = advanceJourney(v1, previous, migratedAt - 1).state;
    const migrated = advanceJourney(v2, migrateJourney(v2, previous, { at: migratedAt, events }), timeline.contract.end).state;
    expect(report).toEqual(journeyReport(v2, migrated, timeline.contract.end));
    const firedBefore = before.actions.filter((a) => Date.parse(a.at) < migratedAt);
    expect(firedBefore.length).toBeGreaterThan(0);
    expect(report.actions.slice(0, firedBefore.length)).toEqual(firedBefore);
    // Nothing fired before the migration fires again by catch-up.
    const sourcesBefore = new Set(firedBefore.map((a) => a.source));
    const caughtUp = report.actions.filter((a) => (a as { catch_up?: boolean }).catch_up === true);
    expect(caughtUp.filter((a) => sourcesBefore.has(a.source))).toEqual([]);
    // What the new version does from the migration on is what a plain enrolment at that instant
    // does, but for the catch-up of sources already fired.
    const enrolled = referenceReport(v2, { ...timeline, events }, { enrolledAt: migratedAt });
    expect(report.actions.slice(firedBefore.length)).toEqual(
      enrolled.actions.filter((a) => !((a as { catch_up?: boolean }).catch_up === true && sourcesBefore.has(a.source))),
    );
    expect(report.milestones[0]).toMatchObject({ id: 'activation', due_at: '2026-03-31T00:00:00.000Z' });
  });
});
