/**
 * The reliability scenarios on a real Temporal cluster: two `milepost
 * worker`s, one `milepost serve`, the four Temporal services as processes on
 * Postgres (which also holds Milepost's tables). In each, clinics are
 * enrolled and complaints sent in rounds while one part fails in the middle;
 * each ends with every accepted event stored once and delivered once: one
 * complaint task and one ledger action row per complaint, none twice.
 *
 * The counts of each run are printed (`[cluster] ...`) for the closing notes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clinicIds, enrolClinics, expectDeliveredOnce, loadShape, sendComplaintRounds } from './support/complaint-load.ts';
import { startMilepostStack, type MilepostStack } from './support/milepost-stack.ts';

let stack: MilepostStack;
const shape = loadShape();
const FAULT_ROUND = Math.floor(shape.rounds / 2);

beforeAll(async () => {
  stack = await startMilepostStack('faults', { workers: 2, playbooks: ['playbooks/clinic-first-year.yaml'] });
});
afterAll(async () => {
  await stack?.stop();
});

async function scenario(prefix: string, fault: () => Promise<{ what: string; recovery?: Promise<void> }>) {
  const ids = clinicIds(prefix, shape.customers);
  const enrolSeconds = await enrolClinics(stack, ids);
  let happened: { what: string; recovery?: Promise<void> } = { what: '' };
  const sent = await sendComplaintRounds(stack, prefix, ids, shape.rounds, {
    during: async (round) => {
      if (round === FAULT_ROUND) happened = await fault();
    },
  });
  await happened.recovery;
  expect(sent.accepted + sent.duplicates).toBe(shape.customers * shape.rounds);
  const counts = await expectDeliveredOnce(stack, prefix, shape);
  console.log(
    `[cluster] ${prefix}: ${happened.what}; ${shape.customers} clinics enrolled in ${enrolSeconds.toFixed(1)} s; ` +
      `${sent.accepted} complaints accepted (+${sent.duplicates} duplicates of retried batches, ${sent.retriedBatches} batches retried); ` +
      `${counts.tasks} of ${shape.customers * shape.rounds} tasks, ${counts.distinctTaskKeys} distinct, ${counts.ledgerActions} ledger action rows, ` +
      `all in ${counts.waitedSeconds.toFixed(0)} s after the last batch`,
  );
}

it('a worker SIGKILLed mid-load: the other worker carries on, nothing lost or repeated', async () => {
  await scenario('wkill', async () => {
    await stack.workers[0]!.kill();
    return { what: 'worker 1 of 2 SIGKILLed' };
  });
  // Back to two workers for the next scenarios.
  stack.workers.shift();
  await stack.addWorker();
});

it('the history service SIGKILLed and restarted 15 s later', async () => {
  await scenario('hkill', async () => {
    await stack.cluster.kill('history');
    // Rounds keep coming while history is down: the API stores them (202) and delivers them later.
    const recovery = new Promise<void>((resolve) => setTimeout(resolve, 15_000)).then(() => stack.cluster.start('history'));
    return { what: 'history SIGKILLed, restarted after 15 s', recovery };
  });
});

it('the matching service restarted (SIGTERM, then started again)', async () => {
  await scenario('mrestart', async () => {
    await stack.cluster.restart('matching');
    return { what: 'matching restarted' };
  });
});

it("Postgres restarted (Temporal's databases and Milepost's tables at once)", async () => {
  await scenario('pgrestart', async () => {
    await stack.cluster.postgres.restart();
    return { what: 'Postgres restarted (fast shutdown, start)' };
  });
});
