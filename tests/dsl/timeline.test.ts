/**
 * (v2) Strict timelines (reference §11): unknown keys are errors naming their
 * line, undeclared fields and attributes are warnings with their line, the
 * `tasks:` section is read with its lines, and every timeline error says
 * where it is.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../client/cli/main.ts';
import { parseTimeline, TimelineError } from '../../client/simulate/timeline.ts';
import { compilePlaybook } from '../../dsl/index.ts';
import { templatesBeside } from '../../client/files/template-files.ts';
import { where } from './helpers.ts';

const root = new URL('../../', import.meta.url).pathname;
const clinicPath = join(root, 'playbooks/clinic-first-year.yaml');
const { ir } = compilePlaybook((await import('node:fs')).readFileSync(clinicPath, 'utf8'), clinicPath, { templates: templatesBeside(clinicPath) });

const HEAD = `customer:
  id: acme-clinic
  name: Acme Clinic
  segment: clinic
  tier: growth
  arr: 24000
  csm: ada@example.com
  manager: max@example.com
contract:
  start: 2026-01-31
  end: 2027-01-31
`;
const EVENTS = `events:
  - { at: 2026-02-20T09:30:00Z, type: activated }
  - { at: 2026-03-02, type: ticket_opened, data: { category: ops, severity: 1 } }
`;

/** The error message of parsing `text`, which must fail. */
function failure(text: string): string {
  try {
    parseTimeline(ir!, text, 't.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(TimelineError);
    return (err as Error).message;
  }
  throw new Error('expected a TimelineError');
}

describe('strict timelines', () => {
  it.each<[string, string, string, string]>([
    ['a misspelt data key', `${HEAD}${EVENTS}  - { at: 2026-04-02, type: complaint, dta: { severity: 2 } }\n`, 'dta', "events[2]: unknown key 'dta' in an event; did you mean `data`?"],
    ['a field written beside type', `${HEAD}${EVENTS}  - { at: 2026-04-02, type: complaint, severity: 2 }\n`, 'severity: 2 }', "a data field goes under 'data:'"],
    ['an unknown top-level key', `${HEAD}notes: first year\n${EVENTS}`, 'notes', "unknown key 'notes' in the timeline (the keys are customer, contract, events, tasks)"],
    ['an undeclared event type', `${HEAD}${EVENTS}  - { at: 2026-04-02, type: complain }\n`, 'complain }', "event type 'complain' is not declared"],
    ['a field of the wrong type', `${HEAD}${EVENTS}  - { at: 2026-04-02, type: complaint, data: { severity: high } }\n`, 'high', "field 'severity' of 'complaint'"],
    ['an instant that is not one', `${HEAD}${EVENTS}  - { at: next week, type: activated }\n`, 'next week', "event 'at' must be an ISO-8601 instant"],
    ['a missing attribute', HEAD.replace('  tier: growth\n', '') + EVENTS, 'customer:', "customer attribute 'tier'"],
    ['an attribute of the wrong type', HEAD.replace('tier: growth', 'tier: gold') + EVENTS, 'gold', "customer attribute 'tier'"],
    ['a contract end before its start', HEAD.replace('end: 2027-01-31', 'end: 2025-01-31') + EVENTS, '2025-01-31', "'contract.end' must be after 'contract.start'"],
    ['a tab in the indentation', HEAD.replace('  name: Acme', '\tname: Acme') + EVENTS, '\tname', 'not valid YAML'],
    ['an unknown key in a task close', `${HEAD}${EVENTS}tasks:\n  - { task: "trigger/complaint_sla/0@2026-04-02T00:00:00.000Z", closed_at: 2026-04-02T08:00:00Z, who: ada }\n`, 'who', "tasks[0]: unknown key 'who' in a task close"],
    ['a task close without an instant', `${HEAD}${EVENTS}tasks:\n  - { task: "trigger/complaint_sla/0@2026-04-02T00:00:00.000Z", closed_at: soon }\n`, 'soon', "'closed_at' must be an ISO-8601 instant"],
    ['a task close without a task', `${HEAD}${EVENTS}tasks:\n  - { closed_at: 2026-04-02T08:00:00Z }\n`, '{ closed_at', "'task' must be a task id"],
  ])('%s is an error naming its line and column', (_name, text, needle, words) => {
    const message = failure(text);
    expect(message).toContain(`t.yaml:${where(text, needle)}: `);
    expect(message).toContain(words);
  });

  it('warns, with the line, about undeclared attributes, data fields and contract keys, and ignores them', () => {
    const text = `${HEAD.replace('  arr: 24000\n', '  arr: 24000\n  segmnet: clinic\n').replace('  end: 2027-01-31\n', '  end: 2027-01-31\n  signed_by: max\n')}${EVENTS}  - { at: 2026-04-02, type: complaint, data: { severity: 2, sevrity: 3 } }\n`;
    const t = parseTimeline(ir!, text, 't.yaml');
    expect(t.warnings).toEqual([
      `t.yaml:${where(text, 'segmnet')}: warning: customer attribute 'segmnet' is not declared by playbook 'clinic-first-year' and is ignored; did you mean \`segment\`?`,
      `t.yaml:${where(text, 'signed_by')}: warning: 'contract.signed_by' is not part of a contract (start, end) and is ignored`,
      `t.yaml:${where(text, 'sevrity')}: warning: events[2]: field 'sevrity' is not declared for 'complaint' and is ignored; did you mean \`severity\`?`,
    ]);
    expect(t.events[2]!.data).toEqual({ severity: 2 });
    expect(t.customer.attrs).not.toHaveProperty('segmnet');
  });

  it('reads the tasks section with each close\'s line', () => {
    const text = `${HEAD}${EVENTS}tasks:\n  - { task: "trigger/complaint_sla/0@2026-04-02T00:00:00.000Z", closed_at: 2026-04-02T08:00:00Z, by: ada@example.com, note: called back }\n  - task: milestone/activation/step/1@2026-02-28T00:00:00.000Z\n    closed_at: 2026-03-01\n`;
    const t = parseTimeline(ir!, text, 't.yaml');
    expect(t.tasks).toEqual([
      { task: 'trigger/complaint_sla/0@2026-04-02T00:00:00.000Z', at: Date.UTC(2026, 3, 2, 8), by: 'ada@example.com', note: 'called back', line: 16 },
      { task: 'milestone/activation/step/1@2026-02-28T00:00:00.000Z', at: Date.UTC(2026, 2, 1), by: null, note: null, line: 17 },
    ]);
    expect(parseTimeline(ir!, `${HEAD}${EVENTS}`, 't.yaml').tasks).toEqual([]);
  });
});

describe('milepost simulate with a strict timeline', () => {
  const sink = () => {
    const w = new Writable({ write(chunk, _e, done) { w.text += String(chunk); done(); } }) as Writable & { text: string };
    w.text = '';
    return w;
  };
  const run = async (argv: string[]) => {
    const stdout = sink();
    const stderr = sink();
    const code = await main(argv, { stdout, stderr, cwd: root, env: {} });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  const dir = mkdtempSync(join(tmpdir(), 'milepost-timeline-'));

  it('prints warnings on stderr as path:line:col: warning: and exits 0', async () => {
    const text = `${HEAD.replace('  arr: 24000\n', '  arr: 24000\n  segmnet: clinic\n')}${EVENTS}`;
    const file = join(dir, 'warn.yaml');
    writeFileSync(file, text);
    const r = await run(['simulate', 'playbooks/clinic-first-year.yaml', file, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`${file}:${where(text, 'segmnet')}: warning: customer attribute 'segmnet' is not declared by playbook 'clinic-first-year' and is ignored; did you mean \`segment\`?\n`);
    expect(JSON.parse(r.stdout).customer).toBe('acme-clinic');
  });

  it('exits 2 with the line of an unknown event key', async () => {
    const text = `${HEAD}${EVENTS}  - { at: 2026-04-02, type: complaint, dta: { severity: 2 } }\n`;
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, text);
    const r = await run(['simulate', 'playbooks/clinic-first-year.yaml', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:${where(text, 'dta')}: events[2]: unknown key 'dta'`);
  });
});
