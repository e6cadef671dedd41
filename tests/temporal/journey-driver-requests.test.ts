/**
 * What the journey accepts from outside, decided by the pure driver (no
 * Temporal here; the workflow only turns a refusal into an ApplicationFailure
 * of the refusal's kind): manual completions, task closes, migrations; and the
 * migration itself (a new version judged on every event, manual completions
 * carried, the count of actions fired kept).
 */
import { describe, expect, it } from 'vitest';
import {
  acceptManualCompletion, catchUp, completionRefusal, driverReport, migrateDriver, migrationRefusal, startDriver, acceptEvents, taskCloseRefusal,
} from '../../workflows/journey-driver.ts';
import { migrationEntry } from '../../workflows/ledger-entries.ts';
import { clinicVersions } from './support/clinic-versions.ts';
import { timelineFile } from './support/reference.ts';

const { v1, v2 } = clinicVersions();
const acme = timelineFile(v1, 'tests/temporal/fixtures/acme-clinic.yaml');
const notActivated = acme.events.filter((e) => e.type !== 'activated');
const mid = Date.parse('2026-02-15T12:00:00.000Z');

function runningUntil(at: number) {
  const driver = startDriver(v1, acme.customer, acme.contract, acme.contract.start);
  acceptEvents(v1, driver, notActivated);
  catchUp(v1, driver, at);
  return driver;
}

describe('manual completions', () => {
  it('are refused with a reason and a kind: no note, no by, unknown milestone, milestone not open', () => {
    const driver = runningUntil(mid);
    const start = acme.contract.start;
    const ok = { milestone: 'activation', note: 'call done', by: 'ada@example.com' };
    expect(completionRefusal(v1, driver, ok, start)).toBeNull();
    expect(completionRefusal(v1, driver, { ...ok, note: ' ' }, start)).toEqual({ kind: 'InvalidRequest', message: 'a manual completion needs a note' });
    expect(completionRefusal(v1, driver, { ...ok, by: '' }, start)?.kind).toBe('InvalidRequest');
    expect(completionRefusal(v1, driver, { ...ok, milestone: 'onboarding' }, start)).toEqual({
      kind: 'UnknownMilestone', message: "unknown milestone 'onboarding' (activation, self_sufficient, first_campaign, renewal)",
    });
    expect(completionRefusal(v1, driver, { ...ok, milestone: 'renewal' }, start)?.kind).toBe('MilestoneNotOpen');
  });
});

describe('task closes', () => {
  it('are refused without by, and for a task the journey never opened', () => {
    const driver = runningUntil(mid);
    expect(taskCloseRefusal(v1, driver, { task: 'nope@2026-02-01T00:00:00.000Z', by: '' }, acme.contract.start)?.kind).toBe('InvalidRequest');
    expect(taskCloseRefusal(v1, driver, { task: 'nope@2026-02-01T00:00:00.000Z', by: 'ada@example.com' }, acme.contract.start)).toEqual({
      kind: 'UnknownTask', message: "the journey has no task 'nope@2026-02-01T00:00:00.000Z'",
    });
  });
});

describe('migrations', () => {
  it('are refused to another playbook, to the same version, after the term', () => {
    const driver = runningUntil(mid);
    expect(migrationRefusal(v1, driver, v2)).toBeNull();
    expect(migrationRefusal(v1, driver, v1)?.message).toBe(`the journey is already on ${v1.sourceHash}`);
    expect(migrationRefusal(v1, driver, { ...v2, playbook: 'other' })?.message).toBe("the journey follows 'clinic-first-year', not 'other'");
    expect(migrationRefusal(v1, runningUntil(acme.contract.end + 1), v2)?.message).toBe("the journey's term has closed");
  });

  it('judge the new version on every event from the contract start, carry manual completions, fire nothing before the migration', () => {
    const driver = runningUntil(mid);
    acceptManualCompletion(v1, driver, { milestone: 'activation', at: mid, note: 'call done', by: 'ada@example.com' });
    catchUp(v1, driver, mid + 1);
    const fired = driver.actionsFired;
    const at = Date.parse('2026-03-10T00:00:00.000Z');
    const before = driverReport(v1, driver, at - 1).actions;
    expect(before.length).toBeGreaterThan(0);
    for (const keepsFired of [false, true]) {
      const moved = migrateDriver(v2, driver, acme, at, notActivated, { keepsFired });
      expect(moved.actionsFired).toBe(fired);
      expect(moved.engine.clock).toBe(at - 1);
      const report = driverReport(v2, moved, at - 1);
      expect(report.milestones.find((m) => m.id === 'activation')).toMatchObject({ state: 'done', completed_at: new Date(mid).toISOString() });
      // Enrolled in the new version at the migration instant: nothing it would have fired before
      // then fires; the engine's migration (reference §10) keeps what the old version fired in the report.
      expect(report.actions).toEqual(keepsFired ? before : []);
    }
  });

  it('are one ledger row, keyed by the two versions', () => {
    expect(migrationEntry('journey:p:c', { at: 5, playbook: 'p', from: 'sha256:a', to: 'sha256:b', by: 'max', events: 3 })).toEqual({
      idemKey: 'journey:p:c/migration/sha256:a->sha256:b', at: 5, kind: 'migration', subject: 'p', fromState: 'sha256:a', toState: 'sha256:b',
      detail: { by: 'max', events: 3 },
    });
  });
});
