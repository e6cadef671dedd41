/**
 * Runs one SPEC conformance case through the real CLI code path
 * (`milepost simulate <playbook> <timeline> --json [...]`, in-process via
 * `main`), with the playbook and timeline written to a throwaway folder.
 *
 * A case file (`cases/*.yaml`) holds a default playbook and a list of cases:
 *
 * ```yaml
 * playbook: |            # default for every case of the file
 *   ...
 * cases:
 *   - name: ...          # what is checked, with the SPEC clause
 *     why: ...           # the hand computation from SPEC.md
 *     playbook: |        # optional override
 *     timeline: |
 *     args: [--until, 2026-03-01]
 *     command: validate  # optional; default simulate
 *     argv: [...]        # optional: the whole argument list after the command
 *                        # (default: playbook.yaml timeline.yaml --json ...args)
 *     expect:            # any subset of the reference §12 report's top-level keys
 *       milestones: [...]
 *     exit: 2            # instead of `expect`: the exit code...
 *     stderr: "regex"    # ...and a pattern for the one-line reason
 * ```
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { main } from '../../client/cli/main.ts';

/** One conformance case, as written in a case file. */
export interface ConformanceCase {
  name: string;
  why?: string;
  playbook?: string;
  timeline: string;
  args?: string[];
  command?: string;
  argv?: string[];
  expect?: Record<string, unknown>;
  exit?: number;
  stderr?: string;
  /** (v2) Patterns the stderr warnings must match (reference §11: ignored fields and attributes). */
  warnings?: string[];
  /** (v2) Template files written beside the playbook, `templates/<name>.md` (reference §8). */
  templates?: Record<string, string>;
}

/** A case file: a default playbook and its cases. */
export interface CaseFile {
  playbook?: string;
  /** (v2) Template files for every case of the file (a case's own `templates` adds to them). */
  templates?: Record<string, string>;
  cases: ConformanceCase[];
}

/** Every case file of a folder (not recursive), by file name. */
export function loadCaseFiles(dir: string): Array<{ file: string; cases: Array<ConformanceCase & { playbook: string }> }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const parsed = parseYaml(readFileSync(join(dir, file), 'utf8')) as CaseFile;
      const cases = parsed.cases.map((c) => {
        const playbook = c.playbook ?? parsed.playbook;
        if (playbook === undefined) throw new Error(`${file}: case '${c.name}' has no playbook`);
        const templates = parsed.templates || c.templates ? { ...parsed.templates, ...c.templates } : undefined;
        return { ...c, playbook, ...(templates ? { templates } : {}) };
      });
      return { file, cases };
    });
}

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream, text: () => out };
}

/** What running a case gave: the exit code, stdout and stderr. */
export interface CaseRun {
  exit: number;
  stdout: string;
  stderr: string;
}

/** Runs `milepost simulate <playbook> <timeline> --json ...args` (or the case's own command line) in-process. */
export async function runCase(c: ConformanceCase & { playbook: string }): Promise<CaseRun> {
  const dir = mkdtempSync(join(tmpdir(), 'milepost-conformance-'));
  writeFileSync(join(dir, 'playbook.yaml'), c.playbook);
  if (c.templates) {
    mkdirSync(join(dir, 'templates'));
    for (const [name, text] of Object.entries(c.templates)) writeFileSync(join(dir, 'templates', `${name}.md`), text);
  }
  writeFileSync(join(dir, 'timeline.yaml'), c.timeline);
  const out = sink();
  const err = sink();
  const argv = c.argv ?? ['playbook.yaml', 'timeline.yaml', '--json', ...(c.args ?? [])];
  let exit: number;
  try {
    exit = await main([c.command ?? 'simulate', ...argv], {
      stdout: out.stream,
      stderr: err.stream,
      cwd: dir,
      env: { NO_COLOR: '1' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { exit, stdout: out.text(), stderr: err.text() };
}
