/**
 * Two versions of the clinic playbook for versioning tests: v1 as in
 * playbooks/, v2 with activation due a month later, the complaint trigger
 * gone and a new risk.
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { compilePlaybook } from '../../../dsl/index.ts';
import { templatesBeside } from '../../../client/files/template-files.ts';
import type { PlaybookIR } from '../../../dsl/ir/schema.ts';

function compile(text: string): PlaybookIR {
  const { ir, diagnostics } = compilePlaybook(text, 'clinic.yaml', { templates: templatesBeside(fileURLToPath(new URL('../../../playbooks/clinic-first-year.yaml', import.meta.url))) });
  if (!ir) throw new Error(JSON.stringify(diagnostics.map((d) => d.message)));
  return ir;
}

export function clinicVersions(): { v1: PlaybookIR; v2: PlaybookIR; source: string; compile: (text: string) => PlaybookIR } {
  const source = readFileSync(new URL('../../../playbooks/clinic-first-year.yaml', import.meta.url), 'utf8');
  const v2 = source
    .replace('    due: month 1                  # required time expression', '    due: month 2')
    .replace(/triggers:\n  - id: complaint_sla[\s\S]*$/, 'triggers: []\n')
    .replace('risks:\n', 'risks:\n  - id: many_tickets\n    title: Many tickets\n    when: count(ticket_opened within 30 days) >= 3\n    level: medium\n    actions:\n      - remind: csm\n        message: "{{customer.name}} opened many tickets"\n\n');
  return { v1: compile(source), v2: compile(v2), source, compile };
}
