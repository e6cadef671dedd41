/**
 * Polls `probe` every `intervalMs` until it returns something other than
 * `undefined`, and returns that; fails after `timeoutMs` with `what` in the
 * message. For tests waiting on a journey or a visibility index that catches
 * up on its own clock: never a tight loop, never an unbounded one.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, { intervalMs = 100, timeoutMs = 20_000 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
