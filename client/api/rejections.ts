/**
 * What is kept of a refused request's events in `rejected_events`: each
 * event with its reason (docs/api.md), in a form Postgres can store, and
 * boundedly: a refused batch (up to 1,000 events in 1 MiB) used to be kept
 * whole, a cheap way to fill the disk.
 */
import type { RejectedEvent } from '../../store/customer-events.ts';
import { storableJson, storableText } from './unicode-text.ts';

/** Most refused events kept per request; the answer still names every one. */
export const MAX_REJECTED_KEPT = 100;

/** Longest payload kept per refused event, in characters of its JSON text; a longer one is kept as its start. */
export const MAX_REJECTED_PAYLOAD = 2048;

/**
 * The first {@link MAX_REJECTED_KEPT} of `rejected`, each with its text made
 * storable (NUL and lone surrogates written out as `\u0000`) and a payload
 * over {@link MAX_REJECTED_PAYLOAD} characters replaced by
 * `{"truncated": <its length>, "start": "<its first characters>"}`.
 * Kept per request: at most about 100 × 2.3 kB.
 */
export function rejectionsToKeep(rejected: readonly RejectedEvent[]): RejectedEvent[] {
  return rejected.slice(0, MAX_REJECTED_KEPT).map((r) => ({
    eventId: r.eventId === null ? null : clip(r.eventId, 200),
    customerId: r.customerId === null ? null : clip(r.customerId, 200),
    payload: boundedPayload(storableJson(r.payload ?? null)),
    reason: clip(r.reason, MAX_REJECTED_PAYLOAD),
  }));
}

function boundedPayload(payload: unknown): unknown {
  const text = JSON.stringify(payload) ?? 'null';
  return text.length <= MAX_REJECTED_PAYLOAD ? payload : { truncated: text.length, start: clip(text, MAX_REJECTED_PAYLOAD) };
}

/** Storable text of at most about `length` characters (a cut through a surrogate pair is written out, not left lone). */
function clip(text: string, length: number): string {
  return storableText(storableText(text).slice(0, length));
}
