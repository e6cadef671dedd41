/** The event-type sets of type-set.ts: membership across word boundaries, intersection, iteration in order. */
import { describe, expect, it } from 'vitest';
import { addType, addTypes, clearTypes, hasType, intersects, nextType, typeSet } from '../../workflows/engine/type-set.ts';
import type { TypeSet } from '../../workflows/engine/type-set.ts';

function members(set: TypeSet): number[] {
  const out: number[] = [];
  for (let i = nextType(set, 0); i >= 0; i = nextType(set, i + 1)) out.push(i);
  return out;
}

describe('type sets', () => {
  it('are sized by the type count, one word at the least', () => {
    expect(typeSet(0).length).toBe(1);
    expect(typeSet(32).length).toBe(1);
    expect(typeSet(33).length).toBe(2);
  });

  it('hold types on both sides of a word boundary, bit 31 included', () => {
    const set = typeSet(70);
    for (const i of [0, 5, 31, 32, 63, 69]) addType(set, i);
    expect(members(set)).toEqual([0, 5, 31, 32, 63, 69]);
    expect(hasType(set, 31)).toBe(true);
    expect(hasType(set, 30)).toBe(false);
    expect(nextType(set, 6)).toBe(31);
    expect(nextType(set, 33)).toBe(63);
    expect(nextType(set, 70)).toBe(-1);
  });

  it('intersect only when they share a type; union and clear in place', () => {
    const a = typeSet(40), b = typeSet(40);
    addType(a, 3);
    addType(b, 35);
    expect(intersects(a, b)).toBe(false);
    addTypes(a, b);
    expect(members(a)).toEqual([3, 35]);
    expect(intersects(a, b)).toBe(true);
    clearTypes(a);
    expect(members(a)).toEqual([]);
    expect(intersects(a, b)).toBe(false);
  });
});
