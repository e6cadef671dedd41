/**
 * The request bodies of the HTTP API (reference §15) as zod schemas: the shape
 * only. Whether a customer or an event matches its playbook's declarations is
 * checked afterwards against the playbook (see declaration-checks.ts).
 */
import { z } from 'zod';
import { parseInstant } from '../../workflows/engine/instant.ts';
import { textProblem } from './unicode-text.ts';

/** Most events one `POST /events` batch may carry. */
export const MAX_BATCH = 1000;

/** The shape of an instant (the calendar check is parseInstant's): a date, or a date-time with an optional zone. */
const INSTANT_PATTERN = /^\s*\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?\s*$/;

/** The shape of an instant only (what the published schema can say): a day that is not in the calendar, such as 2026-11-31, passes. */
const InstantShape = z.string().max(40).regex(INSTANT_PATTERN, 'expected an ISO-8601 instant such as 2026-03-02 or 2026-03-02T09:30:00Z');

const Instant = InstantShape.refine((s) => parseInstant(s) !== null, {
  message: 'expected an ISO-8601 instant such as 2026-03-02 or 2026-03-02T09:30:00Z',
});

/** Most characters of an id (customer, event; a path's `:id`). */
export const MAX_KEY_LENGTH = 200;

/**
 * `schema` (a string) restricted to what Postgres can store: no NUL, no lone surrogate (unicode-text.ts).
 * Every string of every body is one, so such text is a 400 naming it, never
 * a 500 from the database.
 */
export const safeText = (schema: z.ZodString = z.string()) => schema.superRefine((text, ctx) => {
  const problem = textProblem(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * JavaScript's white space: what `trim()` removes (the journey's test of a
 * blank name) and `\s` matches, spelled out so that the published pattern
 * means the same in every regex engine (Python's `\s` is another set).
 */
const WHITE_SPACE = '\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const SOMEONE = new RegExp(`[^${WHITE_SPACE}]`);

/**
 * Who did something (a close's or completion's `by`, an assignment's `to`):
 * a person's name or address, with at least one character that is not white
 * space. The journey refuses a blank one (workflows/journey-driver.ts), so the
 * API refuses it first, as a 400 naming the field.
 */
export const personText = () => safeText(z.string().min(1).max(200).regex(SOMEONE, 'must name someone (not only white space)'))
  // Published as one pattern (it replaces the document's no-NUL one, openapi.ts): not only white space, no NUL.
  .meta({ pattern: `^[^\\u0000]*[^\\u0000${WHITE_SPACE}][^\\u0000]*$` });

/** Refuses object keys Postgres cannot store (the values are checked by their own schemas). */
const safeKeys = (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
  for (const key of Object.keys(value)) {
    const problem = textProblem(key);
    if (problem !== null) ctx.addIssue({ code: 'custom', path: [storableKey(key)], message: `key ${problem}` });
  }
};
const storableKey = (key: string) => JSON.stringify(key).slice(1, -1);

/** A customer attribute or event field value as JSON carries it (dates as ISO strings). */
export const JsonValue = z.union([safeText(), z.number(), z.boolean(), z.null()]);

const Key = safeText(z.string().min(1, 'must not be empty').max(MAX_KEY_LENGTH, `must be at most ${MAX_KEY_LENGTH} characters`));

/**
 * The query of a customer's journey routes: which term (reference §9: a term
 * is its customer, playbook and contract start). Default: the term current
 * now (the latest started, else the next to start).
 */
export const TermQuery = z.strictObject({
  // The shape only: a day not in the calendar names no term (404), as the published pattern cannot say it is wrong.
  term: InstantShape.describe('the contract start of the term, e.g. 2026-01-01').optional(),
});

/** One event of `POST /events`. `id` is the client's idempotency key. */
export const EventBody = z.strictObject({
  id: Key,
  customer: Key,
  type: safeText(z.string().min(1, 'must not be empty').max(100)),
  at: Instant,
  data: z.record(z.string(), JsonValue).superRefine(safeKeys).optional(),
});
export type EventBody = z.infer<typeof EventBody>;

/** A batch of events: all or nothing. */
export const EventBatchBody = z.strictObject({
  events: z.array(z.unknown()).min(1, 'a batch needs at least one event').max(MAX_BATCH, `a batch holds at most ${MAX_BATCH} events`),
});

/** Most events of history one enrolment may carry. */
export const MAX_HISTORY = 10_000;

/** One event of an enrolment's history: an event of `POST /events` without `customer` (it is the one enrolled). */
export const HistoryEventBody = EventBody.omit({ customer: true });

/**
 * `POST /customers`: enrol a customer in a playbook. `events` (an extension
 * of reference §15) is the customer's history before enrolment, for bringing an
 * existing book over: checked like `POST /events`, stored, and visible to the
 * journey from its start, so states and risks reflect what already happened.
 */
export const EnrolBody = z.strictObject({
  playbook: safeText(z.string().min(1).max(MAX_KEY_LENGTH)),
  customer: z.object({ id: Key }).catchall(JsonValue).superRefine(safeKeys),
  contract: z.strictObject({ start: Instant, end: Instant }),
  enrolled_at: Instant.optional(),
  events: z.array(HistoryEventBody).max(MAX_HISTORY, `an enrolment carries at most ${MAX_HISTORY} events of history`).optional(),
});
export type EnrolBody = z.infer<typeof EnrolBody>;

/** `POST /customers/:id/journeys/:playbook/milestones/:milestone/complete`. */
export const CompleteMilestoneBody = z.strictObject({
  note: safeText(z.string().max(2000)).default(''),
  by: personText(),
});

/** Turns zod issues into one readable line each: `path: message`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
}
