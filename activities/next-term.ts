/**
 * The next contract term (reference §9 "The next term"): what a journey whose term
 * closed renewed needs to start its successor. The journey itself starts the
 * next term's workflow (a child it abandons, under a workflow id fixed by
 * customer, playbook and contract start, so it starts exactly once); this
 * activity reads what only Postgres knows: the next playbook's deployed
 * version and the customer's whole event history, and records the new term's
 * journey row (idempotent: a retried activity finds it recorded).
 */
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import { journeyEventsOf } from '../client/api/journey-events.ts';
import { journeyTermWorkflowId } from '../client/temporal/journey-id.ts';
import { placeTerm } from '../store/terms.ts';
import { insertJourney, withTermsLocked } from '../store/journeys.ts';
import { latestPlaybookVersion } from '../store/playbooks.ts';
import { feedTypesFor } from '../workflows/metric-feed.ts';
import type { Contract, JourneyCustomer, JourneyEvent } from '../workflows/engine/types.ts';
import type { ActivityDeps } from './deps.ts';
import type { JourneyRef } from './types.ts';

/** What the closing journey asks for. */
export interface NextTermRequest {
  /** The next term's playbook (the renewal term's, default the closing journey's). */
  playbook: string;
  customer: JourneyCustomer;
  /** start = the closing term's end; end = start + the renewal term's length. */
  contract: Contract;
  /** Event types the closing journey pulled as a metric feed (the next one pulls those its playbook declares). */
  metricTypes: string[];
}

/**
 * The next term, ready to start; `null` when its playbook is not deployed;
 * `taken` when a journey enrolled otherwise (through the API) holds the term
 * already (`enrolled`: it starts at the same instant, so it is the next term)
 * or overlaps it (terms of a customer and playbook never overlap, §9).
 */
export type NextTerm =
  | { workflowId: string; ir: PlaybookIR; events: JourneyEvent[]; metricTypes: string[] }
  | { taken: TakenTerm }
  | null;

/** The journey that holds the next term already, and how. */
export interface TakenTerm {
  kind: 'enrolled' | 'overlapping';
  workflowId: string;
}

export function createNextTermActivities(deps: Pick<ActivityDeps, 'pool'>) {
  return {
    /** Loads the next term's playbook and events and records its journey row (see the module comment). */
    async prepareNextTerm(journey: JourneyRef, request: NextTermRequest): Promise<NextTerm> {
      const version = await latestPlaybookVersion(deps.pool, request.playbook);
      if (version === null) return null;
      const metricTypes = feedTypesFor(version.ir, request.metricTypes);
      const workflowId = journeyTermWorkflowId(request.playbook, request.customer.id, request.contract.start);
      // Under the lock enrolments take (client/api/enrol.ts), so no term enrolled meanwhile overlaps this one.
      const taken = await withTermsLocked(deps.pool, journey.customerId, request.playbook, async (db, terms) => {
        const placed = placeTerm(terms, request.contract);
        // This activity's own row, recorded by an attempt before a retry: carry on.
        if (placed.kind === 'enrolled' && placed.journey.workflowId === workflowId) return null;
        if (placed.kind !== 'new') return { kind: placed.kind, workflowId: placed.journey.workflowId };
        await insertJourney(db, {
          workflowId, customerId: journey.customerId, playbook: request.playbook, playbookHash: version.sourceHash,
          contractStart: new Date(request.contract.start), contractEnd: new Date(request.contract.end), enrolledAt: new Date(request.contract.start),
          metricEvents: metricTypes,
        });
        return null;
      });
      if (taken !== null) return { taken };
      const events = await journeyEventsOf(deps.pool, version.ir, journey.customerId, metricTypes);
      return { workflowId, ir: version.ir, events, metricTypes };
    },
  };
}
