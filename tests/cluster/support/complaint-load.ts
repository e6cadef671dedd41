/**
 * The load of the cluster scenarios, through the public API only: clinics
 * enrolled in clinic-first-year with `POST /customers`, then rounds of
 * complaints (severity 3, one per clinic per round) in `POST /events`
 * batches. The playbook's `complaint_sla` trigger opens one task per
 * complaint, so the tables say exactly whether every accepted event reached
 * its journey once: one task row and one ledger action row per complaint.
 *
 * A batch is sent until it is answered 202 (a fault may be in progress): the
 * same event ids each time, so a batch stored before its answer was lost is
 * reported as duplicates and changes nothing.
 */
import type { MilepostStack } from './milepost-stack.ts';

export const COMPLAINT_SOURCE = 'trigger/complaint_sla/0';
const DAY = 86_400_000;

export interface LoadShape {
  customers: number;
  rounds: number;
}

/** Default size, overridable for a bigger rehearsal: MILEPOST_CLUSTER_CUSTOMERS, MILEPOST_CLUSTER_ROUNDS. */
export function loadShape(): LoadShape {
  return { customers: Number(process.env.MILEPOST_CLUSTER_CUSTOMERS ?? 30), rounds: Number(process.env.MILEPOST_CLUSTER_ROUNDS ?? 6) };
}

/**
 * This run's tag: journey ids are `journey:<playbook>:<customer>`, and a
 * cluster reused across runs (MILEPOST_TEST_CLUSTER_DIR) still holds the last
 * run's journeys, which an enrolment of the same customer would find.
 */
const RUN = Date.now().toString(36);

/** `count` clinic ids, `<prefix>-<run>-0000`...: a scenario's clinics, matched by `<prefix>-%`. */
export function clinicIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${RUN}-${String(i).padStart(4, '0')}`);
}

/** Enrols the clinics, `concurrency` requests at a time; contracts started 20 days ago. Returns the seconds it took. */
export async function enrolClinics(stack: MilepostStack, ids: string[], options: { concurrency?: number; contractStart?: number } = {}): Promise<number> {
  const start = options.contractStart ?? Date.now() - 20 * DAY;
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const answer = await stack.api('POST', '/customers', {
        playbook: 'clinic-first-year',
        customer: { id, name: `Clinic ${id}`, segment: 'clinic', tier: 'growth', arr: 12000, csm: 'ada@example.com', manager: 'max@example.com' },
        contract: { start: new Date(start).toISOString(), end: new Date(start + 365 * DAY).toISOString() },
      });
      if (answer.status !== 201 && answer.status !== 200) throw new Error(`enrol ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  }));
  return (performance.now() - started) / 1000;
}

export interface RoundsResult {
  /** Distinct event ids answered 202 (accepted, stored). */
  accepted: number;
  /** Events the API reported as already stored (a retried batch). */
  duplicates: number;
  /** Batches that had to be sent more than once. */
  retriedBatches: number;
  seconds: number;
}

/**
 * Sends `rounds` batches, one complaint per clinic each, `pauseMs` apart;
 * `during(round)` runs before round `round` is sent (a fault, for instance).
 */
export async function sendComplaintRounds(
  stack: MilepostStack, prefix: string, ids: string[], rounds: number,
  options: { pauseMs?: number; during?: (round: number) => Promise<void> } = {},
): Promise<RoundsResult> {
  const result: RoundsResult = { accepted: 0, duplicates: 0, retriedBatches: 0, seconds: 0 };
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    await options.during?.(round);
    const at = Date.now();
    const events = ids.map((customer, i) => ({ id: `${prefix}-r${round}-${i}`, customer, type: 'complaint', at: new Date(at + i).toISOString(), data: { severity: 3 } }));
    let answer: { status: number; body: any } | undefined;
    for (let attempt = 0; attempt < 60; attempt++) {
      answer = await stack.api('POST', '/events', { events }, 240_000);
      if (answer.status === 202) break;
      result.retriedBatches += attempt === 0 ? 1 : 0;
      await new Promise((r) => setTimeout(r, 2000));
    }
    if (answer?.status !== 202) throw new Error(`round ${round}: ${answer?.status} ${JSON.stringify(answer?.body)}`);
    result.accepted += answer.body.accepted;
    result.duplicates += answer.body.duplicates ?? 0;
    await new Promise((r) => setTimeout(r, options.pauseMs ?? 1000));
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

export interface DeliveryCounts {
  storedEvents: number;
  /** Stored events not yet marked delivered to their journey (`customer_events.signalled_at`). */
  undelivered: number;
  tasks: number;
  distinctTaskKeys: number;
  ledgerActions: number;
  /** Clinics whose complaint tasks are not exactly `rounds`. */
  clinicsOff: Array<{ customer: string; tasks: number }>;
}

export async function deliveryCounts(stack: MilepostStack, prefix: string, rounds: number): Promise<DeliveryCounts> {
  const like = `${prefix}-%`;
  const q = async (sql: string) => Number((await stack.db.query(sql, [like])).rows[0].n);
  const storedEvents = await q(`SELECT count(*) AS n FROM customer_events WHERE customer_id LIKE $1 AND type = 'complaint'`);
  const undelivered = await q(`SELECT count(*) AS n FROM customer_events WHERE customer_id LIKE $1 AND type = 'complaint' AND signalled_at IS NULL`);
  const tasks = await q(`SELECT count(*) AS n FROM tasks WHERE customer_id LIKE $1 AND source = '${COMPLAINT_SOURCE}'`);
  const distinctTaskKeys = await q(`SELECT count(DISTINCT idem_key) AS n FROM tasks WHERE customer_id LIKE $1 AND source = '${COMPLAINT_SOURCE}'`);
  const ledgerActions = await q(`SELECT count(*) AS n FROM milestone_ledger WHERE customer_id LIKE $1 AND kind = 'action' AND subject LIKE '${COMPLAINT_SOURCE}%'`);
  const off = await stack.db.query(
    `SELECT customer_id AS customer, count(*)::int AS tasks FROM tasks WHERE customer_id LIKE $1 AND source = '${COMPLAINT_SOURCE}' GROUP BY customer_id HAVING count(*) <> ${rounds}`,
    [like],
  );
  return { storedEvents, undelivered, tasks, distinctTaskKeys, ledgerActions, clinicsOff: off.rows };
}

/**
 * Waits until every complaint has its task and ledger row, then a little
 * longer to catch a late duplicate, and checks that each was written once
 * (throws with both counts otherwise). Returns the final counts (for the report).
 */
export async function expectDeliveredOnce(stack: MilepostStack, prefix: string, shape: LoadShape, timeoutMs = 300_000): Promise<DeliveryCounts & { waitedSeconds: number }> {
  const expected = shape.customers * shape.rounds;
  const started = Date.now();
  let counts = await deliveryCounts(stack, prefix, shape.rounds);
  while ((counts.tasks < expected || counts.ledgerActions < expected || counts.undelivered > 0) && Date.now() - started < timeoutMs) {
    await new Promise((r) => setTimeout(r, 2000));
    counts = await deliveryCounts(stack, prefix, shape.rounds);
  }
  const waitedSeconds = (Date.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 5000));
  counts = await deliveryCounts(stack, prefix, shape.rounds);
  const wanted: DeliveryCounts = { storedEvents: expected, undelivered: 0, tasks: expected, distinctTaskKeys: expected, ledgerActions: expected, clinicsOff: [] };
  if (JSON.stringify(counts) !== JSON.stringify(wanted)) {
    throw new Error(`${prefix}: after ${waitedSeconds.toFixed(0)} s, expected ${JSON.stringify(wanted)}\n  got ${JSON.stringify(counts)}`);
  }
  return { ...counts, waitedSeconds };
}
