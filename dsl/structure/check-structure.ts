/**
 * Structural checking: the loaded YAML against the zod schemas, with each
 * zod issue mapped back to the YAML node it is about (by its path) and
 * rewritten in playbook terms, with a did-you-mean for unknown keys.
 */
import { z } from 'zod';
import type { Document } from 'yaml';
import type { DiagnosticSink } from '../diagnostics.ts';
import { closest, didYouMean } from '../suggest.ts';
import { rangeAt } from '../yaml/load-document.ts';
import type { Path } from '../yaml/load-document.ts';
import { PlaybookSchema } from './playbook-schema.ts';

type Issue = z.core.$ZodIssue;

/** The zod schema reached by following `path` from the playbook schema, to list its known keys. */
function schemaAt(path: Path): z.ZodType | undefined {
  let s: unknown = PlaybookSchema;
  for (const key of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, unknown>)[String(key)];
    else if (s instanceof z.ZodArray) s = s.element;
    else if (s instanceof z.ZodRecord) s = s.valueType;
    else return undefined;
  }
  return unwrap(s) as z.ZodType | undefined;
}

function unwrap(s: unknown): unknown {
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
  if (s instanceof z.ZodUnion) {
    const objectOption = (s.options as unknown[]).find((o) => o instanceof z.ZodObject || o instanceof z.ZodRecord);
    if (objectOption) return objectOption;
  }
  return s;
}

/** What a JS value is, in words. */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `the text "${v.length > 30 ? v.slice(0, 27) + '...' : v}"`;
  return `${typeof v} ${String(v)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map of keys',
  array: 'a list (items starting with `- `)',
  record: 'a map of keys',
};

/** What specific keys hold, for "should be ..." messages. */
const KEY_EXPECTED: Record<string, string> = {
  due_in: 'a duration such as `7 days` or `24 hours`',
  cooldown: 'a duration such as `30 days`',
  at: 'a time such as `due - 7 days`',
  due: 'a time such as `month 1` or `contract.end - 2 weeks`',
  opens: 'a time such as `start` or `month 3`',
  repeat: '`every <duration>`, such as `every 3 months`',
  renewal: 'true or false',
  weight: 'a number',
};

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

function where(path: Path): string {
  return path.length === 0 ? 'the playbook' : `\`${path.filter((p) => typeof p === 'string').at(-1)}\``;
}

const LIST_ITEMS: Record<string, string> = {
  milestones: 'milestone',
  risks: 'risk',
  triggers: 'trigger',
  components: 'health component',
  steps: 'step',
  on_done: 'on_done action',
  actions: 'action',
};

/**
 * The map at `path` in words: "milestone `activation`", "step 2 of
 * milestone `activation`", "the playbook", for unknown- and missing-key messages.
 */
function describeMap(path: Path, data: unknown): string {
  if (path.length === 0) return 'the playbook';
  const last = path.at(-1);
  const parentKey = path.at(-2);
  if (typeof last === 'number' && typeof parentKey === 'string' && LIST_ITEMS[parentKey]) {
    const id = (valueAt(data, path) as { id?: unknown } | undefined)?.id;
    const self = typeof id === 'string' ? `${LIST_ITEMS[parentKey]} \`${id}\`` : `${LIST_ITEMS[parentKey]} ${last + 1}`;
    const owner = path.length > 2 ? describeMap(path.slice(0, -2), data) : '';
    return owner && owner !== 'the playbook' && !owner.startsWith('`') ? `${self} of ${owner}` : self;
  }
  return where(path);
}

/** Checks `data` against the playbook schema; reports every issue. Returns true when the structure is sound. */
export function checkStructure(data: unknown, doc: Document.Parsed, sink: DiagnosticSink): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    sink.error('WRONG_SHAPE', 'a playbook is a map of keys (playbook, title, customer, events, milestones, ...)', rangeAt(doc, []));
    return false;
  }
  const result = PlaybookSchema.safeParse(data);
  if (result.success) return true;
  // A misspelt required key is one mistake, not two: when an unknown key's
  // suggestion is a missing key of the same map, only the typo is reported.
  const typoFor = new Set<string>();
  for (const issue of result.error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const schema = schemaAt(cleanPath(issue.path));
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape as object) : [];
    for (const key of issue.keys) {
      const c = closest(key, known);
      if (c !== undefined) typoFor.add(JSON.stringify([...cleanPath(issue.path), c]));
    }
  }
  for (const issue of result.error.issues) {
    if (typoFor.has(JSON.stringify(cleanPath(issue.path))) && valueAt(data, cleanPath(issue.path)) === undefined) continue;
    report(issue, data, doc, sink);
  }
  return false;
}

function cleanPath(path: readonly PropertyKey[]): Array<string | number> {
  return path.filter((p): p is string | number => typeof p !== 'symbol');
}

function report(issue: Issue, data: unknown, doc: Document.Parsed, sink: DiagnosticSink): void {
  const path = cleanPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const schema = schemaAt(path);
      const known = schema instanceof z.ZodObject ? Object.keys(schema.shape as object) : [];
      for (const key of issue.keys) {
        const hint = didYouMean(key, known);
        const list = hint ? '' : known.length ? ` (expected one of: ${known.join(', ')})` : '';
        sink.error('UNKNOWN_KEY', `unknown key \`${key}\` in ${describeMap(path, data)}${hint}${list}`, rangeAt(doc, [...path, key], { key: true }));
      }
      return;
    }
    case 'invalid_type': {
      const actual = valueAt(data, path);
      if (actual === undefined) {
        const key = path.at(-1);
        sink.error('MISSING_KEY', `missing required key \`${String(key)}\` in ${describeMap(path.slice(0, -1), data)}`, rangeAt(doc, path));
        return;
      }
      const key = path.at(-1);
      const expected = (typeof key === 'string' ? KEY_EXPECTED[key] : undefined) ?? EXPECTED[issue.expected] ?? issue.expected;
      sink.error('WRONG_SHAPE', `${where(path)} should be ${expected}, found ${kindOf(actual)}`, rangeAt(doc, path));
      return;
    }
    case 'invalid_value': {
      const actual = valueAt(data, path);
      const values = issue.values.map(String);
      const hint = typeof actual === 'string' ? didYouMean(actual, values) : '';
      sink.error('INVALID_VALUE', `${where(path)} must be one of ${values.join(', ')}, found ${kindOf(actual)}${hint}`, rangeAt(doc, path));
      return;
    }
    case 'invalid_union': {
      if (valueAt(data, path) === undefined) {
        sink.error('MISSING_KEY', `missing required key \`${String(path.at(-1))}\` in ${describeMap(path.slice(0, -1), data)}`, rangeAt(doc, path));
        return;
      }
      // Report the alternative that got furthest into the value (its issues
      // have the deepest paths): that is the shape the author meant.
      const branches = issue.errors.filter((b) => b.length > 0);
      const depth = (b: Issue[]) => Math.max(...b.map((i) => i.path.length));
      const best = branches.sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) > 0) {
        for (const inner of best) report({ ...inner, path: [...issue.path, ...inner.path] } as Issue, data, doc, sink);
        return;
      }
      const actual = valueAt(data, path);
      const isRule = typeof path.at(-1) === 'string';
      sink.error('WRONG_SHAPE', `${where(path)} should be ${isRule ? 'text' : 'a map of keys'}, found ${kindOf(actual)}`, rangeAt(doc, path));
      return;
    }
    case 'too_small':
      sink.error('INVALID_VALUE', `${where(path)} must not be negative`, rangeAt(doc, path));
      return;
    default:
      sink.error('WRONG_SHAPE', `${where(path)}: ${issue.message}`, rangeAt(doc, path));
  }
}
