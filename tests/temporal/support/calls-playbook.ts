/**
 * A small version-2 playbook for the task tests and recorded histories: two
 * milestones, each opening a call task (due in 2 days) whose `overdue:`
 * escalates to the manager.
 */
import { compilePlaybook } from '../../../dsl/index.ts';
import type { PlaybookIR } from '../../../dsl/ir/schema.ts';

/** Two milestones, each with a call task (due in 2 days) escalated to the manager if still open at its due instant. */
export function callsPlaybook(): PlaybookIR {
  const { ir, diagnostics } = compilePlaybook(`
playbook: calls
title: Calls
customer:
  name: string
  csm: string
  manager: string
events:
  activated: {}
  trained: {}
milestones:
  - id: activation
    title: Activated
    due: day 7
    done_when: happened(activated)
    steps:
      - at: due - 3 days
        open_task: "Call {{customer.name}}"
        due_in: 2 days
      - at: due - 3 days
        escalate: manager
        message: "Call not made for {{customer.name}}"
  - id: training
    title: Trained
    due: day 20
    done_when: happened(trained)
    steps:
      - at: due - 10 days
        open_task: "Train {{customer.name}}"
        due_in: 5 days
      - at: due - 10 days
        escalate: manager
        message: "Training not booked for {{customer.name}}"
`, 'calls.yaml');
  if (!ir) throw new Error(JSON.stringify(diagnostics));
  // The compiler of this tree does not write `overdue:` yet: move each milestone's second step into the first's overdue list.
  for (const m of ir.milestones) {
    const [task, escalate] = m.steps.map((s) => s.action);
    if (task?.kind !== 'open_task' || escalate === undefined) throw new Error('unexpected IR');
    task.overdue = [escalate];
    m.steps = m.steps.slice(0, 1);
  }
  return { ...ir, language: 2 };
}

