/**
 * Everything stored about one customer, for its dashboard page and exports:
 * the customer, its journeys (terms) with their stored reports and pinned
 * IRs, its events in time order, and its tasks, outbox and ledger.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { eventsOfCustomer, type StoredEvent } from '../../store/customer-events.ts';
import { findCustomer, journeysOfCustomers, type JourneyRow } from '../../store/journeys.ts';
import { listLedger, type LedgerRow } from '../../store/ledger.ts';
import { listOutbox, type OutboxRow } from '../../store/outbox.ts';
import { pinKey, playbookVersionsByHash } from '../../store/playbooks.ts';
import type { Queryable } from '../../store/queryable.ts';
import { listTasks, type TaskRow } from '../../store/tasks.ts';

/** One customer's stored record. */
export interface CustomerRecord {
  customer: { id: string; attrs: Record<string, unknown>; csm: string | null };
  /** Each journey with its pinned IR (undefined when that version is missing). */
  journeys: Array<JourneyRow & { ir: PlaybookIR | undefined }>;
  events: StoredEvent[];
  tasks: TaskRow[];
  outbox: OutboxRow[];
  ledger: LedgerRow[];
}

/** The customer's record, or null for an unknown customer. `limit` bounds each list. */
export async function loadCustomerRecord(db: Queryable, customerId: string, limit = 1000): Promise<CustomerRecord | null> {
  const customer = await findCustomer(db, customerId);
  if (customer === null) return null;
  const [journeys, events, tasks, outbox, ledger] = await Promise.all([
    journeysOfCustomers(db, [customerId], { withReport: true }), eventsOfCustomer(db, customerId),
    listTasks(db, { customerId, limit }), listOutbox(db, { customerId, limit }), listLedger(db, { customerId, limit }),
  ]);
  const versions = await playbookVersionsByHash(db, journeys.map((j) => ({ playbook: j.playbook, hash: j.playbookHash })));
  return {
    customer,
    journeys: journeys.map((j) => ({ ...j, ir: versions.get(pinKey(j.playbook, j.playbookHash))?.ir })),
    events, tasks, outbox, ledger,
  };
}
