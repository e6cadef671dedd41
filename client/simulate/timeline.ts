/**
 * The timeline file (reference §11): a customer, a contract, events and (v2) the
 * task closes people made, read from YAML and checked against a playbook's
 * declarations with the engine's own checks (workflows/engine/declarations.ts),
 * so the simulator, the API and the workflow agree on what is valid.
 *
 * (v2) Strict: an unknown key at the top or in an event or task entry is an
 * error naming its line (a misspelt `dta:` must not silently drop data);
 * a data field or customer attribute the playbook does not declare is read
 * and ignored, with a warning naming its line. Every error and warning of a
 * YAML timeline carries `file:line:col`.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { LineIndex } from '../../dsl/diagnostics.ts';
import { didYouMean } from '../../dsl/suggest.ts';
import { rangeAt } from '../../dsl/yaml/load-document.ts';
import type { Path } from '../../dsl/yaml/load-document.ts';
import { convertInstant, readCustomerAttrs, readEvent } from '../../workflows/engine/declarations.ts';
import type { RawEvent, ValueSource } from '../../workflows/engine/declarations.ts';
import type { Contract, JourneyCustomer, JourneyEvent } from '../../workflows/engine/types.ts';
import { formatInstant } from '../../workflows/engine/instant.ts';
import { milestoneInstants } from '../../workflows/engine/milestone-instants.ts';

/**
 * (v2) A task closed by a person, as the timeline's `tasks:` lists it: the task
 * id, the instant (epoch ms), who and why, and its 1-based line (for the
 * error when the journey never opens such a task, which the simulator checks).
 */
export interface TimelineTaskClose {
  task: string;
  at: number;
  by?: string | null;
  note?: string | null;
  line?: number;
}

/** A timeline checked against a playbook: what the simulator (and `--engine temporal`) runs. */
export interface Timeline {
  /** Where it came from (a file path, or `file.csv#customer`), for messages. */
  file: string;
  customer: JourneyCustomer;
  contract: Contract;
  /** Sorted by `at`; a stable sort keeps the file's order for equal instants. */
  events: JourneyEvent[];
  /** (v2) The closes made by people, in file order (`[]` when the timeline has no `tasks:`). */
  tasks?: TimelineTaskClose[];
  /**
   * (v2) What was read and ignored, one line each, `file:line:col: warning: ...`
   * (reference §11): print them on stderr; they do not change the exit code.
   */
  warnings?: string[];
}

/** A timeline that cannot be read or does not match the playbook (exit 2, reference §13). */
export class TimelineError extends Error {
  override name = 'TimelineError';
}

/** The raw shape of a timeline before checking (YAML, or assembled from CSV rows). */
export interface RawTimeline {
  customer: unknown;
  contract: unknown;
  events?: unknown;
  tasks?: unknown;
}

const TOP_KEYS = ['customer', 'contract', 'events', 'tasks'];
const EVENT_KEYS = ['at', 'type', 'data', 'id'];
const TASK_KEYS = ['task', 'closed_at', 'by', 'note'];
const CONTRACT_KEYS = ['start', 'end'];

/** Finds `:line:col` of a path in the file (`''` when the timeline has no file positions, as a CSV row). */
export type Locate = (path: Path, opts?: { key?: boolean }) => string;

const nowhere: Locate = () => '';

function isRecord(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

function unknownKey(key: string, known: readonly string[], where: string): string {
  const hint = didYouMean(key, known);
  return `unknown key '${key}' in ${where}${hint || ` (the keys are ${known.join(', ')})`}`;
}

/**
 * Checks a raw timeline against the playbook's declarations and converts it.
 * Throws {@link TimelineError} naming the first problem, with its line when
 * `locate` knows positions.
 */
export function checkTimeline(ir: PlaybookIR, raw: RawTimeline, file: string, source: ValueSource = 'json', locate: Locate = nowhere): Timeline {
  const fail = (path: Path, message: string, key = false): never => {
    throw new TimelineError(`${file}${locate(path, { key })}: ${message}`);
  };
  const warnings: string[] = [];
  const warn = (path: Path, message: string) => {
    warnings.push(`${file}${locate(path, { key: true }) || ''}: warning: ${message}`);
  };
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.includes(key)) fail([key], unknownKey(key, TOP_KEYS, 'the timeline'), true);
  }
  if (!isRecord(raw.customer)) return fail(['customer'], "'customer' must be a map with an 'id' and the declared attributes");
  const id = raw.customer['id'];
  if (typeof id !== 'string' && typeof id !== 'number') return fail(['customer'], "'customer.id' is missing");
  const { attrs, problems } = readCustomerAttrs(ir, raw.customer, source);
  if (problems.length > 0) {
    const name = /^customer attribute '([^']+)'/.exec(problems[0]!)?.[1];
    return fail(name !== undefined && raw.customer[name] !== undefined ? ['customer', name] : ['customer'], problems[0]!, name === undefined || raw.customer[name] === undefined);
  }
  for (const name of Object.keys(raw.customer)) {
    if (name === 'id' || Object.hasOwn(ir.customer, name)) continue;
    warn(['customer', name], `customer attribute '${name}' is not declared by playbook '${ir.playbook}' and is ignored${didYouMean(name, Object.keys(ir.customer))}`);
  }
  if (!isRecord(raw.contract)) return fail(['contract'], "'contract' must be a map with 'start' and 'end'");
  for (const key of Object.keys(raw.contract)) {
    if (!CONTRACT_KEYS.includes(key)) warn(['contract', key], `'contract.${key}' is not part of a contract (start, end) and is ignored`);
  }
  const start = convertInstant(raw.contract['start']);
  const end = convertInstant(raw.contract['end']);
  if (start === null) return fail(['contract', 'start'], `'contract.start' must be an ISO-8601 instant, got ${JSON.stringify(raw.contract['start'])}`);
  if (end === null) return fail(['contract', 'end'], `'contract.end' must be an ISO-8601 instant, got ${JSON.stringify(raw.contract['end'])}`);
  if (end <= start) return fail(['contract', 'end'], "'contract.end' must be after 'contract.start'");
  for (const m of ir.milestones) {
    // A due the term never reaches (issue 15): the milestone can only be missed. Said once per milestone, at the contract's end.
    const due = milestoneInstants(m, { start, end }).due;
    if (due > end) warn(['contract', 'end'], `milestone '${m.id}' is due ${formatInstant(due)} (${m.due.source.trim()}), after this contract's end: the term closes first, so it can only be missed`);
  }
  const rawEvents = raw.events ?? [];
  if (!Array.isArray(rawEvents)) return fail(['events'], "'events' must be a list");
  const events: JourneyEvent[] = [];
  rawEvents.forEach((item: unknown, index: number) => {
    const at: Path = ['events', index];
    if (!isRecord(item)) return fail(at, `events[${index}]: must be a map with 'at' and 'type'`);
    for (const key of Object.keys(item)) {
      if (!EVENT_KEYS.includes(key)) fail([...at, key], `events[${index}]: ${unknownKey(key, EVENT_KEYS, 'an event')}${Object.hasOwn(ir.events[String(item['type'])] ?? {}, key) ? `; a data field goes under 'data:' (data: { ${key}: ... })` : ''}`, true);
    }
    const checked = readEvent(ir, item as unknown as RawEvent, source);
    if (checked.event === undefined) {
      const problem = checked.problems[0]!;
      const field = /^field '([^']+)'/.exec(problem)?.[1];
      const path: Path = field !== undefined && isRecord(item['data']) && item['data'][field] !== undefined ? [...at, 'data', field]
        : problem.startsWith("event 'at'") && item['at'] !== undefined ? [...at, 'at']
          : problem.startsWith('event type') && item['type'] !== undefined ? [...at, 'type']
            : problem.startsWith("event 'data'") ? [...at, 'data'] : at;
      return fail(path, `events[${index}]: ${problem}`);
    }
    const declared = ir.events[checked.event.type] ?? {};
    if (isRecord(item['data'])) {
      for (const name of Object.keys(item['data'])) {
        if (Object.hasOwn(declared, name)) continue;
        warn([...at, 'data', name], `events[${index}]: field '${name}' is not declared for '${checked.event.type}' and is ignored${didYouMean(name, Object.keys(declared))}`);
      }
    }
    events.push(checked.event);
  });
  // Array.prototype.sort is stable: equal instants keep the file's order.
  events.sort((a, b) => a.at - b.at);
  const tasks = readTaskCloses(raw.tasks, fail, locate);
  return { file, customer: { id: String(id), attrs }, contract: { start, end }, events, tasks, warnings };
}

/** (v2) The `tasks:` section: `- { task, closed_at, by?, note? }`, in file order. */
function readTaskCloses(raw: unknown, fail: (path: Path, message: string, key?: boolean) => never, locate: Locate): TimelineTaskClose[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return fail(['tasks'], "'tasks' must be a list of closes: - { task: <task id>, closed_at: <instant>, by: <who>, note: <text> }");
  return raw.map((item: unknown, index: number): TimelineTaskClose => {
    const at: Path = ['tasks', index];
    if (!isRecord(item)) return fail(at, `tasks[${index}]: must be a map with 'task' and 'closed_at'`);
    for (const key of Object.keys(item)) {
      if (!TASK_KEYS.includes(key)) fail([...at, key], `tasks[${index}]: ${unknownKey(key, TASK_KEYS, 'a task close')}`, true);
    }
    const task = item['task'];
    if (typeof task !== 'string' || task === '') return fail(item['task'] === undefined ? at : [...at, 'task'], `tasks[${index}]: 'task' must be a task id, as the report lists it (e.g. "milestone/activation/step/1@2026-02-28T00:00:00.000Z")`);
    const closedAt = convertInstant(item['closed_at']);
    if (closedAt === null) return fail(item['closed_at'] === undefined ? at : [...at, 'closed_at'], `tasks[${index}]: 'closed_at' must be an ISO-8601 instant, got ${JSON.stringify(item['closed_at'] ?? null)}`);
    const text = (key: 'by' | 'note'): string | null => {
      const v = item[key];
      if (v === undefined || v === null) return null;
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return fail([...at, key], `tasks[${index}]: '${key}' must be text`);
    };
    const close: TimelineTaskClose = { task, at: closedAt, by: text('by'), note: text('note') };
    const line = /^:(\d+):/.exec(locate(at))?.[1];
    if (line !== undefined) close.line = Number(line);
    return close;
  });
}

/** `:line:col` of paths in a parsed YAML document. */
function locator(doc: Document.Parsed, text: string): Locate {
  const lines = new LineIndex(text);
  return (path, opts) => {
    const { line, col } = lines.linePos(rangeAt(doc, path, opts)[0]);
    return `:${line}:${col}`;
  };
}

/** Parses timeline YAML text and checks it (see {@link checkTimeline}). */
export function parseTimeline(ir: PlaybookIR, text: string, file: string): Timeline {
  const doc = parseDocument(text, { lineCounter: new LineCounter(), prettyErrors: false });
  const lines = new LineIndex(text);
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lines.linePos(first.pos[0]);
    const message = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new TimelineError(`${file}:${line}:${col}: not valid YAML: ${message}${/tab/i.test(message) ? ' (indent with spaces, not tabs)' : ''}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new TimelineError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(raw)) throw new TimelineError(`${file}: a timeline is a map with 'customer', 'contract' and 'events'`);
  return checkTimeline(ir, raw as unknown as RawTimeline, file, 'json', locator(doc, text));
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
