/**
 * What the Temporal UI shows about a journey and its activities, so an
 * operator sees who and what each one is without reading a 15 KB IR: the
 * workflow's static summary (customer and playbook) and details (Markdown),
 * its memo (the same facts as data), and one-line activity summaries. Pure:
 * the gateway uses it to start journeys, the workflow for the next term's
 * journey and for every activity it schedules.
 */
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import type { Contract, FiredAction, JourneyCustomer } from './engine/types.ts';

/** The customer's name when it has one, else its id. */
export function customerLabel(customer: JourneyCustomer): string {
  const name = customer.attrs.name;
  return typeof name === 'string' && name !== '' ? name : customer.id;
}

/** Start options that describe a journey: static summary and details, memo. */
export function journeyMetadata(ir: PlaybookIR, customer: JourneyCustomer, contract: Contract): {
  staticSummary: string; staticDetails: string; memo: Record<string, string | number>;
} {
  const day = (at: number) => new Date(at).toISOString().slice(0, 10);
  const label = customerLabel(customer);
  return {
    staticSummary: `${label} on ${ir.title} (${ir.playbook})`,
    staticDetails: [
      `**Customer** ${label} (\`${customer.id}\`)`,
      `**Playbook** ${ir.title} (\`${ir.playbook}\`, version \`${ir.sourceHash.slice(0, 19)}\`, language ${ir.language ?? 1})`,
      `**Term** ${day(contract.start)} to ${day(contract.end)}`,
    ].join('  \n'),
    memo: {
      customer: customer.id, customerName: label, playbook: ir.playbook, playbookTitle: ir.title, playbookHash: ir.sourceHash,
      contractStart: new Date(contract.start).toISOString(), contractEnd: new Date(contract.end).toISOString(),
    },
  };
}

/** One line for the activity that delivers `action`: verb, recipient, and what fired it. */
export function actionSummary(action: FiredAction): string {
  const at = new Date(action.at).toISOString();
  switch (action.kind) {
    case 'remind': return `remind ${action.to} by ${action.channel}: ${action.subject ?? action.message?.split('\n', 1)[0] ?? action.template ?? action.source} (${action.source} at ${at})`;
    case 'escalate': return `escalate to ${action.to} (${action.source} at ${at})`;
    case 'webhook': return `webhook ${action.to} (${action.source} at ${at})`;
    case 'open_task': return `open task "${action.title}" for ${action.to} (${action.source} at ${at})`;
  }
}
