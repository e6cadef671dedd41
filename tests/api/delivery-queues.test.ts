/**
 * The delivery loop's bookkeeping (client/api/delivery-queues.ts): arrival
 * order per journey, one signal in flight per journey, never past an unmarked
 * event (what bounds re-sending after a crash), an event marked once every
 * journey declaring it has it, failed signals retried in order.
 */
import { describe, expect, it } from 'vitest';
import { DeliveryQueues, SIGNAL_BATCH, type DeliveredJourney, type EventTargets } from '../../client/api/delivery-queues.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';

const journey = (workflowId: string) => ({ workflowId }) as unknown as DeliveredJourney;
const event = (id: string): JourneyEvent => ({ id, type: 'usage', at: 0, data: {} }) as unknown as JourneyEvent;
const to = (id: string, ...journeys: DeliveredJourney[]): EventTargets => journeys.map((j) => ({ journey: j, event: event(id) }));

const A = journey('a');
const B = journey('b');

describe('DeliveryQueues', () => {
  it('gives a journey its waiting events in arrival order, one signal at a time, and again only once they are marked', () => {
    const q = new DeliveryQueues();
    q.add('e1', to('e1', A), 0);
    q.add('e2', to('e2', A), 0);
    const first = q.take(0)!;
    expect(first.ids).toEqual(['e1', 'e2']);
    q.add('e3', to('e3', A), 0);
    expect(q.take(0)).toBeNull(); // in flight
    q.answered(first, 5);
    expect(q.take(0)).toBeNull(); // answered, not yet marked
    const marks = q.marks();
    expect(marks).toEqual([{ id: 'e1', at: 5 }, { id: 'e2', at: 5 }]);
    q.marked(marks);
    expect(q.take(0)!.ids).toEqual(['e3']);
  });

  it('does not hold one journey behind another', () => {
    const q = new DeliveryQueues();
    q.add('a1', to('a1', A), 0);
    q.add('b1', to('b1', B), 0);
    const a = q.take(0)!;
    const b = q.take(0)!;
    expect([a.journey.workflowId, b.journey.workflowId]).toEqual(['a', 'b']);
    // B answers while A's signal is still out: B goes on.
    q.answered(b, 1);
    q.marked(q.marks());
    q.add('b2', to('b2', B), 2);
    expect(q.take(2)!.ids).toEqual(['b2']);
    expect(q.inFlight).toBe(2);
  });

  it('marks an event declared by two journeys once both have it, and holds the first until then', () => {
    const q = new DeliveryQueues();
    q.add('both', to('both', A, B), 0);
    q.add('a2', to('a2', A), 0);
    const a = q.take(0)!;
    const b = q.take(0)!;
    expect(a.ids).toEqual(['both', 'a2']);
    q.answered(a, 3);
    expect(q.marks()).toEqual([{ id: 'a2', at: 3 }]);
    q.marked([{ id: 'a2' }]);
    q.add('a3', to('a3', A), 4);
    // 'both' is unmarked while B has not answered: A waits (a crash now re-sends A at most what it has).
    expect(q.take(4)).toBeNull();
    q.answered(b, 7);
    const marks = q.marks();
    expect(marks).toEqual([{ id: 'both', at: 7 }]);
    q.marked(marks);
    expect(q.take(7)!.ids).toEqual(['a3']);
  });

  it('puts a failed signal\'s events back in front, and retries the journey no sooner than asked, or sooner when told', () => {
    const q = new DeliveryQueues();
    q.add('e1', to('e1', A), 0);
    const first = q.take(0)!;
    q.add('e2', to('e2', A), 0);
    q.failed(first, 1000);
    expect(q.take(999)).toBeNull();
    expect(q.nextRetryAt()).toBe(1000);
    q.retryBy(500);
    expect(q.take(500)!.ids).toEqual(['e1', 'e2']);
  });

  it('sends at most SIGNAL_BATCH events in one signal', () => {
    const q = new DeliveryQueues();
    for (let i = 0; i < SIGNAL_BATCH + 5; i++) q.add(`e${i}`, to(`e${i}`, A), 0);
    const first = q.take(0)!;
    expect(first.ids).toHaveLength(SIGNAL_BATCH);
    q.answered(first, 1);
    q.marked(q.marks());
    expect(q.take(1)!.ids).toEqual(['e200', 'e201', 'e202', 'e203', 'e204']);
  });

  it('marks at once an event no journey takes, skips one it holds already, and names a journey that cannot read one', () => {
    const q = new DeliveryQueues();
    q.add('nobody', [], 9);
    expect(q.marks()).toEqual([{ id: 'nobody', at: 9 }]);
    expect(q.knows('nobody')).toBe(true);
    q.marked([{ id: 'nobody' }]);
    expect(q.settled).toBe(true);
    q.add('e1', to('e1', A), 0);
    q.add('e1', to('e1', A), 0);
    expect(q.take(0)!.ids).toEqual(['e1']);
    expect(q.add('edited', [{ journey: B, event: null }, ...to('edited', A)], 0)).toEqual([B]);
  });
});
