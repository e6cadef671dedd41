/**
 * The journey gateway: how the rest of Milepost (HTTP API, CLI) talks to
 * durable journeys on Temporal. It hides workflow ids, message names and
 * Temporal's errors behind a few verbs.
 */
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import type { Contract, JourneyCustomer, JourneyEvent, JourneyReport } from '../../workflows/engine/types.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';
import { journeyMetadata } from '../../workflows/journey-metadata.ts';
import type { MetricFeed } from '../../workflows/metric-feed.ts';
import {
  closeTask, completeMilestone, deliverEvents, getProgress, getReport, migrateJourney,
  type JourneyMigration, type JourneyProgress, type ManualCompletion, type TaskClose, type TaskEntry,
} from '../../workflows/messages.ts';
import { journeyWorkflowId } from './journey-id.ts';

export { journeyWorkflowId };

/** The workflow type name, as registered by the worker's bundle. */
export const JOURNEY_WORKFLOW_TYPE = 'journeyWorkflow';

/** What enrolling needs. Instants are epoch ms (UTC). */
export interface Enrolment {
  /** The journey's workflow id (client/temporal/journey-id.ts): one per customer, playbook and term. */
  workflowId: string;
  ir: PlaybookIR;
  customer: JourneyCustomer;
  contract: Contract;
  enrolledAt: number;
  /** Events already stored for this customer, visible from the journey's start (metric feed types excepted). */
  events?: JourneyEvent[];
  /** Event types the journey pulls from Postgres instead of receiving signals. */
  metrics?: MetricFeed;
}

export interface JourneyGatewayOptions {
  client: Client;
  taskQueue: string;
  /** Upsert Milepost's custom search attributes (registered on the namespace). Default false. */
  searchAttributes?: boolean;
}

export interface JourneyGateway {
  /**
   * Starts the customer's journey pinned to `ir`. Idempotent: when the
   * journey already exists (running or finished) nothing is started and
   * `alreadyEnrolled` is true.
   */
  enrol(enrolment: Enrolment): Promise<{ workflowId: string; alreadyEnrolled: boolean }>;
  /**
   * Signals one event to the running journey. The event must be stored first
   * (ARCHITECTURE: events are stored before they are signalled); a journey
   * that is not running is reported by the returned `delivered: false`.
   */
  deliverEvent(input: { journeyId: string; event: JourneyEvent }): Promise<{ delivered: boolean }>;
  /**
   * {@link deliverEvent} for several events of one customer, in order, as one
   * signal (one billable action). With `startWith`, a journey that was
   * recorded but never started (its enrolment was cut short) is started by
   * signal-with-start from what `startWith` returns, the events with it: an
   * event is never left waiting for an enrolment to be repeated. A finished
   * journey is not started again (`delivered: false`).
   */
  deliverEvents(input: { journeyId: string; events: JourneyEvent[]; startWith?: () => Promise<Enrolment> }): Promise<{ delivered: boolean }>;
  /** The report of the journey `journeyId` (its workflow id); `until` (epoch ms) defaults to the last processed instant. */
  report(journeyId: string, until?: number): Promise<JourneyReport>;
  /** Where the journey stands. */
  progress(journeyId: string): Promise<JourneyProgress>;
  /** Completes a milestone by hand; rejected (throws) when the milestone is unknown or not open. */
  completeMilestone(journeyId: string, completion: ManualCompletion): Promise<JourneyProgress>;
  /** Moves the running journey to a new version of its playbook (validated by the workflow). */
  migrate(journeyId: string, migration: JourneyMigration): Promise<JourneyProgress>;
  /**
   * A person closes a task of the journey `journeyId` (its workflow id; the
   * task id as the journey's report lists it): returns the task's report
   * entry once the journey has processed the close (closed `done`), or as it
   * is when it was closed already. Throws {@link UnknownTaskError} when the
   * journey has no such task, {@link TaskCloseRefusedError} when the close is
   * refused (no `by`), {@link JourneyNotRunningError} when the journey is not
   * running (after its term, every task is closed).
   */
  closeTask(journeyId: string, close: TaskClose): Promise<TaskEntry>;
}

/** The journey refused a manual completion (unknown milestone, not open, no note); the message says why. */
export class CompletionRefusedError extends Error {
  override name = 'CompletionRefusedError';
}

/** The journey has no such task (closeTask). */
export class UnknownTaskError extends Error {
  override name = 'UnknownTaskError';
}

/** The journey refused a task close (no `by`); the message says why. */
export class TaskCloseRefusedError extends Error {
  override name = 'TaskCloseRefusedError';
}

/** The journey is not running: never started, or its term has closed. */
export class JourneyNotRunningError extends Error {
  override name = 'JourneyNotRunningError';
}

/** Builds the gateway over a connected Temporal client. */
export function createJourneyGateway(options: JourneyGatewayOptions): JourneyGateway {
  const { client, taskQueue } = options;
  const handle = (journeyId: string) => client.workflow.getHandle(journeyId);
  const startInput = ({ ir, customer, contract, enrolledAt, events, metrics }: Enrolment): JourneyInput => ({
    kind: 'start',
    start: {
      ir, customer, contract, enrolledAt, events: events ?? [], searchAttributes: options.searchAttributes ?? false,
      ...(metrics === undefined || metrics.types.length === 0 ? {} : { metrics }),
    },
  });
  // The start input, and what the Temporal UI shows of the journey (summary, details, memo).
  const startOptions = (enrolment: Enrolment) => ({
    args: [startInput(enrolment)] as [JourneyInput],
    ...journeyMetadata(enrolment.ir, enrolment.customer, enrolment.contract),
  });
  // One journey per customer, playbook and term, ever: a finished journey is
  // not restarted by enrolling again, nor by an event.
  const once = { taskQueue, workflowIdReusePolicy: 'REJECT_DUPLICATE' } as const;
  const signalEvents = async (journeyId: string, events: JourneyEvent[], startWith?: () => Promise<Enrolment>) => {
    try {
      await handle(journeyId).signal(deliverEvents, events);
      return { delivered: true };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (startWith === undefined) return { delivered: false };
    try {
      await client.workflow.signalWithStart<typeof journeyWorkflow, [JourneyEvent[]]>(JOURNEY_WORKFLOW_TYPE, {
        ...once, workflowId: journeyId, ...startOptions(await startWith()), signal: deliverEvents, signalArgs: [events],
      });
      return { delivered: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { delivered: false };
      throw err;
    }
  };
  return {
    async enrol(enrolment) {
      const { workflowId } = enrolment;
      try {
        await client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { ...once, workflowId, ...startOptions(enrolment) });
        return { workflowId, alreadyEnrolled: false };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, alreadyEnrolled: true };
        throw err;
      }
    },
    deliverEvent: ({ journeyId, event }) => signalEvents(journeyId, [event]),
    deliverEvents: ({ journeyId, events, startWith }) => signalEvents(journeyId, events, startWith),
    report: (journeyId, until) => until === undefined ? handle(journeyId).query(getReport) : handle(journeyId).query(getReport, until),
    progress: (journeyId) => handle(journeyId).query(getProgress),
    completeMilestone: async (journeyId, completion) => {
      try {
        return await handle(journeyId).executeUpdate(completeMilestone, { args: [completion] });
      } catch (err) {
        // The journey refused it (validator or handler): say why, not "Workflow Update failed".
        if (err instanceof WorkflowUpdateFailedError) throw new CompletionRefusedError(err.cause?.message ?? err.message, { cause: err });
        throw err;
      }
    },
    migrate: (journeyId, migration) => handle(journeyId).executeUpdate(migrateJourney, { args: [migration] }),
    closeTask: async (journeyId, close) => {
      try {
        return await handle(journeyId).executeUpdate(closeTask, { args: [close] });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new JourneyNotRunningError(`journey ${journeyId} is not running`, { cause: err });
        if (err instanceof WorkflowUpdateFailedError) {
          const reason = err.cause;
          if (reason instanceof ApplicationFailure && reason.type === 'UnknownTask') throw new UnknownTaskError(reason.message, { cause: err });
          throw new TaskCloseRefusedError(reason?.message ?? err.message, { cause: err });
        }
        throw err;
      }
    },
  };
}
