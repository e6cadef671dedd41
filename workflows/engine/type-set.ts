/**
 * Sets of event types, by a compiled playbook's type index
 * (`EventTypeInfo.index` in compiled-playbook.ts): what a rule reads, and which types became
 * visible at an instant. The engine's one representation of event-type
 * dependencies: a fixed-size bitset, one 32-bit word per 32 types, sized by
 * the playbook's type count (every set of one playbook has the same size, so
 * two of them are compared word by word). The operations allocate nothing:
 * sets are made when a playbook is compiled or an advance starts, then
 * changed in place.
 */

/** A set of event type indices (bit `i % 32` of word `i / 32`: type `i`). */
export type TypeSet = Uint32Array;

/** An empty set for a playbook with `types` event types. */
export function typeSet(types: number): TypeSet {
  return new Uint32Array(Math.max(1, Math.ceil(types / 32)));
}

/** Adds type `i`. */
export function addType(set: TypeSet, i: number): void {
  const w = i >>> 5;
  set[w] = set[w]! | (1 << (i & 31));
}

/** Is type `i` in the set? */
export function hasType(set: TypeSet, i: number): boolean {
  return (set[i >>> 5]! & (1 << (i & 31))) !== 0;
}

/** Adds every type of `from` (a set of the same playbook). */
export function addTypes(set: TypeSet, from: TypeSet): void {
  for (let w = 0; w < set.length; w++) set[w] = set[w]! | from[w]!;
}

/** Empties the set. */
export function clearTypes(set: TypeSet): void {
  for (let w = 0; w < set.length; w++) set[w] = 0;
}

/** Do two sets of the same playbook share a type? */
export function intersects(a: TypeSet, b: TypeSet): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w]! & b[w]!) !== 0) return true;
  return false;
}

/**
 * The smallest type in the set that is `from` or above, or -1 when none: the
 * members in order are `for (let i = nextType(s, 0); i >= 0; i = nextType(s, i + 1))`.
 */
export function nextType(set: TypeSet, from: number): number {
  let w = from >>> 5;
  if (w >= set.length) return -1;
  // The word's bits below `from` are masked off; later words are read whole.
  let bits = set[w]! & (~0 << (from & 31));
  for (;;) {
    if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits & -bits);
    if (++w >= set.length) return -1;
    bits = set[w]!;
  }
}
