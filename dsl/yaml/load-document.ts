/**
 * Loads a playbook's YAML as a `yaml` Document, keeping every node's source
 * range, and answers "where in the file is this path?" for diagnostics.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import type { DiagnosticSink } from '../diagnostics.ts';
import { scalarOffsets } from './scalar-offsets.ts';
import { describeYamlErrors } from './yaml-problem.ts';
import type { ScalarOffsets } from './scalar-offsets.ts';

export type Path = ReadonlyArray<string | number>;

/** A loaded playbook: its plain data plus a way back to source positions. */
export interface LoadedYaml {
  doc: Document.Parsed;
  /** The document as plain JS (maps to objects, sequences to arrays). */
  data: unknown;
  /** False when the YAML itself could not be read; nothing else should be checked then. */
  ok: boolean;
}

/**
 * Parses `source`; YAML syntax errors become `YAML_SYNTAX` diagnostics,
 * duplicate keys `DUPLICATE_KEY` (not fatal: the later value is kept).
 */
export function loadYaml(source: string, sink: DiagnosticSink): LoadedYaml {
  const doc = parseDocument(source, { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: false, strict: true });
  let fatal = false;
  if (doc.errors.length > 0) {
    // One problem, in words: after the first error the parser misreads every
    // line that follows, so the rest would be noise (see yaml-problem.ts).
    fatal = true;
    const problem = describeYamlErrors(doc.errors, source);
    sink.error('YAML_SYNTAX', problem.message, problem.range);
  }
  // The parser runs with uniqueKeys off (a duplicate key is not fatal); report them here.
  if (!fatal) reportDuplicateKeys(doc.contents, sink);
  let data: unknown = null;
  if (!fatal) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      fatal = true;
      sink.error('YAML_SYNTAX', `YAML: ${/call stack/i.test((err as Error).message) ? 'the YAML nests too deeply to be read' : (err as Error).message}`, [0, 1]);
    }
  }
  return { doc, data, ok: !fatal };
}

function reportDuplicateKeys(node: unknown, sink: DiagnosticSink): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined) {
        if (seen.has(key) && isScalar(pair.key) && pair.key.range) {
          sink.error('DUPLICATE_KEY', `the key \`${key}\` appears twice in this map; the later one is used`, [pair.key.range[0], pair.key.range[1]]);
        }
        seen.add(key);
      }
      reportDuplicateKeys(pair.value, sink);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) reportDuplicateKeys(item, sink);
  }
}

function pairOf(map: unknown, key: string | number): Pair<unknown, unknown> | undefined {
  if (!isMap(map)) return undefined;
  // The last pair with the key: with a duplicate key, that is the value the data holds.
  for (let i = map.items.length - 1; i >= 0; i--) {
    const pair = map.items[i];
    if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === String(key)) return pair;
  }
  return undefined;
}

/** The node at `path` (`undefined` when the path does not exist in the file). */
export function nodeAt(doc: Document.Parsed, path: Path): YamlNode | undefined {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (isSeq(node) && typeof key === 'number') node = node.items[key];
    else node = pairOf(node, key)?.value;
    if (node === undefined || node === null) return undefined;
  }
  return node as YamlNode;
}

function rangeOf(node: unknown): [number, number] | undefined {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? [r[0], Math.max(r[1], r[0] + 1)] : undefined;
}

/**
 * The best source range for `path`: the value node when it exists; for a
 * missing key, the map that should hold it (its first line); `key: true`
 * points at the key itself instead of the value.
 */
export function rangeAt(doc: Document.Parsed, path: Path, opts: { key?: boolean } = {}): [number, number] {
  for (let n = path.length; n >= 0; n--) {
    const head = path.slice(0, n);
    if (opts.key && n === path.length && n > 0) {
      const parent = nodeAt(doc, head.slice(0, -1));
      const pair = pairOf(parent, head[head.length - 1]!);
      const r = rangeOf(pair?.key);
      if (r) return r;
    }
    const node = n === 0 ? doc.contents : nodeAt(doc, head);
    const r = rangeOf(node);
    if (r) {
      if (n < path.length || isMap(node) || isSeq(node)) {
        // A container: point at its first line only, not the whole block.
        if (n < path.length && n > 0) {
          const parent = nodeAt(doc, head.slice(0, -1));
          const pair = pairOf(parent, head[head.length - 1]!);
          const kr = rangeOf(pair?.key);
          if (kr) return kr;
        }
        return [r[0], r[0] + 1];
      }
      return r;
    }
  }
  return [0, 1];
}

/** A YAML scalar holding rule or template text, with its character offsets in the file. */
export interface SourceText {
  text: string;
  offsets: ScalarOffsets;
}

/**
 * The text at `path` and where each of its characters is in the file.
 * Booleans and numbers (YAML reads `done_when: true` as a boolean) become
 * their source text.
 */
export function sourceTextAt(doc: Document.Parsed, source: string, path: Path): SourceText | undefined {
  const node = nodeAt(doc, path);
  if (!isScalar(node) || !node.range) return undefined;
  const [start, end] = node.range;
  const value = node.value;
  if (typeof value === 'string') return { text: value, offsets: scalarOffsets(value, node.type, source, start, end) };
  if (typeof value === 'number' || typeof value === 'boolean') {
    const text = source.slice(start, end);
    return { text, offsets: scalarOffsets(text, 'PLAIN', source, start, end) };
  }
  return undefined;
}
