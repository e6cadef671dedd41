/**
 * Text Postgres cannot take. A `text` or `jsonb` value may not hold NUL
 * (U+0000), and a lone UTF-16 surrogate has no UTF-8 form at all; either
 * reaching a query used to fail it with a 500 ("invalid byte sequence for
 * encoding UTF8: 0x00"). The API refuses such text with a 400 naming it
 * ({@link textProblem}), and keeps a refused event in a form Postgres can
 * store ({@link storableJson}).
 */

/** Why `text` cannot be stored, or null when it can. */
export function textProblem(text: string): string | null {
  const nul = text.indexOf('\u0000');
  if (nul !== -1) return `contains a NUL character (U+0000) at position ${nul}`;
  if (!LONE_SURROGATE.test(text)) return null;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) { i++; continue; }
    if (unit >= 0xd800 && unit <= 0xdfff) return `contains a lone surrogate (U+${hex(unit)}) at position ${i}: not valid Unicode text`;
  }
  return null;
}

/**
 * `text` with what Postgres cannot store written out as `\u0000` / `\uD800`
 * (six characters of text): valid UTF-8, and still shows what was sent.
 */
export function storableText(text: string): string {
  if (!text.includes('\u0000') && !LONE_SURROGATE.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) { out += text[i]! + text[i + 1]!; i++; continue; }
    out += unit === 0 || (unit >= 0xd800 && unit <= 0xdfff) ? `\\u${hex(unit)}` : text[i]!;
  }
  return out;
}

/** A JSON value with every string and key made {@link storableText} (for `jsonb`). Depth is bounded by the JSON parser. */
export function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storableText(key), storableJson(inner)]));
  }
  return value;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units: no `u` flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `text` with each lone surrogate replaced by U+FFFD (what `toWellFormed` does). */
export function wellFormed(text: string): string {
  return text.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;
const hex = (unit: number) => unit.toString(16).toUpperCase().padStart(4, '0');
