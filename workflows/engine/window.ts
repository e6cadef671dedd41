/**
 * Sliding windows for `within` queries (reference §4: events with
 * `now - d < at <= now`, i.e. until `at + d`).
 *
 * Each event type that a `within` query reads keeps a buffer of its events,
 * sorted by instant (arrival order for equal instants), holding only events
 * some window still counts. Each `within` query keeps a running aggregate of
 * the matching events inside its window and the absolute buffer index where
 * its window starts; time passing slides the start forward and subtracts what
 * leaves. Sums of non-integer values are recomputed by a scan so that results
 * never depend on floating-point cancellation.
 */
import { windowExit } from './calendar.ts';
import type { CompiledPlaybook, CompiledQuery, EvalContext, EventTypeInfo, TypeSlot, WindowAhead } from './compiled-playbook.ts';
import { whereHolds } from './query-match.ts';
import type { BufferedEvent, JourneyState, QueuedEvent, Value, WindowAggregate } from './types.ts';
import type { QueryFn } from '../../dsl/ir/schema.ts';

/** The instant an event at `at` leaves a query's window (exact units are plain arithmetic). */
function exitOf(cq: CompiledQuery, at: number): number {
  const ms = cq.withinMs;
  return ms !== null ? at + ms : windowExit(at, cq.within!);
}

function matches(cq: CompiledQuery, c: EvalContext, e: BufferedEvent): boolean {
  return cq.where === null || whereHolds(cq, c, e.data);
}

function fieldValue(cq: CompiledQuery, e: BufferedEvent): Value {
  const f = cq.field;
  return f === null ? null : (e.data[f] ?? null);
}

/** Slots for every event type of a state, by {@link EventTypeInfo.index}. */
export function typeSlots(pb: CompiledPlaybook, s: JourneyState): TypeSlot[] {
  return pb.typeList.map((info) => {
    const buffer = s.buffers[info.type], base = s.bufferBase[info.type];
    return { buffer, base: base ?? 0, ready: buffer !== undefined && base !== undefined };
  });
}

function bufferOf(s: JourneyState, c: EvalContext, cq: CompiledQuery): BufferedEvent[] | undefined {
  const slots = c.slots;
  return slots === null ? s.buffers[cq.event] : slots[cq.typeIndex]!.buffer;
}

function baseOf(s: JourneyState, c: EvalContext, cq: CompiledQuery): number {
  const slots = c.slots;
  return slots === null ? (s.bufferBase[cq.event] ?? 0) : slots[cq.typeIndex]!.base;
}

function add(w: WindowAggregate, v: Value, sign: 1 | -1): void {
  w.n += sign;
  if (typeof v === 'number') {
    w.vn += sign;
    w.sum += sign * v;
    if (!Number.isInteger(v)) {
      w.frac += sign;
      // The last non-integer just left: what remains is a sum of integers, so
      // drop the floating-point residue the non-integers left behind
      // (0.1 + 5 + 0.2 + 7, less 0.1, 5 and 0.2, is 7.000000000000001).
      if (w.frac === 0) w.sum = Math.round(w.sum);
    }
  }
  if (w.n === 0 || w.vn === 0) w.sum = 0;
}

/** The window of a `within` query, created empty (starting at the buffer's current base) when first needed. */
function windowOf(s: JourneyState, c: EvalContext, cq: CompiledQuery): WindowAggregate {
  // By number: the record's keys are array indices (`"9"`), which V8 reads faster from a number.
  let w = s.windows[cq.index];
  if (w === undefined) {
    w = { lo: baseOf(s, c, cq), n: 0, vn: 0, sum: 0, frac: 0 };
    s.windows[cq.index] = w;
  }
  return w;
}

/** Recomputes a window from its buffer at `now` (after an event was inserted out of order). */
function rebuild(s: JourneyState, c: EvalContext, cq: CompiledQuery, now: number): void {
  const buffer = bufferOf(s, c, cq) ?? [];
  const base = baseOf(s, c, cq);
  const w: WindowAggregate = { lo: base + buffer.length, n: 0, vn: 0, sum: 0, frac: 0 };
  for (let i = buffer.length - 1; i >= 0; i--) {
    const e = buffer[i]!;
    if (exitOf(cq, e.at) <= now) break;
    w.lo = base + i;
    if (matches(cq, c, e)) add(w, fieldValue(cq, e), 1);
  }
  s.windows[cq.index] = w;
}

/** Slides a query's window to `now`: events whose exit is at or before `now` leave it. */
export function slide(s: JourneyState, c: EvalContext, cq: CompiledQuery, now: number): WindowAggregate {
  const w = windowOf(s, c, cq);
  const buffer = bufferOf(s, c, cq);
  if (buffer === undefined) return w;
  const base = baseOf(s, c, cq);
  while (w.lo - base < buffer.length) {
    const e = buffer[w.lo - base]!;
    if (exitOf(cq, e.at) > now) break;
    if (matches(cq, c, e)) add(w, fieldValue(cq, e), -1);
    w.lo++;
  }
  return w;
}

/** Makes an event visible in its type's buffer and in every window over that type, at instant `t`. */
export function insertIntoWindows(pb: CompiledPlaybook, s: JourneyState, c: EvalContext, e: QueuedEvent, t: number, info: EventTypeInfo): void {
  const queries = info.windowQueries;
  let longest = -Infinity;
  for (let q = 0; q < queries.length; q++) {
    const exit = exitOf(queries[q]!, e.at);
    if (exit > longest) longest = exit;
  }
  if (longest <= t) return; // a late event already outside every window
  const type = info.type;
  const slot = c.slots === null ? null : c.slots[info.index]!;
  let buffer: BufferedEvent[], base: number;
  if (slot !== null && slot.ready) {
    buffer = slot.buffer!;
    base = slot.base;
  } else {
    buffer = (s.buffers[type] ??= []);
    base = (s.bufferBase[type] ??= 0);
    if (slot !== null) {
      slot.buffer = buffer;
      slot.base = base;
      slot.ready = true;
    }
  }
  const data: Record<string, Value> = {};
  const fields = info.bufferFields;
  for (let i = 0; i < fields.length; i++) data[fields[i]!] = e.data[fields[i]!] ?? null;
  const entry: BufferedEvent = { at: e.at, data };
  const last = buffer[buffer.length - 1];
  if (last === undefined || last.at <= e.at) {
    // In order, one pass per window: slide it to t over the events before the new
    // one, count the new event where it is inside, and note the first buffered
    // event any window still counts (those before it are dropped, as `prune` does).
    buffer.push(entry);
    const index = base + buffer.length - 1;
    let keepFrom = index + 1;
    for (let q = 0; q < queries.length; q++) {
      const cq = queries[q]!;
      const w = windowOf(s, c, cq);
      while (w.lo < index) {
        const old = buffer[w.lo - base]!;
        if (exitOf(cq, old.at) > t) break;
        if (matches(cq, c, old)) add(w, fieldValue(cq, old), -1);
        w.lo++;
      }
      if (exitOf(cq, e.at) > t) {
        if (matches(cq, c, entry)) add(w, fieldValue(cq, entry), 1);
        if (w.lo > index) w.lo = index;
      } else if (w.lo === index) {
        // Already outside this (shorter) window: every earlier event has left too.
        w.lo = index + 1;
      }
      if (w.lo < keepFrom) keepFrom = w.lo;
    }
    const drop = keepFrom - base;
    if (drop > 0) {
      // One or two at a time (the usual case) without the array `splice` returns.
      if (drop <= 2) for (let k = 0; k < drop; k++) buffer.shift();
      else buffer.splice(0, drop);
      s.bufferBase[type] = base + drop;
      if (slot !== null) slot.base = base + drop;
    }
    return;
  } else {
    // Out of order (a late event): insert by instant and recompute this type's windows.
    let i = buffer.length;
    while (i > 0 && buffer[i - 1]!.at > e.at) i--;
    buffer.splice(i, 0, entry);
    for (const cq of queries) rebuild(s, c, cq, t);
  }
  prune(s, c, type, queries, slot);
}

/** Drops buffered events that every window over the type has left. */
function prune(s: JourneyState, c: EvalContext, type: string, queries: CompiledQuery[], slot: TypeSlot | null): void {
  const buffer = s.buffers[type];
  if (buffer === undefined) return;
  const base = s.bufferBase[type] ?? 0;
  let keepFrom = base + buffer.length;
  for (const cq of queries) keepFrom = Math.min(keepFrom, windowOf(s, c, cq).lo);
  const drop = keepFrom - base;
  if (drop > 0) {
    buffer.splice(0, drop);
    s.bufferBase[type] = base + drop;
    if (slot !== null) slot.base = base + drop;
  }
}

/** The sum of a window's values, exact: a scan when non-integers are inside. */
function windowSum(s: JourneyState, c: EvalContext, cq: CompiledQuery, w: WindowAggregate): number {
  if (w.frac === 0) return w.sum;
  let sum = 0;
  forEachInWindow(s, c, cq, w, (e) => {
    const v = fieldValue(cq, e);
    if (typeof v === 'number') sum += v;
  });
  return sum;
}

function forEachInWindow(s: JourneyState, c: EvalContext, cq: CompiledQuery, w: WindowAggregate, visit: (e: BufferedEvent) => void): void {
  const buffer = bufferOf(s, c, cq) ?? [];
  const base = baseOf(s, c, cq);
  for (let i = w.lo - base; i < buffer.length; i++) {
    const e = buffer[i]!;
    if (e.at > c.now) break;
    if (matches(cq, c, e)) visit(e);
  }
}

/**
 * The running-aggregate view of a `within` query at `c.now`, recording in
 * `c.wake` when its first counted event leaves (the next change without a new event).
 */
export function windowValues(s: JourneyState, c: EvalContext, cq: CompiledQuery, fn: QueryFn): {
  n: number; vn: number; sum: number; min: number | null; max: number | null; latest: Value; latestAt: number | null;
} {
  if (c.peek) return peekWindowValues(s, c, cq, fn);
  const w = slide(s, c, cq, c.now);
  const out = { n: w.n, vn: w.vn, sum: 0, min: null as number | null, max: null as number | null, latest: null as Value, latestAt: null as number | null };
  if (w.n === 0) return out;
  const buffer = bufferOf(s, c, cq)!;
  const from = w.lo - baseOf(s, c, cq);
  if (fn === 'happened' || fn === 'latest' || fn === 'days_since') {
    // These change (without a new event) only when the most recent matching event leaves.
    for (let i = buffer.length - 1; i >= from; i--) {
      const e = buffer[i]!;
      if (e.at <= c.now && matches(cq, c, e)) {
        out.latestAt = e.at;
        out.latest = fieldValue(cq, e);
        break;
      }
    }
    const exit = exitOf(cq, out.latestAt!);
    if (exit < c.wake) c.wake = exit;
    return out;
  }
  // count, sum, avg, min, max change as soon as the first counted event leaves.
  for (let i = from; i < buffer.length; i++) {
    const e = buffer[i]!;
    if (matches(cq, c, e)) {
      const exit = exitOf(cq, e.at);
      if (exit < c.wake) c.wake = exit;
      break;
    }
  }
  if (fn === 'count') return out;
  out.sum = windowSum(s, c, cq, w);
  if (fn === 'min' || fn === 'max') {
    forEachInWindow(s, c, cq, w, (e) => {
      const v = fieldValue(cq, e);
      if (typeof v !== 'number') return;
      out.min = out.min === null || v < out.min ? v : out.min;
      out.max = out.max === null || v > out.max ? v : out.max;
    });
  }
  return out;
}

/**
 * {@link windowValues} at a future `c.now` without sliding (look-ahead mode
 * never changes the state). The window's running aggregate covers the buffer
 * from its start; the events that have left by `c.now` are a prefix of it
 * (exits are in buffer order), so counts and integer sums are the aggregate
 * minus that prefix, usually empty or one event, instead of a scan of the
 * whole window. Min, max and non-integer sums are still scanned.
 */
function peekWindowValues(s: JourneyState, c: EvalContext, cq: CompiledQuery, fn: QueryFn): {
  n: number; vn: number; sum: number; min: number | null; max: number | null; latest: Value; latestAt: number | null;
} {
  const out = { n: 0, vn: 0, sum: 0, min: null as number | null, max: null as number | null, latest: null as Value, latestAt: null as number | null };
  const buffer = bufferOf(s, c, cq);
  if (buffer === undefined) return out;
  const w = windowOf(s, c, cq);
  const base = baseOf(s, c, cq);
  // A sum that is not whole still carries a non-integer that has left (floating-point residue): scan.
  if (fn === 'min' || fn === 'max' || w.frac !== 0 || !Number.isInteger(w.sum)) return scanWindowValues(s, c, cq, fn, w, base, buffer, out);
  const left = ahead(cq, c, buffer, w, base);
  const { n, vn, sum } = left;
  let i = left.i;
  if (n === 0) return out;
  out.n = n;
  out.vn = vn;
  out.sum = vn === 0 ? 0 : sum;
  let wake: number;
  if (fn === 'happened' || fn === 'latest' || fn === 'days_since') {
    // The most recent counted event: it leaves last.
    let j = buffer.length - 1;
    while (!matches(cq, c, buffer[j]!)) j--;
    const e = buffer[j]!;
    out.latest = fieldValue(cq, e);
    out.latestAt = e.at;
    wake = exitOf(cq, e.at);
  } else {
    // The first counted event still inside: it leaves first.
    while (!matches(cq, c, buffer[i]!)) i++;
    wake = exitOf(cq, buffer[i]!.at);
  }
  if (wake < c.wake) c.wake = wake;
  return out;
}

/** {@link peekWindowValues} by a scan from the window's current start (min, max, non-integer sums). */
function scanWindowValues(
  s: JourneyState, c: EvalContext, cq: CompiledQuery, fn: QueryFn, w: WindowAggregate, base: number, buffer: BufferedEvent[],
  out: { n: number; vn: number; sum: number; min: number | null; max: number | null; latest: Value; latestAt: number | null },
): typeof out {
  void s;
  let firstExit = Infinity;
  for (let i = w.lo - base; i < buffer.length; i++) {
    const e = buffer[i]!;
    if (e.at > c.now) break;
    const exit = exitOf(cq, e.at);
    if (exit <= c.now || !matches(cq, c, e)) continue;
    if (exit < firstExit) firstExit = exit;
    out.n++;
    const v = fieldValue(cq, e);
    if (typeof v === 'number') {
      out.vn++;
      out.sum += v;
      out.min = out.min === null || v < out.min ? v : out.min;
      out.max = out.max === null || v > out.max ? v : out.max;
    }
    out.latest = v;
    out.latestAt = e.at;
  }
  if (out.n === 0) return out;
  const wake = fn === 'happened' || fn === 'latest' || fn === 'days_since' ? exitOf(cq, out.latestAt!) : firstExit;
  if (wake < c.wake) c.wake = wake;
  return out;
}

/*
 * The three window reads the reference playbooks use most, specialised: the
 * same values and wakes as `windowValues` followed by `aggregateValue`, without
 * a result object or a dispatch on the function per read.
 */

/**
 * A window's figures at a future `c.now` (look-ahead): its running aggregate
 * minus the events that have left by then, a prefix of it (exits are in
 * buffer order); `i` is the buffer position where the events still inside start.
 * The context's one {@link EvalContext.ahead} object, overwritten: read it before the next call.
 */
function ahead(cq: CompiledQuery, c: EvalContext, buffer: BufferedEvent[], w: WindowAggregate, base: number): WindowAhead {
  let n = w.n, vn = w.vn, sum = w.sum;
  let i = w.lo - base;
  for (; i < buffer.length; i++) {
    const e = buffer[i]!;
    if (exitOf(cq, e.at) > c.now) break;
    if (!matches(cq, c, e)) continue;
    n--;
    const v = fieldValue(cq, e);
    if (typeof v === 'number') {
      vn--;
      sum -= v;
    }
  }
  const out = c.ahead;
  out.n = n;
  out.vn = vn;
  out.sum = sum;
  out.i = i;
  return out;
}

/** The first buffered event from index `i` on that the query counts (one exists). */
function firstMatching(cq: CompiledQuery, c: EvalContext, buffer: BufferedEvent[], i: number): BufferedEvent {
  while (!matches(cq, c, buffer[i]!)) i++;
  return buffer[i]!;
}

/**
 * {@link slide} to `c.now`, then (when some event is counted) its first
 * counted event's exit into `c.wake`: what count and sum change with first.
 * One pass from the window's start, the buffer looked up once.
 */
function slideCounting(s: JourneyState, c: EvalContext, cq: CompiledQuery): WindowAggregate {
  const w = windowOf(s, c, cq);
  const buffer = bufferOf(s, c, cq);
  if (buffer === undefined) return w;
  const base = baseOf(s, c, cq);
  const now = c.now;
  let i = w.lo - base;
  for (; i < buffer.length; i++) {
    const e = buffer[i]!;
    if (exitOf(cq, e.at) > now) break;
    if (matches(cq, c, e)) add(w, fieldValue(cq, e), -1);
    w.lo++;
  }
  if (w.n > 0) {
    while (!matches(cq, c, buffer[i]!)) i++;
    const exit = exitOf(cq, buffer[i]!.at);
    if (exit < c.wake) c.wake = exit;
  }
  return w;
}

/** `count(q within d)` at `c.now`. */
export function windowCount(s: JourneyState, c: EvalContext, cq: CompiledQuery): number {
  if (!c.peek) return slideCounting(s, c, cq).n;
  const buffer = bufferOf(s, c, cq);
  if (buffer === undefined) return 0;
  const { n, i } = ahead(cq, c, buffer, windowOf(s, c, cq), baseOf(s, c, cq));
  if (n === 0) return 0;
  const exit = exitOf(cq, firstMatching(cq, c, buffer, i).at);
  if (exit < c.wake) c.wake = exit;
  return n;
}

/** `happened(q within d)` at `c.now`: it changes when the most recent counted event leaves. */
export function windowHappened(s: JourneyState, c: EvalContext, cq: CompiledQuery): boolean {
  // Looking ahead never creates a window over a type with no buffer yet (as `peekWindowValues`).
  if (c.peek && bufferOf(s, c, cq) === undefined) return false;
  const w = c.peek ? windowOf(s, c, cq) : slide(s, c, cq, c.now);
  const buffer = bufferOf(s, c, cq);
  if (w.n === 0 || buffer === undefined) return false;
  const from = w.lo - baseOf(s, c, cq);
  let latestAt: number | null = null;
  for (let i = buffer.length - 1; i >= from; i--) {
    const e = buffer[i]!;
    if (e.at <= c.now && matches(cq, c, e)) {
      latestAt = e.at;
      break;
    }
  }
  // (Looking ahead, the most recent counted event still inside means some is.)
  const exit = exitOf(cq, latestAt!);
  if (c.peek && (latestAt === null || exit <= c.now)) return false;
  if (exit < c.wake) c.wake = exit;
  return true;
}

/** `sum(q.field within d)` at `c.now`: null when no counted event has a number. */
export function windowSumValue(s: JourneyState, c: EvalContext, cq: CompiledQuery): Value {
  if (!c.peek) {
    const w = slideCounting(s, c, cq);
    return w.n === 0 || w.vn === 0 ? null : windowSum(s, c, cq, w);
  }
  const buffer = bufferOf(s, c, cq);
  if (buffer === undefined) return null;
  const w = windowOf(s, c, cq);
  if (w.frac !== 0 || !Number.isInteger(w.sum)) {
    const r = peekWindowValues(s, c, cq, 'sum');
    return r.vn === 0 ? null : r.sum;
  }
  const { n, vn, sum, i } = ahead(cq, c, buffer, w, baseOf(s, c, cq));
  if (n === 0) return null;
  const exit = exitOf(cq, firstMatching(cq, c, buffer, i).at);
  if (exit < c.wake) c.wake = exit;
  return vn === 0 ? null : sum;
}

/**
 * (v2) `count_distinct(q.field within d)` at `c.now`: the distinct non-null
 * values among the counted events, by a scan of the window (0 when none).
 * Wakes when its first counted event leaves (the count can only change then).
 */
export function windowDistinct(s: JourneyState, c: EvalContext, cq: CompiledQuery): number {
  const buffer = bufferOf(s, c, cq);
  if (buffer === undefined) return 0;
  const w = c.peek ? windowOf(s, c, cq) : slide(s, c, cq, c.now);
  const base = baseOf(s, c, cq);
  const seen = new Set<Value>();
  let firstExit = Infinity;
  for (let i = w.lo - base; i < buffer.length; i++) {
    const e = buffer[i]!;
    if (e.at > c.now) break;
    const exit = exitOf(cq, e.at);
    if (exit <= c.now || !matches(cq, c, e)) continue;
    if (exit < firstExit) firstExit = exit;
    const v = fieldValue(cq, e);
    if (v !== null) seen.add(v);
  }
  if (firstExit < c.wake) c.wake = firstExit;
  return seen.size;
}
