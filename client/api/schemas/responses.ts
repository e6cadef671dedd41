/**
 * The API's answers as zod schemas, for the OpenAPI document (openapi.ts)
 * and so Schemathesis can check every answer against them. Objects are
 * loose (`looseObject`): a key added to an answer is not a breaking change,
 * but every key listed here is there, with this type.
 */
import { z } from 'zod';

const Iso = z.string().describe('ISO-8601 instant, e.g. 2026-03-02T09:30:00.000Z');
const IsoOrNull = Iso.nullable();
const MilestoneState = z.enum(['pending', 'open', 'overdue', 'done', 'late', 'missed', 'skipped']);
const Outcome = z.enum(['running', 'renewed', 'churned', 'ended']);

/** One item of an error list: a message, or an object carrying it (with `index`/`id` for events, `line` for CSV rows). */
export const ErrorItem = z.union([
  z.string(),
  z.looseObject({
    error: z.string(),
    index: z.number().int().nullable().optional(),
    line: z.number().int().optional(),
    id: z.string().nullable().optional(),
  }),
]);

/** Every error body (docs/api.md, "Errors"). */
export const ErrorList = z.looseObject({ errors: z.array(ErrorItem).min(1) });

/** `GET /health`. */
export const Health = z.strictObject({ status: z.enum(['ok', 'unavailable']), postgres: z.string(), temporal: z.string() });

/** `POST /customers` (201 and 200). */
export const Enrolled = z.looseObject({
  workflow_id: z.string(), playbook: z.string(), playbook_hash: z.string(), customer: z.string(),
  contract: z.looseObject({ start: Iso, end: Iso }), enrolled_at: Iso,
});

/** `POST /events` (202). */
export const EventsAccepted = z.looseObject({ accepted: z.number().int().min(0), duplicates: z.number().int().min(0) });

/** `POST /customers/import`: enrolled, or (validate_only) how many rows are valid. */
export const ImportResult = z.union([
  z.looseObject({ enrolled: z.number().int().min(0), already_enrolled: z.number().int().min(0) }),
  z.looseObject({ valid: z.number().int().min(0) }),
]);

const Raise = z.looseObject({ id: z.string(), raised_at: Iso, cleared_at: IsoOrNull });

/** A journey's report (reference §12). */
export const JourneyReport = z.looseObject({
  playbook: z.string(), customer: z.string(), until: Iso, outcome: Outcome,
  milestones: z.array(z.looseObject({ id: z.string(), state: MilestoneState, opens_at: IsoOrNull, due_at: IsoOrNull, completed_at: IsoOrNull })),
  actions: z.array(z.looseObject({ at: Iso, kind: z.enum(['remind', 'open_task', 'escalate', 'webhook']), source: z.string(), to: z.string() })),
  risks: z.array(Raise),
  tasks: z.array(z.looseObject({
    id: z.string(), source: z.string(), title: z.string(), to: z.string(), priority: z.string(), opened_at: Iso, due_at: Iso,
    closed_at: IsoOrNull, closed_because: z.string().nullable(),
  })).optional(),
  opportunities: z.array(Raise).optional(),
  next_term: z.looseObject({ playbook: z.string(), start: Iso, end: Iso }).nullable().optional(),
});

/** A journey's progress after a manual completion. */
export const JourneyProgress = z.looseObject({
  playbook: z.string(), customer: z.string(), outcome: Outcome,
  processedUntil: IsoOrNull, nextWake: IsoOrNull,
  milestones: z.record(z.string(), MilestoneState),
});

/** `GET /journeys`. */
export const JourneyList = z.looseObject({
  journeys: z.array(z.looseObject({
    workflow_id: z.string(), customer: z.string(), playbook: z.string(), playbook_hash: z.string(), csm: z.string().nullable(),
    contract: z.looseObject({ start: Iso, end: Iso }), enrolled_at: Iso, status: z.string(), report_updated_at: IsoOrNull,
  })),
});

/** `GET /milestones`. */
export const MilestoneList = z.looseObject({
  milestones: z.array(z.looseObject({
    customer: z.string(), playbook: z.string(), csm: z.string().nullable(), milestone: z.string(), state: MilestoneState,
    opens_at: IsoOrNull, due_at: IsoOrNull, completed_at: IsoOrNull,
  })),
  total: z.number().int().min(0),
});

/** `GET /figures` (client/read-model figures; docs/api.md "Where the figures come from"). */
export const Figures = z.looseObject({
  asOf: Iso, journeys: z.number().int().min(0), customers: z.number().int().min(0),
  outcomes: z.record(z.string(), z.number().int().min(0)),
  milestones: z.array(z.looseObject({})), byCsm: z.array(z.looseObject({})), byCohort: z.array(z.looseObject({})),
  activation: z.looseObject({}), renewals: z.looseObject({ dueSoon: z.array(z.looseObject({})) }), risks: z.array(z.looseObject({})),
});

const Row = z.looseObject({ id: z.union([z.number().int(), z.string()]), journey_id: z.string(), customer_id: z.string(), playbook: z.string() });

/** One task row (`GET /tasks`, and the answer of a close or an assignment). */
export const Task = Row.extend({
  task_id: z.string(), source: z.string(), title: z.string(), assignee_role: z.string(), assignee: z.string().nullable(), priority: z.string(),
  due_at: IsoOrNull, status: z.string(), closed_at: IsoOrNull, closed_because: z.string().nullable(), closed_by: z.string().nullable(),
});

/** `GET /tasks`. */
export const TaskList = z.looseObject({ tasks: z.array(Task) });

/** `GET /figures/health`: mean health per day. */
export const HealthTrend = z.looseObject({ days: z.array(z.looseObject({ day: z.string(), mean: z.number(), journeys: z.number().int().min(0) })) });

/** `GET /events/backlog`: events stored and not yet delivered to their journeys. */
export const DeliveryBacklog = z.looseObject({ waiting: z.number().int().min(0), oldest_received_at: IsoOrNull, lag_ms: z.number().min(0) });

/** `GET /outbox`. */
export const OutboxList = z.looseObject({ outbox: z.array(Row.extend({ kind: z.string(), channel: z.string(), status: z.string(), attempts: z.number().int() })) });

/** `GET /ledger`. */
export const LedgerList = z.looseObject({ ledger: z.array(Row.extend({ at: Iso, kind: z.string(), subject: z.string() })) });

/** `GET /openapi.json` itself. */
export const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });
