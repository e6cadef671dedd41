/** The values the dashboard's dropdown filters offer: what the store holds, not free text. */
import type { Queryable } from './queryable.ts';

/** Every playbook with a journey, and every CSM of a customer, sorted. */
export async function filterValues(db: Queryable): Promise<{ playbooks: string[]; csms: string[] }> {
  const [playbooks, csms] = await Promise.all([
    db.query<{ v: string }>('SELECT DISTINCT playbook AS v FROM journeys ORDER BY 1'),
    db.query<{ v: string }>('SELECT DISTINCT csm AS v FROM customers WHERE csm IS NOT NULL ORDER BY 1'),
  ]);
  return { playbooks: playbooks.rows.map((r) => r.v), csms: csms.rows.map((r) => r.v) };
}
