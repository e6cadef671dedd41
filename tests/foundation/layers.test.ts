/**
 * The layering rules of ARCHITECTURE.md, checked on the source itself:
 * the compiler (`dsl/`) and the journey engine (`workflows/engine/`) are pure
 * (no Node built-ins, no database, no HTTP, no Temporal), and workflow code
 * imports nothing that could break determinism in Temporal's sandbox. Within
 * those folders no module imports itself through others (an import cycle):
 * each file is one idea that the ones above it build on.
 * A lint rule would say the same; a test makes `npm test` enforce it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

/** Module specifiers of every static and dynamic import, type-only ones marked. */
function moduleImports(source: string): Array<{ specifier: string; typeOnly: boolean }> {
  const imports: Array<{ specifier: string; typeOnly: boolean }> = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const match of source.matchAll(statement)) {
    const specifier = match[3] ?? match[4] ?? match[5];
    if (specifier) imports.push({ specifier, typeOnly: match[2] !== undefined });
  }
  return imports;
}

/** Module specifiers of every static and dynamic import, except type-only ones (erased at run time). */
function runtimeImports(source: string): string[] {
  return moduleImports(source).filter((i) => !i.typeOnly).map((i) => i.specifier);
}

/**
 * Every import cycle of a module graph (file → the files it imports), each as
 * the path that closes it (`a.ts -> b.ts -> a.ts`), found by one depth-first
 * walk: an import of a file still on the walk's stack closes a cycle.
 */
function importCycles(graph: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const at = stack.indexOf(next);
      if (at >= 0) cycles.push([...stack.slice(at), next].join(' -> '));
      else if (!done.has(next)) visit(next);
    }
    stack.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) if (!done.has(file)) visit(file);
  return cycles;
}

/**
 * The import graph among a folder's files (relative to it), type-only imports
 * included: a cycle of types alone still ties the modules into one.
 */
function folderGraph(folder: string): Map<string, string[]> {
  const dir = join(ROOT, folder);
  const files = sourceFiles(dir);
  const inFolder = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = moduleImports(readFileSync(file, 'utf8'))
      .filter((i) => i.specifier.startsWith('.'))
      .map((i) => resolve(dirname(file), i.specifier))
      .filter((target) => inFolder.has(target));
    graph.set(relative(dir, file), targets.map((target) => relative(dir, target)));
  }
  return graph;
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

describe.each(['dsl', 'workflows/engine', 'workflows'])('%s/ modules', (folder) => {
  it('import one another without a cycle', () => {
    const graph = folderGraph(folder);
    expect(graph.size).toBeGreaterThan(0);
    expect(importCycles(graph)).toEqual([]);
  });
});

describe('importCycles', () => {
  it('names each cycle by the path that closes it, and passes a graph without one', () => {
    const graph = new Map([
      ['a.ts', ['b.ts', 'd.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['d.ts']],
    ]);
    expect(importCycles(graph)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts', 'd.ts -> d.ts']);
    expect(importCycles(new Map([['a.ts', ['b.ts', 'c.ts']], ['b.ts', ['c.ts']], ['c.ts', []]]))).toEqual([]);
  });
});

describe('moduleImports', () => {
  it('marks type-only imports', () => {
    const source = "import type { A } from './a.ts';\nimport { b } from './b.ts';\nexport type { C } from './c.ts';";
    expect(moduleImports(source)).toEqual([
      { specifier: './a.ts', typeOnly: true },
      { specifier: './b.ts', typeOnly: false },
      { specifier: './c.ts', typeOnly: true },
    ]);
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
