/**
 * A journey's refusal of a person's task close, told apart from Temporal not
 * answering. A refused close can never be made (the journey has no such task,
 * or refuses the request itself), so its recorded request is withdrawn: asked
 * again, it would be refused again, every pass, for ever.
 */

/** Why the journey refused a close; `message` is the journey's own words. */
export interface CloseRefusal {
  kind: 'unknown-task' | 'invalid';
  message: string;
}

/** The ApplicationFailure type behind a failed update (Temporal wraps it in `cause`). */
function failureType(err: unknown): string | undefined {
  for (let e = err as { type?: string; cause?: unknown } | undefined, depth = 0; e !== undefined && e !== null && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string') return e.type;
  }
  return undefined;
}

/** The journey's refusal behind `err` (from the gateway's `closeTask`), or null when the journey did not answer. */
export function closeRefusal(err: unknown): CloseRefusal | null {
  const message = err instanceof Error ? err.message : String(err);
  switch (failureType(err)) {
    case 'UnknownTask': return { kind: 'unknown-task', message };
    case 'InvalidRequest': return { kind: 'invalid', message };
    default: return null;
  }
}
