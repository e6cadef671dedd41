/**
 * The playbook language version an IR was compiled under (SPEC "Language
 * versions"): IRs from before version 2 carry no `language` key and read as
 * version 1. Every version-2 rule of the engine is behind {@link isV2}, so a
 * journey pinned to a version-1 IR keeps exactly its version-1 state, actions
 * and report.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';

/** Does this IR follow language version 2 (or later)? */
export function isV2(ir: PlaybookIR): boolean {
  return (ir.language ?? 1) >= 2;
}
