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
import { insertJourney } from '../store/journeys.ts';
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

/** The next term, ready to start; `null` when its playbook is not deployed. */
export type NextTerm = { workflowId: string; ir: PlaybookIR; events: JourneyEvent[]; metricTypes: string[] } | null;

export function createNextTermActivities(deps: Pick<ActivityDeps, 'pool'>) {
  return {
    /** Loads the next term's playbook and events and records its journey row (see the module comment). */
    async prepareNextTerm(journey: JourneyRef, request: NextTermRequest): Promise<NextTerm> {
      const version = await latestPlaybookVersion(deps.pool, request.playbook);
      if (version === null) return null;
      const metricTypes = feedTypesFor(version.ir, request.metricTypes);
      const workflowId = journeyTermWorkflowId(request.playbook, request.customer.id, request.contract.start);
      await insertJourney(deps.pool, {
        workflowId, customerId: journey.customerId, playbook: request.playbook, playbookHash: version.sourceHash,
        contractStart: new Date(request.contract.start), contractEnd: new Date(request.contract.end), enrolledAt: new Date(request.contract.start),
        metricEvents: metricTypes,
      });
      const events = await journeyEventsOf(deps.pool, version.ir, journey.customerId, metricTypes);
      return { workflowId, ir: version.ir, events, metricTypes };
    },
  };
}
