/**
 * The layering rules of ARCHITECTURE.md, checked on the source itself:
 * the compiler (`dsl/`) and the journey engine (`workflows/engine/`) are pure
 * (no Node built-ins, no database, no HTTP, no Temporal), and workflow code
 * imports nothing that could break determinism in Temporal's sandbox.
 * A lint rule would say the same; a test makes `npm test` enforce it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Module specifiers of every static and dynamic import, except type-only ones (erased at run time). */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const match of source.matchAll(statement)) {
    if (match[2]) continue;
    const specifier = match[3] ?? match[4] ?? match[5];
    if (specifier) specifiers.push(specifier);
  }
  return specifiers;
}

const FORBIDDEN_IN_PURE_CORE = [/^node:/, /^(fs|path|os|crypto|child_process|http|https|net)$/, /^pg$/, /^fastify/, /^@temporalio\//, /^nodemailer/];

describe.each([
  ['dsl', FORBIDDEN_IN_PURE_CORE],
  ['workflows/engine', FORBIDDEN_IN_PURE_CORE],
  // Workflow code may use @temporalio/workflow, and nothing else with I/O or clocks.
  ['workflows', [...FORBIDDEN_IN_PURE_CORE.slice(0, 4), /^nodemailer/, /^@temporalio\/(?!workflow$|common$)/]],
] as const)('%s/ imports', (folder, forbidden) => {
  it('uses nothing that does I/O or breaks determinism', () => {
    const offending: string[] = [];
    for (const file of sourceFiles(join(ROOT, folder))) {
      for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
        if (forbidden.some((pattern) => pattern.test(specifier))) offending.push(`${relative(ROOT, file)} imports ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe('runtimeImports', () => {
  it('sees static, side-effect and dynamic imports but not type-only ones', () => {
    const source = [
      "import { a } from 'node:fs';",
      "import type { B } from 'pg';",
      "import 'fastify';",
      "const c = await import('node:net');",
      "export { d } from './d.ts';",
    ].join('\n');
    expect(runtimeImports(source)).toEqual(['node:fs', 'fastify', 'node:net', './d.ts']);
  });
});
