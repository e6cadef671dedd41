/**
 * The journey's workflow id: one journey per customer and playbook, so
 * enrolling twice finds the journey already running instead of starting a
 * second one. Playbook ids are `[a-z][a-z0-9-]*`, so `:` cannot be ambiguous.
 */
export function journeyWorkflowId(playbook: string, customerId: string): string {
  return `journey:${playbook}:${customerId}`;
}

/**
 * The workflow id of the term of `customerId` on `playbook` that starts at
 * `contractStart` (epoch ms), for every term after a customer's first on a
 * playbook (reference §9: a term is its customer, playbook and contract start).
 * A renewed journey starts its next term under this id, so a retried or
 * replayed start finds it started; the API enrols a new term under it too.
 */
export function journeyTermWorkflowId(playbook: string, customerId: string, contractStart: number): string {
  return `${journeyWorkflowId(playbook, customerId)}:term:${new Date(contractStart).toISOString()}`;
}
