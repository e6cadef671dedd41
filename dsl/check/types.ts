/**
 * Static types of rule expressions, as the checker sees them. Richer than
 * the IR's ValueType: enums keep their members (to check `== "vipp"`) and
 * durations exist (they are valid only as parts of time expressions).
 */
import type { FieldType, ValueType } from '../ir/schema.ts';

/** A checked expression's static type. */
export interface Ty {
  t: 'number' | 'string' | 'boolean' | 'date' | 'null' | 'list' | 'duration' | 'error';
  /** Enum members, when the string is an enum attribute or field. */
  members?: readonly string[];
  /** Item type of a list. */
  item?: Ty;
}

/** The plain types, shared (types are never mutated). `ERROR` is compatible with everything, so one mistake is reported once. */
export const NUMBER: Ty = { t: 'number' };
export const STRING: Ty = { t: 'string' };
export const BOOLEAN: Ty = { t: 'boolean' };
export const DATE: Ty = { t: 'date' };
export const NULL: Ty = { t: 'null' };
export const ERROR: Ty = { t: 'error' };

/** The checker's type of a declared attribute or field. */
export function fromFieldType(f: FieldType): Ty {
  return f.kind === 'enum' ? { t: 'string', members: f.members } : { t: f.kind };
}

/** The IR's ValueType for a checked type (enums are strings at run time). */
export function toValueType(ty: Ty): ValueType {
  if (ty.t === 'error' || ty.t === 'duration') return 'null';
  return ty.t;
}

/** A type in words, for messages. */
export function describeType(ty: Ty): string {
  switch (ty.t) {
    case 'number': return 'a number';
    case 'string': return ty.members ? `an enum (${ty.members.join(', ')})` : 'a string';
    case 'boolean': return 'a true/false condition';
    case 'date': return 'a date';
    case 'null': return '`null`';
    case 'list': return 'a list';
    case 'duration': return 'a duration';
    case 'error': return 'an invalid value';
  }
}
