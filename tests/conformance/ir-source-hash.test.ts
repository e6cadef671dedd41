/**
 * SPEC §1: the IR carries the source's content hash. `milepost compile` of a
 * playbook prints an IR whose `sourceHash` is the SHA-256 of the file's bytes
 * (checked with node:crypto, independently of the compiler's own sha256.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCase } from './run-case.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('SPEC §1 IR content hash', () => {
  for (const name of ['clinic-first-year', 'at-risk-save', 'enterprise-vip']) {
    it(`compile ${name}: sourceHash is the SHA-256 of the file`, async () => {
      const source = readFileSync(join(root, 'playbooks', `${name}.yaml`), 'utf8');
      const run = await runCase({ name, playbook: source, timeline: '', command: 'compile', argv: ['playbook.yaml'] });
      expect(run.exit).toBe(0);
      const ir = JSON.parse(run.stdout) as { sourceHash: string; playbook: string };
      expect(ir.playbook).toBe(name);
      expect(ir.sourceHash).toBe(`sha256:${createHash('sha256').update(source).digest('hex')}`);
    });
  }
});
