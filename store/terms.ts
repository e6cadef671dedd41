/**
 * Contract terms (reference §9 "The next term"): a customer may have one
 * journey per term of a playbook; a term is its customer, playbook and
 * contract start, and terms of one customer and playbook never overlap. The
 * rule in one place for `POST /customers`, the CSV import and the next term
 * a journey enrols (activities/next-term.ts), each under the terms lock
 * (journeys.ts `withTermsLocked`).
 */
import type { JourneyRow } from './journeys.ts';
import { formatInstant } from '../workflows/engine/instant.ts';

/** A contract's span, epoch ms. */
export interface ContractSpan {
  start: number;
  end: number;
}

/** What enrolling `contract` means among the enrolled `terms`. */
export type TermPlacement =
  | { kind: 'enrolled'; journey: JourneyRow }
  | { kind: 'overlapping'; journey: JourneyRow }
  | { kind: 'new'; first: boolean };

/** Places `contract` among `terms` (the customer's journeys of one playbook). */
export function placeTerm(terms: readonly JourneyRow[], contract: ContractSpan): TermPlacement {
  const same = terms.find((t) => t.contractStart.getTime() === contract.start);
  if (same !== undefined) return { kind: 'enrolled', journey: same };
  const overlapping = terms.find((t) => t.contractStart.getTime() < contract.end && contract.start < t.contractEnd.getTime());
  if (overlapping !== undefined) return { kind: 'overlapping', journey: overlapping };
  return { kind: 'new', first: terms.length === 0 };
}

/** Why `contract` cannot be enrolled: it overlaps the term `enrolled`. */
export function overlapMessage(enrolled: JourneyRow, contract: ContractSpan): string {
  const span = (start: number, end: number) => `${formatInstant(start)} to ${formatInstant(end)}`;
  const start = enrolled.contractStart.getTime();
  const end = enrolled.contractEnd.getTime();
  return `customer '${enrolled.customerId}' has a term of playbook '${enrolled.playbook}' from ${span(start, end)}, `
    + `which overlaps the contract ${span(contract.start, contract.end)}: a new term must end by ${formatInstant(start)} or start at or after ${formatInstant(end)}`;
}
