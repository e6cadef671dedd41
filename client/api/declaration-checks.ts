/**
 * Checks a customer or an event from the API against one playbook's
 * declarations, through the engine's own checks
 * (workflows/engine/declarations.ts) so "valid" means the same in the API,
 * the simulator and the workflow. This file only adds the contract check and
 * shapes the answer for the routes.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { readCustomerAttrs, readEvent, type ValueSource } from '../../workflows/engine/declarations.ts';
import { parseInstant } from '../../workflows/engine/instant.ts';
import type { Contract, JourneyCustomer, JourneyEvent } from '../../workflows/engine/types.ts';

/** The outcome of a check: the engine's value, or why not. */
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Checks one event against `ir`, converting it to the engine's event. */
export function checkEventFor(ir: PlaybookIR, event: { id: string; type: string; at: string; data?: Record<string, unknown> }): Checked<JourneyEvent> {
  const read = readEvent(ir, event);
  return read.event === undefined ? { ok: false, errors: read.problems } : { ok: true, value: read.event };
}

/**
 * Checks a customer's attributes and contract against `ir`: every declared
 * attribute present and of its type, the contract's end after its start.
 */
export function checkCustomerFor(
  ir: PlaybookIR,
  customer: { id: string; [attr: string]: unknown },
  contract: { start: string; end: string },
  source: ValueSource = 'json',
): Checked<{ customer: JourneyCustomer; contract: Contract }> {
  const { attrs, problems } = readCustomerAttrs(ir, customer, source);
  const errors = [...problems];
  const start = parseInstant(contract.start);
  const end = parseInstant(contract.end);
  if (start === null) errors.push(`contract.start must be an ISO-8601 instant, got ${JSON.stringify(contract.start)}`);
  if (end === null) errors.push(`contract.end must be an ISO-8601 instant, got ${JSON.stringify(contract.end)}`);
  if (start !== null && end !== null && end <= start) errors.push('contract.end must be after contract.start');
  if (errors.length > 0 || start === null || end === null) return { ok: false, errors };
  return { ok: true, value: { customer: { id: customer.id, attrs }, contract: { start, end } } };
}
