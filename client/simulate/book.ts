/**
 * A book of customers for backtesting: every timeline YAML in a folder, or
 * one CSV file with a row per event.
 *
 * CSV columns (header row, any order): `customer` (the id), `contract_start`,
 * `contract_end`, one column per declared customer attribute (by its name),
 * `at`, `type`, and `data.<field>` for event fields. Rows are grouped by
 * `customer` in order of first appearance; the customer's attributes and
 * contract are read from its first row that has them; a row with an empty
 * `type` only declares the customer. Cells are typed by the declarations, as
 * in the API's customer import.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { parseCsv } from '../api/csv.ts';
import { checkTimeline, loadTimeline, TimelineError } from './timeline.ts';
import type { Timeline } from './timeline.ts';

/** Loads every timeline of a folder (`*.yaml`, `*.yml`, sorted by name) or a CSV file. */
export async function loadBook(ir: PlaybookIR, path: string, shown: string): Promise<Timeline[]> {
  const info = await stat(path).catch(() => null);
  if (info === null) throw new TimelineError(`${shown}: cannot read: no such file or folder`);
  if (info.isDirectory()) {
    const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n)).sort();
    if (names.length === 0) throw new TimelineError(`${shown}: no timeline files (*.yaml) in this folder`);
    const book: Timeline[] = [];
    for (const name of names) book.push(await loadTimeline(ir, join(path, name)));
    return book;
  }
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new TimelineError(`${shown}: cannot read: ${err.code ?? err.message}`);
  });
  if (!/\.csv$/i.test(path)) {
    // One YAML timeline is a book of one.
    return [await loadTimeline(ir, path)];
  }
  return parseBookCsv(ir, text, shown);
}

/** Parses a CSV book (see the module doc). */
export function parseBookCsv(ir: PlaybookIR, text: string, shown: string): Timeline[] {
  let rows;
  try {
    rows = parseCsv(text);
  } catch (err) {
    throw new TimelineError(`${shown}: ${(err as Error).message}`);
  }
  const [header, ...records] = rows;
  if (header === undefined) throw new TimelineError(`${shown}: empty file: expected a header row`);
  const columns = header.cells.map((c) => c.trim());
  for (const required of ['customer', 'contract_start', 'contract_end', 'at', 'type']) {
    if (!columns.includes(required)) throw new TimelineError(`${shown}: missing column '${required}'`);
  }
  const customers = new Map<string, { customer: Record<string, unknown>; contract: Record<string, unknown>; events: unknown[]; line: number }>();
  for (const record of records) {
    const cell = (name: string): string => record.cells[columns.indexOf(name)] ?? '';
    const id = cell('customer').trim();
    if (id === '') throw new TimelineError(`${shown}:${record.line}: empty 'customer' cell`);
    let entry = customers.get(id);
    if (entry === undefined) {
      entry = { customer: { id }, contract: {}, events: [], line: record.line };
      customers.set(id, entry);
    }
    for (const name of Object.keys(ir.customer)) if (entry.customer[name] === undefined && cell(name) !== '') entry.customer[name] = cell(name);
    if (entry.contract['start'] === undefined && cell('contract_start') !== '') entry.contract['start'] = cell('contract_start');
    if (entry.contract['end'] === undefined && cell('contract_end') !== '') entry.contract['end'] = cell('contract_end');
    if (cell('type') === '') continue;
    const data: Record<string, string> = {};
    columns.forEach((c, i) => {
      if (c.startsWith('data.') && (record.cells[i] ?? '') !== '') data[c.slice(5)] = record.cells[i]!;
    });
    entry.events.push({ at: cell('at'), type: cell('type'), data });
  }
  const book: Timeline[] = [];
  for (const [id, entry] of customers) {
    try {
      book.push(checkTimeline(ir, { customer: entry.customer, contract: entry.contract, events: entry.events }, `${shown}#${id}`, 'text'));
    } catch (err) {
      throw new TimelineError(`${(err as Error).message} (customer first on line ${entry.line})`);
    }
  }
  return book;
}
