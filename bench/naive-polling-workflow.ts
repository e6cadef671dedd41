/**
 * The baseline of the cost benchmark (bench/temporal-cost.ts): the same
 * journey engine run the naive way, as a workflow that wakes every day,
 * polls for new events with an activity, advances the journey to the day,
 * and delivers what fired. Not part of Milepost: it exists to be counted.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import { advanceJourney, receiveEvents, startJourney } from '../workflows/engine/index.ts';
import type { Contract, FiredAction, JourneyCustomer, JourneyEvent, Transition } from '../workflows/engine/types.ts';

interface NaiveActivities {
  pollEvents(customerId: string, after: number, upTo: number): Promise<JourneyEvent[]>;
  recordTransitions(transitions: Transition[]): Promise<void>;
  deliverAction(action: FiredAction): Promise<void>;
}

const { pollEvents, recordTransitions, deliverAction } = proxyActivities<NaiveActivities>({ startToCloseTimeout: '1 minute' });

const DAY = 86_400_000;

export async function naivePollingJourneyWorkflow(input: { ir: PlaybookIR; customer: JourneyCustomer; contract: Contract; domainStart: number }): Promise<number> {
  const offset = input.domainStart - Date.now();
  const now = () => Date.now() + offset;
  let state = startJourney(input.ir, { customer: input.customer, contract: input.contract, enrolledAt: input.contract.start });
  let polled = -Infinity;
  for (;;) {
    const t = now();
    state = receiveEvents(input.ir, state, await pollEvents(input.customer.id, polled, t));
    polled = t;
    const step = advanceJourney(input.ir, state, t);
    state = step.state;
    if (step.transitions.length > 0) await recordTransitions(step.transitions);
    for (const action of step.fired) await deliverAction(action);
    if (state.closed) return state.actions.length;
    await sleep(DAY);
  }
}
