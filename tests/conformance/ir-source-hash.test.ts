/**
 * reference §1: the IR carries the source's content hash. `milepost compile` of a
 * playbook prints an IR whose `sourceHash` is the SHA-256 of the file's bytes
 * (checked with node:crypto, independently of the compiler's own sha256.ts),
 * and (v2, reference §8: "the source hash covers them") of the template files it
 * names: the source, then per template name in sorted order
 * `\0template <name>\0<file text>`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCase } from './run-case.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('reference §1 IR content hash', () => {
  for (const name of ['clinic-first-year', 'at-risk-save', 'enterprise-vip']) {
    it(`compile ${name}: sourceHash is the SHA-256 of the file`, async () => {
      const source = readFileSync(join(root, 'playbooks', `${name}.yaml`), 'utf8');
      // The template names the playbook uses (`template: <name>`), read from the reference folder.
      const names = [...new Set([...source.matchAll(/^\s*template:\s*([a-z0-9_-]+)\s*$/gm)].map((m) => m[1]!))].sort();
      const templates: Record<string, string> = {};
      for (const n of names) {
        const file = join(root, 'playbooks', 'templates', `${n}.md`);
        if (existsSync(file)) templates[n] = readFileSync(file, 'utf8');
      }
      const run = await runCase({ name, playbook: source, timeline: '', command: 'compile', argv: ['playbook.yaml'], templates });
      expect(run.stderr).toBe('');
      expect(run.exit).toBe(0);
      const ir = JSON.parse(run.stdout) as { sourceHash: string; playbook: string };
      expect(ir.playbook).toBe(name);
      const hash = createHash('sha256').update(source);
      for (const n of names) hash.update(`\u0000template ${n}\u0000${templates[n]}`);
      expect(ir.sourceHash).toBe(`sha256:${hash.digest('hex')}`);
    });
  }
});
