/**
 * The journey's workflow id: one journey per customer and playbook, so
 * enrolling twice finds the journey already running instead of starting a
 * second one. Playbook ids are `[a-z][a-z0-9-]*`, so `:` cannot be ambiguous.
 */
export function journeyWorkflowId(playbook: string, customerId: string): string {
  return `journey:${playbook}:${customerId}`;
}
