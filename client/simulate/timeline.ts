/**
 * The timeline file (SPEC §11): a customer, a contract and events, read from
 * YAML and checked against a playbook's declarations with the engine's own
 * checks (workflows/engine/declarations.ts), so the simulator, the API and the
 * workflow agree on what is valid.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { convertInstant, readCustomerAttrs, readEvent } from '../../workflows/engine/declarations.ts';
import type { RawEvent, ValueSource } from '../../workflows/engine/declarations.ts';
import type { Contract, JourneyCustomer, JourneyEvent } from '../../workflows/engine/types.ts';

/** A timeline checked against a playbook: what the simulator (and `--engine temporal`) runs. */
export interface Timeline {
  /** Where it came from (a file path, or `file.csv#customer`), for messages. */
  file: string;
  customer: JourneyCustomer;
  contract: Contract;
  /** Sorted by `at`; a stable sort keeps the file's order for equal instants. */
  events: JourneyEvent[];
}

/** A timeline that cannot be read or does not match the playbook (exit 2, SPEC §13). */
export class TimelineError extends Error {
  override name = 'TimelineError';
}

/** The raw shape of a timeline before checking (YAML, or assembled from CSV rows). */
export interface RawTimeline {
  customer: unknown;
  contract: unknown;
  events?: unknown;
}

function isRecord(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

/**
 * Checks a raw timeline against the playbook's declarations and converts it.
 * Throws {@link TimelineError} naming the first problem (with its event index).
 */
export function checkTimeline(ir: PlaybookIR, raw: RawTimeline, file: string, source: ValueSource = 'json'): Timeline {
  const fail = (message: string): never => {
    throw new TimelineError(`${file}: ${message}`);
  };
  if (!isRecord(raw.customer)) return fail("'customer' must be a map with an 'id' and the declared attributes");
  const id = raw.customer['id'];
  if (typeof id !== 'string' && typeof id !== 'number') return fail("'customer.id' is missing");
  const { attrs, problems } = readCustomerAttrs(ir, raw.customer, source);
  if (problems.length > 0) return fail(problems[0]!);
  if (!isRecord(raw.contract)) return fail("'contract' must be a map with 'start' and 'end'");
  const start = convertInstant(raw.contract['start']);
  const end = convertInstant(raw.contract['end']);
  if (start === null) return fail(`'contract.start' must be an ISO-8601 instant, got ${JSON.stringify(raw.contract['start'])}`);
  if (end === null) return fail(`'contract.end' must be an ISO-8601 instant, got ${JSON.stringify(raw.contract['end'])}`);
  if (end <= start) return fail("'contract.end' must be after 'contract.start'");
  const rawEvents = raw.events ?? [];
  if (!Array.isArray(rawEvents)) return fail("'events' must be a list");
  const events: JourneyEvent[] = [];
  rawEvents.forEach((item: unknown, index: number) => {
    if (!isRecord(item)) return fail(`events[${index}]: must be a map with 'at' and 'type'`);
    const checked = readEvent(ir, item as unknown as RawEvent, source);
    if (checked.event === undefined) return fail(`events[${index}]: ${checked.problems[0]}`);
    events.push(checked.event);
  });
  // Array.prototype.sort is stable: equal instants keep the file's order.
  events.sort((a, b) => a.at - b.at);
  return { file, customer: { id: String(id), attrs }, contract: { start, end }, events };
}

/** Parses timeline YAML text and checks it (see {@link checkTimeline}). */
export function parseTimeline(ir: PlaybookIR, text: string, file: string): Timeline {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new TimelineError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(raw)) throw new TimelineError(`${file}: a timeline is a map with 'customer', 'contract' and 'events'`);
  // Other top-level keys (notes, say) are ignored, as undeclared event fields are (SPEC §11).
  return checkTimeline(ir, raw as unknown as RawTimeline, file);
}

/** Reads and checks a timeline file. */
export async function loadTimeline(ir: PlaybookIR, path: string): Promise<Timeline> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TimelineError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseTimeline(ir, text, path);
}
