/**
 * Checking and converting customer attributes and events against a playbook's
 * declarations (reference §2, §11). One implementation shared by the simulator's
 * timeline checks, the HTTP API and the workflow, so "valid" means the same
 * everywhere:
 *
 * - an event type the playbook does not declare is a problem;
 * - a declared field of the wrong type is a problem; a declared field that is
 *   missing (or `null`) reads as `null`; a field the playbook does not declare
 *   is ignored (dropped);
 * - a declared customer attribute that is missing or `null` is a problem;
 *   undeclared attributes are ignored;
 * - `date` values are ISO-8601 text (or a `Date`) and become epoch ms.
 *
 * Pure: no Node API, so it may run inside the workflow sandbox.
 */
import type { FieldType, PlaybookIR } from '../../dsl/ir/schema.ts';
import { parseInstant } from './instant.ts';
import type { JourneyEvent, Value } from './types.ts';

/** How raw values are given: `json` (YAML/JSON values) or `text` (CSV cells, all strings). */
export type ValueSource = 'json' | 'text';

/** A converted value, or the reason it does not fit its declared type. */
export type Converted = { ok: true; value: Value } | { ok: false; problem: string };

/** Describes a declared type the way a playbook writes it. */
export function describeType(type: FieldType): string {
  return type.kind === 'enum' ? `enum(${type.members.join(', ')})` : type.kind;
}

function show(raw: unknown): string {
  if (raw instanceof Date) return raw.toISOString();
  const text = JSON.stringify(raw);
  return text === undefined ? String(raw) : text;
}

/**
 * Converts one raw value to its declared type: `date` text to epoch ms, and,
 * for `source: 'text'`, number and boolean text to numbers and booleans.
 * `null`/`undefined` (and an empty text cell) convert to `null`.
 */
export function convertValue(type: FieldType, raw: unknown, source: ValueSource = 'json'): Converted {
  if (raw === null || raw === undefined || (source === 'text' && raw === '')) return { ok: true, value: null };
  const bad = (): Converted => ({ ok: false, problem: `must be ${describeType(type)}, got ${show(raw)}` });
  switch (type.kind) {
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      return bad();
    case 'enum':
      if (typeof raw === 'string' && type.members.includes(raw)) return { ok: true, value: raw };
      return bad();
    case 'number': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return { ok: true, value: raw };
      if (source === 'text' && typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) {
        return { ok: true, value: Number(raw) };
      }
      return bad();
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (source === 'text' && (raw === 'true' || raw === 'false')) return { ok: true, value: raw === 'true' };
      return bad();
    case 'date': {
      if (raw instanceof Date && !Number.isNaN(raw.getTime())) return { ok: true, value: raw.getTime() };
      if (typeof raw === 'string') {
        const t = parseInstant(raw);
        if (t !== null) return { ok: true, value: t };
        return { ok: false, problem: `must be an ISO-8601 date, got ${show(raw)}` };
      }
      return bad();
    }
    default: {
      const never: never = type;
      throw new Error(`unknown field type ${JSON.stringify(never)}`);
    }
  }
}

/** Reads an instant: ISO-8601 text, a `Date`, or (already converted) epoch ms. */
export function convertInstant(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? null : raw.getTime();
  if (typeof raw === 'string') return parseInstant(raw);
  return null;
}

function isRecord(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !(raw instanceof Date);
}

/**
 * The declared customer attributes converted, with the problems found.
 * `attrs` holds every declared attribute (converted); undeclared ones are dropped.
 */
export function readCustomerAttrs(
  ir: PlaybookIR,
  raw: Record<string, unknown>,
  source: ValueSource = 'json',
): { attrs: Record<string, Value>; problems: string[] } {
  const attrs: Record<string, Value> = {};
  const problems: string[] = [];
  for (const [name, type] of Object.entries(ir.customer)) {
    const value = raw[name];
    if (value === undefined || value === null || (source === 'text' && value === '')) {
      problems.push(`customer attribute '${name}' (${describeType(type)}) is missing`);
      continue;
    }
    const converted = convertValue(type, value, source);
    if (converted.ok) attrs[name] = converted.value;
    else problems.push(`customer attribute '${name}' ${converted.problem}`);
  }
  return { attrs, problems };
}

/** Problems of a customer's attributes against the declarations (empty when valid). */
export function checkCustomer(ir: PlaybookIR, attrs: Record<string, unknown>, source: ValueSource = 'json'): string[] {
  return readCustomerAttrs(ir, attrs, source).problems;
}

/** A raw event as it comes from a timeline, CSV row or API body. */
export interface RawEvent {
  id?: unknown;
  type: unknown;
  at: unknown;
  data?: unknown;
}

/**
 * Converts a raw event into a {@link JourneyEvent}: `at` to epoch ms, declared
 * fields to their types (missing ones `null`), undeclared fields dropped.
 * `event` is present only when there are no problems.
 */
export function readEvent(
  ir: PlaybookIR,
  raw: RawEvent,
  source: ValueSource = 'json',
): { event?: JourneyEvent; problems: string[] } {
  const problems: string[] = [];
  const type = raw.type;
  const fields = typeof type === 'string' && Object.hasOwn(ir.events, type) ? ir.events[type] : undefined;
  if (typeof type !== 'string') problems.push(`event type must be a string, got ${show(type)}`);
  else if (fields === undefined) problems.push(`event type '${type}' is not declared by playbook '${ir.playbook}'`);
  const at = convertInstant(raw.at);
  if (at === null) problems.push(`event 'at' must be an ISO-8601 instant, got ${show(raw.at)}`);
  const rawData = raw.data ?? {};
  if (!isRecord(rawData)) problems.push(`event 'data' must be a map, got ${show(rawData)}`);
  const data: Record<string, Value> = {};
  if (fields !== undefined && isRecord(rawData)) {
    for (const [name, fieldType] of Object.entries(fields)) {
      const converted = convertValue(fieldType, rawData[name], source);
      if (converted.ok) data[name] = converted.value;
      else problems.push(`field '${name}' of '${String(type)}' ${converted.problem}`);
    }
  }
  if (problems.length > 0 || at === null || typeof type !== 'string') return { problems };
  const event: JourneyEvent = { at, type, data };
  if (raw.id !== undefined && raw.id !== null) event.id = String(raw.id);
  return { event, problems };
}

/** Problems of one event against the declarations (empty when valid). */
export function checkEvent(ir: PlaybookIR, raw: RawEvent, source: ValueSource = 'json'): string[] {
  return readEvent(ir, raw, source).problems;
}
