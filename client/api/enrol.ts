/**
 * Enrolling a customer in a playbook (`POST /customers`, CSV import): check
 * the customer and contract against the playbook's newest deployed version,
 * record customer and journey, then start the durable journey pinned to that
 * version, handing it the customer's events already stored.
 */
import { insertCustomerEvents, markEventsSignalled, type StoredEvent } from '../../store/customer-events.ts';
import { findJourney, recordEnrolment, withTermsLocked, type JourneyRow } from '../../store/journeys.ts';
import { latestPlaybookVersion, pinKey, playbookVersionsByHash } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import type { EnrolBody } from './bodies.ts';
import { checkCustomerFor, checkEventFor, type Checked } from './declaration-checks.ts';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import type { ApiJourneyGateway } from './deps.ts';
import { formatInstant, parseInstant } from '../../workflows/engine/instant.ts';
import { journeyEventsOf } from './journey-events.ts';
import { appliesTo } from '../../workflows/engine/journey-start.ts';
import { journeyTermWorkflowId, journeyWorkflowId } from '../temporal/journey-id.ts';
import type { Enrolment } from '../temporal/journey-gateway.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';
import { viaGateway } from './journeys-unavailable.ts';
import { overlapMessage, placeTerm } from '../../store/terms.ts';
import { DEFAULT_PULL_EVERY_MS, feedTypesFor, type MetricFeed } from '../../workflows/metric-feed.ts';

/** The body of a successful enrolment, the same for 201 and 200 (reference §15). */
export interface EnrolmentBody {
  workflow_id: string;
  playbook: string;
  playbook_hash: string;
  customer: string;
  contract: { start: string; end: string };
  enrolled_at: string;
}

/** What an enrolment came to. */
export type EnrolOutcome =
  | { status: 201 | 200; body: EnrolmentBody }
  | { status: 400 | 409; errors: string[] };

/** Checks an enrolment without recording anything; the errors, empty when it would be accepted. */
export async function checkEnrolment(pool: Pool, request: EnrolBody): Promise<string[]> {
  const version = await latestPlaybookVersion(pool, request.playbook);
  if (version === null) return [`unknown playbook '${request.playbook}' (not deployed)`];
  const checked = checkCustomerFor(version.ir, request.customer, request.contract);
  return checked.ok ? [] : checked.errors;
}

/**
 * Enrols `request.customer` in `request.playbook` for the term of
 * `request.contract` (reference §9, §15): 201 for a new term (the customer's
 * first, or one after or before every enrolled term), 200 with the journey as
 * recorded when that term (same contract start) is enrolled already (its
 * journey re-started if its start was interrupted), 409 when the contract
 * overlaps an enrolled term.
 *
 * The common path (a new customer without history): the pinned version (its
 * IR parsed once per process, store/playbooks.ts), then, in one short
 * transaction holding the customer's terms of the playbook, the terms read
 * and customer and journey recorded by one statement; then one Temporal call.
 */
export async function enrolCustomer(pool: Pool, gateway: ApiJourneyGateway, request: EnrolBody, now: number, metrics?: MetricFeed): Promise<EnrolOutcome> {
  const version = await latestPlaybookVersion(pool, request.playbook);
  // A customer already enrolled gets its 200 whatever this request says (idempotent); otherwise the 400.
  const refused = async (errors: string[]): Promise<EnrolOutcome> => (await alreadyEnrolled(pool, gateway, request, metrics)) ?? { status: 400, errors };
  if (version === null) return refused([`unknown playbook '${request.playbook}' (not deployed)`]);
  const checked = checkCustomerFor(version.ir, request.customer, request.contract);
  if (!checked.ok) return refused(checked.errors);
  const { customer, contract } = checked.value;
  if (!appliesTo(version.ir, customer, contract)) {
    return refused([`customer '${customer.id}' does not match the playbook's applies_to: ${version.ir.appliesTo?.source ?? ''}`]);
  }
  const history = checkHistory(version.ir, customer.id, request.events ?? []);
  if (!history.ok) return refused(history.errors);
  const enrolledAt = request.enrolled_at === undefined ? now : parseInstant(request.enrolled_at)!;
  const { id, ...attrs } = request.customer;
  // Fixed with the journey: the API signals these types to no journey that does not pull them.
  const metricEvents = metrics === undefined ? [] : feedTypesFor(version.ir, metrics.types);
  const term = await withTermsLocked(pool, id, request.playbook, async (db, terms) => {
    const placed = placeTerm(terms, contract);
    if (placed.kind !== 'new') return placed;
    const journey: JourneyRow = {
      // A customer's first term keeps the id journeys always had; each later one is named by its start.
      workflowId: placed.first ? journeyWorkflowId(request.playbook, id) : journeyTermWorkflowId(request.playbook, id, contract.start),
      customerId: id, playbook: request.playbook, playbookHash: version.sourceHash,
      contractStart: new Date(contract.start), contractEnd: new Date(contract.end), enrolledAt: new Date(enrolledAt),
      status: 'running', lastReport: null, reportUpdatedAt: null, updatedAt: new Date(now), attrs, csm: null, metricEvents,
    };
    const recorded = await recordEnrolment(db, { id, attrs }, journey);
    if (!recorded.created) throw new Error(`journey ${journey.workflowId} is neither new nor recorded`);
    return { kind: 'created' as const, journey, newCustomer: recorded.newCustomer };
  });
  if (term.kind === 'enrolled') {
    await ensureStarted(pool, gateway, term.journey, metrics);
    return { status: 200, body: enrolmentBody(term.journey) };
  }
  if (term.kind === 'overlapping') return { status: 409, errors: [overlapMessage(term.journey, contract)] };
  const { journey } = term;
  // The history is stored before the journey starts (ARCHITECTURE: stored
  // before signalled), so an interrupted enrolment retried later still hands
  // it over; it travels in the start input, so it is never signalled again.
  const stored = history.value.map((h) => h.stored);
  const inserted = await insertCustomerEvents(pool, stored);
  // A customer new to Milepost has no other stored events: its history (checked above) is all,
  // in time order with equal instants in the order given, as the engine would queue them.
  const events = term.newCustomer
    ? history.value.filter((h) => inserted.has(h.stored.id) && !metricEvents.includes(h.event.type)).map((h) => h.event).sort((a, b) => a.at - b.at)
    : await journeyEventsOf(pool, version.ir, id, metricEvents);
  await viaGateway(`customer '${id}' is recorded but the journey could not be started yet; send the same request again`,
    () => gateway.enrol({ workflowId: journey.workflowId, ir: version.ir, customer, contract, enrolledAt, events, ...feedOf(metricEvents, metrics) }));
  await markEventsSignalled(pool, stored.map((e) => ({ id: e.id, at: new Date(now) })));
  return { status: 201, body: enrolmentBody(journey) };
}

/**
 * The 200 of a term already enrolled (its journey started if its start was
 * interrupted): the customer's term of the playbook starting at the
 * request's contract start; null when there is none.
 */
async function alreadyEnrolled(pool: Pool, gateway: ApiJourneyGateway, request: EnrolBody, metrics: MetricFeed | undefined): Promise<EnrolOutcome | null> {
  const start = parseInstant(request.contract.start);
  if (start === null) return null;
  const existing = await findJourney(pool, request.customer.id, request.playbook, { term: start });
  if (existing === null) return null;
  await ensureStarted(pool, gateway, existing, metrics);
  return { status: 200, body: enrolmentBody(existing) };
}

/** Enrols many customers, `concurrency` at a time (the CSV import); outcomes in request order. */
export async function enrolCustomers(pool: Pool, gateway: ApiJourneyGateway, requests: EnrolBody[], now: number, metrics?: MetricFeed, concurrency = 16): Promise<EnrolOutcome[]> {
  const outcomes: EnrolOutcome[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      outcomes[i] = await enrolCustomer(pool, gateway, requests[i]!, now, metrics);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  return outcomes;
}

/** Checks an enrolment's history against the playbook: every event, all or nothing, named by index; each as stored and as the journey's event. */
function checkHistory(ir: PlaybookIR, customerId: string, events: NonNullable<EnrolBody['events']>): Checked<Array<{ stored: StoredEvent; event: JourneyEvent }>> {
  const errors: string[] = [];
  const checkedEvents: Array<{ stored: StoredEvent; event: JourneyEvent }> = [];
  events.forEach((event, index) => {
    const checked = checkEventFor(ir, event);
    if (!checked.ok) errors.push(...checked.errors.map((e) => `events[${index}] (${event.id}): ${e}`));
    else checkedEvents.push({ stored: { id: event.id, customerId, type: checked.value.type, at: checked.value.at, data: event.data ?? {} }, event: checked.value });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: checkedEvents };
}

/** Starts the journey recorded in `journey` if it is not running yet (gateway.enrol is idempotent). */
async function ensureStarted(pool: Pool, gateway: ApiJourneyGateway, journey: JourneyRow, metrics: MetricFeed | undefined): Promise<void> {
  const enrolment = await enrolmentOf(pool, journey, metrics);
  await viaGateway(`the journey of customer '${journey.customerId}' could not be started yet; send the same request again`,
    () => gateway.enrol(enrolment));
}

/**
 * What starts the journey recorded in `journey`, from the database: its
 * pinned version, the stored customer and contract, the stored events (metric
 * feed types excepted) and its feed. Used to repeat an interrupted enrolment
 * and to start a never-started journey when an event arrives for it.
 */
export async function enrolmentOf(pool: Pool, journey: JourneyRow, metrics: MetricFeed | undefined): Promise<Enrolment> {
  const version = (await playbookVersionsByHash(pool, [{ playbook: journey.playbook, hash: journey.playbookHash }]))
    .get(pinKey(journey.playbook, journey.playbookHash));
  if (version === undefined) throw new Error(`journey ${journey.workflowId} is pinned to ${journey.playbookHash}, which is not in playbook_versions`);
  const customer = { ...journey.attrs, id: journey.customerId };
  const checked = checkCustomerFor(version.ir, customer, {
    start: formatInstant(journey.contractStart.getTime()), end: formatInstant(journey.contractEnd.getTime()),
  });
  if (!checked.ok) throw new Error(`stored customer ${journey.customerId} no longer matches ${journey.playbook}: ${checked.errors.join('; ')}`);
  const events = await journeyEventsOf(pool, version.ir, journey.customerId, journey.metricEvents);
  return {
    workflowId: journey.workflowId, ir: version.ir, customer: checked.value.customer, contract: checked.value.contract, enrolledAt: journey.enrolledAt.getTime(), events,
    ...feedOf(journey.metricEvents, metrics),
  };
}

/** The start input's metric feed: the journey's recorded types, pulled at the configured pace (daily without one). */
function feedOf(types: string[], metrics: MetricFeed | undefined): { metrics?: MetricFeed } {
  return types.length === 0 ? {} : { metrics: { types, pullEveryMs: metrics?.pullEveryMs ?? DEFAULT_PULL_EVERY_MS } };
}

function enrolmentBody(journey: JourneyRow): EnrolmentBody {
  return {
    workflow_id: journey.workflowId,
    playbook: journey.playbook,
    playbook_hash: journey.playbookHash,
    customer: journey.customerId,
    contract: { start: formatInstant(journey.contractStart.getTime()), end: formatInstant(journey.contractEnd.getTime()) },
    enrolled_at: formatInstant(journey.enrolledAt.getTime()),
  };
}
