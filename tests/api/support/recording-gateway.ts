/**
 * A journey gateway that records what the API asks of it and answers with
 * fixed reports. For tests of the HTTP layer (validation, auth, storage) that
 * must prove what reached the journeys and what did not; the end-to-end
 * tests use the real Temporal gateway.
 */
import type { ApiJourneyGateway } from '../../../client/api/deps.ts';
import type { JourneyEvent, JourneyReport } from '../../../workflows/engine/types.ts';
import type { MetricFeed } from '../../../workflows/metric-feed.ts';

/** Recorded calls plus the gateway. */
export interface RecordingGateway extends ApiJourneyGateway {
  enrolled: string[];
  /** The events each started journey was handed at enrolment, by workflow id. */
  enrolmentEvents: Map<string, JourneyEvent[]>;
  /** The metric feed each started journey was given, by workflow id (absent: none). */
  enrolmentMetrics: Map<string, MetricFeed>;
  /** Events signalled, with the journey (workflow id) and the playbook and customer it names. */
  delivered: Array<{ journeyId: string; playbook: string; customerId: string; event: JourneyEvent }>;
  /** Makes `deliverEvent` calls throw (Temporal unreachable). */
  failDeliveries: boolean;
  /** Makes `enrol` and `report` calls throw (Temporal unreachable). */
  failJourneys: boolean;
}

/** The playbook and customer a journey's workflow id names (client/temporal/journey-id.ts). */
export function journeyOf(journeyId: string): { playbook: string; customerId: string } {
  const [, playbook, ...rest] = journeyId.split(':');
  return { playbook: playbook!, customerId: rest.join(':').replace(/:term:\d{4}-\d\d-\d\dT[\d:.]+Z$/, '') };
}

/** A fresh recording gateway. */
export function recordingGateway(): RecordingGateway {
  const enrolled = new Set<string>();
  const gateway: RecordingGateway = {
    enrolled: [],
    enrolmentEvents: new Map(),
    enrolmentMetrics: new Map(),
    delivered: [],
    failDeliveries: false,
    failJourneys: false,
    async enrol({ workflowId, events, metrics }) {
      if (gateway.failJourneys) throw new Error('temporal unreachable (test)');
      const alreadyEnrolled = enrolled.has(workflowId);
      enrolled.add(workflowId);
      if (!alreadyEnrolled) {
        gateway.enrolled.push(workflowId);
        gateway.enrolmentEvents.set(workflowId, events ?? []);
        if (metrics !== undefined) gateway.enrolmentMetrics.set(workflowId, metrics);
      }
      return { workflowId, alreadyEnrolled };
    },
    async deliverEvent(input) {
      if (gateway.failDeliveries) throw new Error('temporal unreachable (test)');
      gateway.delivered.push({ ...input, ...journeyOf(input.journeyId) });
      return { delivered: true };
    },
    async report(journeyId, until): Promise<JourneyReport> {
      if (gateway.failJourneys) throw new Error('temporal unreachable (test)');
      const { playbook, customerId } = journeyOf(journeyId);
      return { playbook, customer: customerId, until: new Date(until ?? 0).toISOString(), outcome: 'running', milestones: [], actions: [], risks: [] };
    },
    async completeMilestone() {
      throw new Error('not supported by the recording gateway');
    },
  };
  return gateway;
}

/** Runs `hook` before each event the gateway records (to count, delay or hold back deliveries); a throw fails the delivery. */
export function beforeEachDelivery(gateway: RecordingGateway, hook: (input: Parameters<RecordingGateway['deliverEvent']>[0]) => Promise<void> | void): void {
  const record = gateway.deliverEvent.bind(gateway);
  gateway.deliverEvent = async (input) => {
    await hook(input);
    return record(input);
  };
}
