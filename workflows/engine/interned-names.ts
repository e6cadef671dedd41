/**
 * Names used as property keys on the engine's hot path (event types, fields,
 * customer attributes), internalised once when a playbook is compiled.
 */

/**
 * The internalised copy of a string (the one V8 uses for property names).
 * Names read from parsed YAML or JSON may be other string objects with the
 * same text; used as keys (`data[field]`), they make V8's optimised code
 * deoptimise on every call ("unexpected name in keyed access") and never
 * recover, which cost more than half the engine's time.
 */
export function internalize(name: string): string {
  return Object.keys({ [name]: 0 })[0]!;
}
