/**
 * The next term (reference §9), on the time-skipping server with real Postgres: a
 * term that closes renewed on a playbook with `renewal_term` starts the next
 * term's journey on the named playbook's deployed version, at the closing
 * instant, under the term's workflow id (customer, playbook, contract start),
 * as a child the closing journey abandons; the ledger and the journeys table
 * record it; the next term has one run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import { JOURNEY_WORKFLOW_TYPE, journeyWorkflowId } from '../../client/temporal/journey-gateway.ts';
import { journeyTermWorkflowId } from '../../client/temporal/journey-id.ts';
import { startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import { compilePlaybook } from '../../dsl/index.ts';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { insertCustomerEvents } from '../../store/customer-events.ts';
import { insertJourney, upsertCustomer } from '../../store/journeys.ts';
import { insertPlaybookVersion } from '../../store/playbooks.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';
import type { JourneyCustomer } from '../../workflows/engine/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { testActivityDeps } from './support/activity-deps.ts';

const DAY = 86_400_000;
const start = Date.parse('2026-01-01T00:00:00.000Z');
const end = start + 30 * DAY;

function compile(source: string): PlaybookIR {
  const { ir, diagnostics } = compilePlaybook(source, 'term.yaml');
  if (!ir) throw new Error(JSON.stringify(diagnostics));
  return { ...ir, language: 2 };
}

const FIRST = `
playbook: first-year
title: First year
customer:
  name: string
  csm: string
events:
  renewed: {}
milestones:
  - id: renewal
    title: Renewed
    due: day 20
    renewal: true
    done_when: happened(renewed)
`;
const SECOND = `
playbook: second-year
title: Second year
customer:
  name: string
  csm: string
events:
  renewed: {}
  reviewed: {}
milestones:
  - id: review
    title: Reviewed
    due: day 10
    done_when: happened(reviewed)
`;

let db: TestDatabase;
let harness: TemporalHarness & { stop(): Promise<void> };
beforeAll(async () => {
  db = await createTestDatabase();
  harness = await startSimulationHarness(createActivities(testActivityDeps(db.pool, null, 'http://127.0.0.1:9')));
});
afterAll(async () => {
  await harness?.stop();
  await db?.drop();
});

it('starts the next term once, on the deployed playbook it names, at the closing instant', async () => {
  // The compiler of this tree does not write `renewal_term` yet: set it on the IR.
  const first: PlaybookIR = { ...compile(FIRST), renewalTerm: { playbook: 'second-year', length: { amount: 1, unit: 'month' } } };
  const second = compile(SECOND);
  await insertPlaybookVersion(db.pool, { source: SECOND, ir: second, deployedBy: 'test' });
  const customer = { id: 'acme', attrs: { name: 'Acme', csm: 'ada@example.com' } };
  await upsertCustomer(db.pool, customer);
  const renewedAt = start + 10 * DAY;
  // Stored, as the API stores every event before a journey hears of it.
  await insertCustomerEvents(db.pool, [{ id: 'acme-renewed', customerId: customer.id, type: 'renewed', at: renewedAt, data: {} }]);
  const input = (workflowId: string): JourneyInput => ({ kind: 'start', start: {
    ir: first, customer, contract: { start, end }, enrolledAt: start, domainStart: start, events: [{ id: `${workflowId}-renewed`, at: renewedAt, type: 'renewed', data: {} }],
  } });
  const firstId = journeyWorkflowId('first-year', customer.id);
  await insertJourney(db.pool, {
    workflowId: firstId, customerId: customer.id, playbook: 'first-year', playbookHash: first.sourceHash,
    contractStart: new Date(start), contractEnd: new Date(end), enrolledAt: new Date(start),
  });
  const closing = await harness.env.client.workflow.execute<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: firstId, taskQueue: harness.taskQueue, args: [input(firstId)] });
  expect(closing.outcome).toBe('renewed');
  const nextEnd = '2026-02-28T00:00:00.000Z'; // Jan 31 + 1 month, clamped
  expect(closing.next_term).toEqual({ playbook: 'second-year', start: new Date(end).toISOString(), end: nextEnd });

  const nextId = journeyTermWorkflowId('second-year', customer.id, end);
  const next = harness.env.client.workflow.getHandle<typeof journeyWorkflow>(nextId);
  const described = await next.describe();
  expect(described.type).toBe('journeyWorkflow');
  expect(described.parentExecution?.workflowId).toBe(firstId);
  const report = await next.result();
  expect(report).toMatchObject({ playbook: 'second-year', customer: 'acme', outcome: 'ended' });
  // The customer's whole history went along: the first term's event is the second's too (no window).
  const [started] = (await next.fetchHistory()).events!;
  const startInput = JSON.parse(Buffer.from(started!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString()) as JourneyInput;
  expect(startInput.kind === 'start' && startInput.start).toMatchObject({
    contract: { start: end, end: Date.parse(nextEnd) }, enrolledAt: end, events: [{ type: 'renewed', at: renewedAt }],
  });
  expect(startInput.kind === 'start' && startInput.start.ir.sourceHash).toBe(second.sourceHash);

  const journeys = (await db.pool.query('SELECT workflow_id, playbook, contract_start FROM journeys ORDER BY contract_start')).rows;
  expect(journeys).toEqual([
    { workflow_id: firstId, playbook: 'first-year', contract_start: new Date(start) },
    { workflow_id: nextId, playbook: 'second-year', contract_start: new Date(end) },
  ]);
  const ledger = (await db.pool.query(`SELECT journey_id, subject, from_state, to_state FROM milestone_ledger WHERE kind = 'term' ORDER BY at, subject`)).rows;
  expect(ledger).toContainEqual({ journey_id: firstId, subject: 'next_term', from_state: 'renewed', to_state: nextId });

  // Started once, by the closing journey, as a child it abandons (so it outlives it).
  const closingHistory = (await harness.env.client.workflow.getHandle(firstId).fetchHistory()).events!;
  const initiated = closingHistory.flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes ?? []);
  expect(initiated.map((a) => [a.workflowId, a.parentClosePolicy])).toEqual([[nextId, 2]]);
  expect(closingHistory.filter((e) => e.childWorkflowExecutionStartedEventAttributes)).toHaveLength(1);
});

it('starts the next term on the same playbook: a second journey of the customer and playbook, its own row', async () => {
  // The running term's IR renews into its own playbook; the deployed version the next term
  // runs on has no renewal_term, so the chain stops there.
  const deployed = compile(FIRST.replace('playbook: first-year', 'playbook: same-year'));
  await insertPlaybookVersion(db.pool, { source: FIRST, ir: deployed, deployedBy: 'test' });
  const running: PlaybookIR = { ...deployed, renewalTerm: { playbook: null, length: { amount: 1, unit: 'month' } } };
  const customer = { id: 'bolt', attrs: { name: 'Bolt', csm: 'ada@example.com' } };
  await upsertCustomer(db.pool, customer);
  const firstId = journeyWorkflowId('same-year', customer.id);
  await insertJourney(db.pool, {
    workflowId: firstId, customerId: customer.id, playbook: 'same-year', playbookHash: running.sourceHash,
    contractStart: new Date(start), contractEnd: new Date(end), enrolledAt: new Date(start),
  });
  // A time-skipping server of its own: on the one the other test used, this journey's first
  // timer never fired (the server stopped skipping time after that test's abandoned child
  // completed; seen every run, not investigated further).
  const own = await startSimulationHarness(createActivities(testActivityDeps(db.pool, null, 'http://127.0.0.1:9')));
  try {
    await runSamePlaybookTerms(own, firstId, running, customer);
  } finally {
    await own.stop();
  }
  const nextId = journeyTermWorkflowId('same-year', customer.id, end);
  const journeys = (await db.pool.query(`SELECT workflow_id, contract_start FROM journeys WHERE customer_id = 'bolt' AND playbook = 'same-year' ORDER BY contract_start`)).rows;
  expect(journeys).toEqual([
    { workflow_id: firstId, contract_start: new Date(start) },
    { workflow_id: nextId, contract_start: new Date(end) },
  ]);
});

async function runSamePlaybookTerms(own: TemporalHarness, firstId: string, running: PlaybookIR, customer: JourneyCustomer) {
  const closing = await own.env.client.workflow.execute<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, {
    workflowId: firstId, taskQueue: own.taskQueue,
    args: [{ kind: 'start', start: { ir: running, customer, contract: { start, end }, enrolledAt: start, domainStart: start, events: [{ id: 'bolt-renewed', at: start + 10 * DAY, type: 'renewed', data: {} }] } }],
  });
  expect(closing.next_term).toEqual({ playbook: 'same-year', start: new Date(end).toISOString(), end: '2026-02-28T00:00:00.000Z' });
  await own.env.client.workflow.getHandle<typeof journeyWorkflow>(journeyTermWorkflowId('same-year', customer.id, end)).result();
}

it('starts no second journey for a term enrolled through the API: the same start is the next term, an overlap refuses it', async () => {
  const first: PlaybookIR = { ...compile(FIRST.replace('playbook: first-year', 'playbook: taken-year')), renewalTerm: { playbook: 'second-year', length: { amount: 1, unit: 'month' } } };
  // second-year is deployed by the first test; deployed again here so this test stands alone.
  await insertPlaybookVersion(db.pool, { source: SECOND, ir: compile(SECOND), deployedBy: 'test' });
  // dune: its CSM enrolled the renewal by hand at the same start, under the API's name for a first term.
  // cove: enrolled by hand from five days before the term ends, which overlaps the next term.
  const enrolled = { dune: { id: journeyWorkflowId('second-year', 'dune'), start: end }, cove: { id: journeyTermWorkflowId('second-year', 'cove', end - 5 * DAY), start: end - 5 * DAY } };
  const own = await startSimulationHarness(createActivities(testActivityDeps(db.pool, null, 'http://127.0.0.1:9')));
  try {
    for (const [id, term] of Object.entries(enrolled)) {
      const customer = { id, attrs: { name: id, csm: 'ada@example.com' } };
      await upsertCustomer(db.pool, customer);
      await insertJourney(db.pool, {
        workflowId: term.id, customerId: id, playbook: 'second-year', playbookHash: 'sha256:by-hand',
        contractStart: new Date(term.start), contractEnd: new Date(term.start + 30 * DAY), enrolledAt: new Date(start),
      });
      const firstId = journeyWorkflowId('taken-year', id);
      await insertJourney(db.pool, {
        workflowId: firstId, customerId: id, playbook: 'taken-year', playbookHash: first.sourceHash,
        contractStart: new Date(start), contractEnd: new Date(end), enrolledAt: new Date(start),
      });
      const closing = await own.env.client.workflow.execute<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, {
        workflowId: firstId, taskQueue: own.taskQueue,
        args: [{ kind: 'start', start: { ir: first, customer, contract: { start, end }, enrolledAt: start, domainStart: start, events: [{ id: `${id}-renewed`, at: start + 10 * DAY, type: 'renewed', data: {} }] } }],
      });
      expect(closing.next_term).toMatchObject({ playbook: 'second-year', start: new Date(end).toISOString() });
      const history = (await own.env.client.workflow.getHandle(firstId).fetchHistory()).events!;
      expect(history.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes), id).toHaveLength(0);
    }
    const terms = (await db.pool.query(`SELECT customer_id, workflow_id FROM journeys WHERE playbook = 'second-year' AND customer_id IN ('dune', 'cove') ORDER BY customer_id`)).rows;
    expect(terms).toEqual([{ customer_id: 'cove', workflow_id: enrolled.cove.id }, { customer_id: 'dune', workflow_id: enrolled.dune.id }]);
    const ledger = (await db.pool.query(`SELECT journey_id, to_state, detail->>'journey' AS journey FROM milestone_ledger WHERE kind = 'term' AND subject = 'next_term' AND journey_id LIKE '%taken-year%' ORDER BY journey_id`)).rows;
    expect(ledger).toEqual([
      { journey_id: journeyWorkflowId('taken-year', 'cove'), to_state: 'overlapping', journey: enrolled.cove.id },
      { journey_id: journeyWorkflowId('taken-year', 'dune'), to_state: enrolled.dune.id, journey: enrolled.dune.id },
    ]);
  } finally {
    await own.stop();
  }
});
