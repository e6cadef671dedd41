/**
 * The playbook's declarations (reference §2): customer attributes, event types
 * and their fields, and health components. Type strings are parsed here.
 */
import type { FieldType } from '../ir/schema.ts';

/** What a playbook declares, by name; rules are checked against it. */
export interface Declarations {
  customer: Map<string, FieldType>;
  events: Map<string, Map<string, FieldType>>;
  /** Health component ids; `null` when the playbook has no `health`. */
  health: Set<string> | null;
}

/** The type names, for suggestions when a declared type is misspelt. */
export const TYPE_NAMES = ['string', 'number', 'boolean', 'date', 'enum'] as const;

/**
 * Parses a declared type: `string`, `number`, `boolean`, `date` or
 * `enum(a, b, ...)`. Returns a problem message instead when it is not one.
 */
export function parseFieldType(text: string): { type: FieldType } | { problem: string; word?: string } {
  const t = text.trim();
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'date') return { type: { kind: t } };
  const m = /^enum\s*\((.*)\)$/s.exec(t);
  if (m) {
    const members = (m[1] ?? '').split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    if (members.length === 0 || members.some((s) => s === '')) return { problem: 'an enum lists its members: enum(a, b, c)' };
    const dup = members.find((s, i) => members.indexOf(s) !== i);
    if (dup !== undefined) return { problem: `the enum member \`${dup}\` is listed twice` };
    return { type: { kind: 'enum', members } };
  }
  if (/^enum\s*\(/.test(t)) {
    return { problem: 'this enum is cut short: inside a `{ ... }` flow map, commas split keys, so quote it ("enum(a, b)") or use a block map' };
  }
  const word = /^[A-Za-z_]+/.exec(t)?.[0];
  return { problem: `unknown type \`${t}\`; a type is string, number, boolean, date or enum(a, b, ...)`, ...(word ? { word } : {}) };
}
