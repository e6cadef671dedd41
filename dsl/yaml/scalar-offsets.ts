/**
 * Maps character positions inside a YAML scalar's value back to offsets in
 * the file, so an error inside a rule string points at the exact token.
 *
 * Plain and single-line double-quoted scalars map exactly (escapes
 * included). Other styles (single-quoted, block, multi-line) are aligned
 * character by character, treating folded line breaks as whitespace, which
 * is exact for everything but exotic escapes.
 */

/** `offsets[i]` is the file offset of value character `i`; `offsets[value.length]` is the end. */
export type ScalarOffsets = number[];

const WS = /[ \t\r\n]/;

/** Decodes a double-quoted scalar's body, remembering where each value character came from. */
function decodeDoubleQuoted(raw: string): number[] {
  const out: number[] = [];
  let i = 1; // after the opening quote
  while (i < raw.length - 1) {
    const ch = raw[i]!;
    if (ch === '\\') {
      const next = raw[i + 1];
      if (next === '\n' || next === '\r') {
        i += 2;
        while (i < raw.length && WS.test(raw[i]!)) i++;
        continue;
      }
      out.push(i);
      i += next === 'x' ? 4 : next === 'u' ? 6 : next === 'U' ? 10 : 2;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      // A folded line break: becomes a space (or stays a break after blank lines).
      out.push(i);
      i++;
      while (i < raw.length - 1 && WS.test(raw[i]!)) i++;
      continue;
    }
    out.push(i);
    i++;
  }
  return out;
}

/**
 * Greedy alignment of value characters to raw characters. Whitespace is
 * aligned run against run: a folded line break plus indentation (several raw
 * characters) may be one value space, and a block scalar keeps only the
 * indentation beyond its own, so a value run maps onto the end of its raw run.
 */
function align(value: string, raw: string, from: number): number[] {
  const out: number[] = [];
  let j = from;
  let i = 0;
  while (i < value.length) {
    const ch = value[i]!;
    if (WS.test(ch)) {
      let vEnd = i;
      while (vEnd < value.length && WS.test(value[vEnd]!)) vEnd++;
      let k = j;
      while (k < raw.length && !WS.test(raw[k]!)) k++;
      let rEnd = k;
      while (rEnd < raw.length && WS.test(raw[rEnd]!)) rEnd++;
      const vLen = vEnd - i;
      const rLen = rEnd - k;
      for (let m = 0; m < vLen; m++) out.push(Math.min(raw.length, rLen >= vLen ? k + rLen - vLen + m : k + Math.min(m, Math.max(0, rLen - 1))));
      i = vEnd;
      j = rEnd;
      continue;
    }
    let k = j;
    while (k < raw.length && raw[k] !== ch) k++;
    if (k >= raw.length) k = Math.min(j, raw.length);
    out.push(k);
    j = k + 1;
    i++;
  }
  return out;
}

/**
 * The file offsets of each character of a scalar's `value`.
 * @param value the scalar's string value
 * @param type the yaml Scalar type (`PLAIN`, `QUOTE_DOUBLE`, `QUOTE_SINGLE`, `BLOCK_LITERAL`, `BLOCK_FOLDED`)
 * @param source the whole file
 * @param start offset of the scalar's first source character
 * @param end offset just past its last source character
 */
export function scalarOffsets(value: string, type: string | undefined, source: string, start: number, end: number): ScalarOffsets {
  const raw = source.slice(start, end);
  let local: number[];
  if (type === 'PLAIN' && raw === value) {
    local = Array.from(value, (_, i) => i);
  } else if (type === 'QUOTE_DOUBLE') {
    local = decodeDoubleQuoted(raw);
    if (local.length !== value.length) local = align(value, raw, 1);
  } else if (type === 'QUOTE_SINGLE') {
    local = align(value, raw, 1);
  } else if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') {
    const nl = raw.indexOf('\n');
    local = align(value, raw, nl < 0 ? raw.length : nl + 1);
  } else {
    local = align(value, raw, 0);
  }
  const offsets = local.map((i) => start + i);
  const last = offsets.at(-1);
  // The end: just before a closing quote (so a final escape like `\"` is
  // covered whole), else just past the last character.
  const quoted = type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE';
  const close = raw.trimEnd().length - 1;
  offsets.push(quoted && close > 0 ? start + close : last === undefined ? start : last + 1);
  return offsets;
}

/** How many file characters value character `i` takes (2+ for an escape), bounded by the next character. */
function escapeLength(offsets: ScalarOffsets, i: number, n: number): number {
  const here = offsets[Math.max(0, Math.min(i, n))] ?? 0;
  const next = offsets[Math.min(i + 1, n)] ?? here + 1;
  return Math.max(1, next - here);
}

/** Maps `[from, to)` in value coordinates to file offsets. */
export function mapRange(offsets: ScalarOffsets, from: number, to: number): [number, number] {
  const n = offsets.length - 1;
  const a = offsets[Math.max(0, Math.min(from, n))] ?? 0;
  if (to <= from) return [a, a + 1];
  // The end is where the next value character starts in the file, so a
  // token ending in an escape sequence (`\"`) is covered whole; trailing
  // whitespace is cut back to the token.
  const lastChar = offsets[Math.max(0, Math.min(to - 1, n))] ?? a;
  const next = offsets[Math.min(to, n)] ?? lastChar + 1;
  return [a, Math.max(a + 1, Math.min(next, lastChar + escapeLength(offsets, to - 1, n)))];
}
