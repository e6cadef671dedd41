/**
 * Enrols the demo book through the HTTP API, as an integration would: one
 * `POST /customers` per customer carrying its event history. Idempotent:
 * started again, every customer answers 200 (already enrolled) and nothing is
 * enrolled twice.
 */
import { demoBook } from '../demo/demo-book.ts';

export interface SeedResult {
  enrolled: number;
  alreadyEnrolled: number;
  events: number;
}

/** Enrols every demo customer at `baseUrl` with `token`; throws on the first refusal. */
export async function seedDemoBook(baseUrl: string, token: string, now: number): Promise<SeedResult> {
  const result: SeedResult = { enrolled: 0, alreadyEnrolled: 0, events: 0 };
  const book = demoBook(now);
  for (const entry of book) {
    const response = await fetch(`${baseUrl}/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        playbook: entry.playbook,
        customer: entry.customer,
        contract: entry.contract,
        // Enrolled when their contract started: the journeys have run all along.
        enrolled_at: entry.contract.start,
        events: entry.events,
      }),
    });
    if (response.status === 201) result.enrolled += 1;
    else if (response.status === 200) result.alreadyEnrolled += 1;
    else throw new Error(`enrolling ${entry.customer.id} failed with ${response.status}: ${await response.text()}`);
    result.events += entry.events.length;
  }
  // Reading each journey's report stores it as the dashboard's read model, so
  // the dashboard shows every demo journey from the first page view.
  for (const entry of book) {
    const response = await fetch(`${baseUrl}/customers/${encodeURIComponent(entry.customer.id)}/journeys/${entry.playbook}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status !== 200) throw new Error(`reading the journey of ${entry.customer.id} failed with ${response.status}: ${await response.text()}`);
  }
  return result;
}
