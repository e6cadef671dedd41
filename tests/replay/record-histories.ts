/**
 * Records journey workflow histories for the replay tests:
 * `node tests/replay/record-histories.ts [release]` runs reference journeys on
 * the time-skipping server (real workflow code, dry-run activities) and writes
 * each history to `tests/replay/histories/<release>-<case>.json` (the
 * protobuf-encoded history, base64, with what produced it).
 *
 * Record again (with a new release name) whenever the workflow code changes
 * on purpose; keep the old files: every committed history must still replay.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { runJourneyOnTemporal, startSimulationHarness } from '../../client/temporal/simulate-on-temporal.ts';
import { compileFile, timelineFile } from '../temporal/support/reference.ts';

const { temporal } = proto;
const release = process.argv[2] ?? 'v0.1.0';
const DIR = join(import.meta.dirname, 'histories');

const cases = [
  { name: 'clinic-acme-year', playbook: 'playbooks/clinic-first-year.yaml', timeline: 'tests/temporal/fixtures/acme-clinic.yaml', enrolledAt: undefined },
  { name: 'clinic-acme-enrolled-april', playbook: 'playbooks/clinic-first-year.yaml', timeline: 'tests/temporal/fixtures/acme-clinic.yaml', enrolledAt: Date.parse('2026-04-15T12:00:00.000Z') },
  { name: 'stability-webhooks', playbook: 'tests/golden/stability/playbook.yaml', timeline: 'tests/golden/stability/timeline.yaml', enrolledAt: undefined },
];

const harness = await startSimulationHarness();
try {
  for (const c of cases) {
    const ir = compileFile(c.playbook);
    const timeline = timelineFile(ir, c.timeline);
    const { workflowId } = await runJourneyOnTemporal(harness, ir, timeline, c.enrolledAt === undefined ? {} : { enrolledAt: c.enrolledAt });
    // Stored as the protobuf encoding (base64) inside a small JSON wrapper:
    // exact, and independent of JSON-mapping quirks between protobuf copies.
    const { history } = await harness.env.client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default', execution: { workflowId }, maximumPageSize: 10_000,
    });
    if (!history) throw new Error(`no history for ${workflowId}`);
    const file = join(DIR, `${release}-${c.name}.json`);
    const encoded = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('base64');
    const record = { workflowId, release, case: c.name, playbook: c.playbook, timeline: c.timeline, events: history.events?.length ?? 0, history: encoded };
    writeFileSync(file, `${JSON.stringify(record, null, 1)}\n`);
    console.log(`${file}: ${record.events} events`);
  }
} finally {
  await harness.stop();
}
