/**
 * Customer import from CSV: one row per customer, columns `id`,
 * `contract_start`, `contract_end`, optionally `enrolled_at`, then one column
 * per declared customer attribute. Cells are typed by the playbook's
 * declarations (a `number` attribute's cell is read as a number, a `boolean`
 * as true/false); an empty cell is a missing value. Every row is checked
 * before any is enrolled: an import with one bad row enrols nobody.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { latestPlaybookVersion } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import { EnrolBody, describeIssues } from './bodies.ts';
import { parseCsv } from './csv.ts';
import { checkCustomerFor } from './declaration-checks.ts';
import { formatInstant, parseInstant } from '../../workflows/engine/instant.ts';
import { journeysOfCustomers } from '../../store/journeys.ts';
import { overlapMessage, placeTerm } from '../../store/terms.ts';

/** A problem with one line of the file (line 1 is the header). */
export interface ImportError {
  line: number;
  id: string | null;
  error: string;
}

const FIXED_COLUMNS = ['id', 'contract_start', 'contract_end', 'enrolled_at'];

/** Parses and checks an import; either every row as an enrolment request, or the errors. */
export async function prepareImport(pool: Pool, playbook: string, csv: string): Promise<{ ok: true; requests: EnrolBody[] } | { ok: false; errors: ImportError[] }> {
  const version = await latestPlaybookVersion(pool, playbook);
  if (version === null) return { ok: false, errors: [{ line: 0, id: null, error: `unknown playbook '${playbook}' (not deployed)` }] };
  let rows;
  try {
    rows = parseCsv(csv);
  } catch (err) {
    return { ok: false, errors: [{ line: 0, id: null, error: (err as Error).message }] };
  }
  const [header, ...records] = rows;
  if (header === undefined) return { ok: false, errors: [{ line: 1, id: null, error: 'empty file: expected a header row' }] };
  const headerErrors = checkHeader(header.cells, version.ir);
  if (headerErrors.length > 0) return { ok: false, errors: headerErrors.map((error) => ({ line: header.line, id: null, error })) };
  const errors: ImportError[] = [];
  const requests: EnrolBody[] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const cells = Object.fromEntries(header.cells.map((name, i) => [name, record.cells[i] ?? '']));
    const id = cells.id ?? '';
    if (record.cells.length !== header.cells.length) {
      errors.push({ line: record.line, id: id || null, error: `expected ${header.cells.length} cells, found ${record.cells.length}` });
      continue;
    }
    const previous = seen.get(id);
    if (previous !== undefined) {
      errors.push({ line: record.line, id, error: `customer '${id}' already appears on line ${previous}` });
      continue;
    }
    seen.set(id, record.line);
    const raw: Record<string, unknown> = { id };
    for (const name of Object.keys(version.ir.customer)) raw[name] = cells[name];
    const contract = { start: cells.contract_start ?? '', end: cells.contract_end ?? '' };
    const checked = checkCustomerFor(version.ir, { ...raw, id }, contract, 'text');
    if (!checked.ok) {
      errors.push({ line: record.line, id: id || null, error: checked.errors.join('; ') });
      continue;
    }
    // Back to JSON values (dates as ISO text), as POST /customers would carry them.
    const customer: Record<string, unknown> = { id };
    for (const [name, value] of Object.entries(checked.value.customer.attrs)) {
      customer[name] = version.ir.customer[name]?.kind === 'date' && typeof value === 'number' ? formatInstant(value) : value;
    }
    const body = EnrolBody.safeParse({
      playbook, customer, contract,
      ...(cells.enrolled_at ? { enrolled_at: cells.enrolled_at } : {}),
    });
    if (!body.success) errors.push({ line: record.line, id: id || null, error: describeIssues(body.error).join('; ') });
    else requests.push(body.data);
  }
  if (records.length === 0) errors.push({ line: header.line, id: null, error: 'no customer rows after the header' });
  // All or nothing: a row whose contract overlaps an enrolled term of that customer refuses the file (its own term is fine: already enrolled).
  const stored = errors.length > 0 ? [] : await journeysOfCustomers(pool, requests.map((r) => r.customer.id));
  const termsOf = Map.groupBy(stored.filter((j) => j.playbook === playbook), (j) => j.customerId);
  for (const request of requests) {
    const terms = termsOf.get(request.customer.id) ?? [];
    const contract = { start: parseInstant(request.contract.start)!, end: parseInstant(request.contract.end)! };
    const placed = placeTerm(terms, contract);
    if (placed.kind === 'overlapping') errors.push({ line: seen.get(request.customer.id)!, id: request.customer.id, error: overlapMessage(placed.journey, contract) });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, requests };
}

function checkHeader(columns: string[], ir: PlaybookIR): string[] {
  const errors: string[] = [];
  for (const required of ['id', 'contract_start', 'contract_end']) {
    if (!columns.includes(required)) errors.push(`missing column '${required}'`);
  }
  for (const column of columns) {
    if (!FIXED_COLUMNS.includes(column) && ir.customer[column] === undefined) {
      errors.push(`column '${column}' is not an attribute declared by playbook '${ir.playbook}' (declared: ${Object.keys(ir.customer).join(', ')})`);
    }
  }
  const duplicates = columns.filter((c, i) => columns.indexOf(c) !== i);
  for (const column of new Set(duplicates)) errors.push(`column '${column}' appears twice`);
  return errors;
}
