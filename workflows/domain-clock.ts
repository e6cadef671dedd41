/**
 * The journey's domain clock: calendar instants in the journey's own time.
 *
 * A journey computes every instant (month 1, due - 7 days, ...) in domain
 * time. Domain time is workflow time (`Date.now()` inside the sandbox, which
 * Temporal makes deterministic: the start time of the current workflow task)
 * plus an offset fixed once, at the journey's first workflow task, and carried
 * across continue-as-new. In production the offset is zero. The simulator on
 * the time-skipping server starts a 2026 journey on a server whose clock is
 * "today": the offset then maps the first task's time onto the journey's
 * enrolment instant.
 */

/** A fixed offset between workflow time and domain time, in milliseconds. */
export interface DomainClock {
  /** domain time = workflow time + offsetMs */
  offsetMs: number;
}

/**
 * Fixes the clock at the journey's first workflow task.
 *
 * @param workflowNow workflow time of the first task, epoch ms.
 * @param domainStart the domain instant that task stands for (epoch ms), or
 *   `undefined` for production, where domain time is workflow time.
 */
export function fixDomainClock(workflowNow: number, domainStart: number | undefined): DomainClock {
  return { offsetMs: domainStart === undefined ? 0 : domainStart - workflowNow };
}

/** The domain instant (epoch ms) that workflow time `workflowNow` stands for. */
export function toDomain(clock: DomainClock, workflowNow: number): number {
  return workflowNow + clock.offsetMs;
}

/** How long (ms, at least 1) workflow time must run from domain `now` until domain `instant`. */
export function domainDelay(now: number, instant: number): number {
  return Math.max(1, instant - now);
}
