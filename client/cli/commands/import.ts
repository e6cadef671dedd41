/**
 * `milepost import <customers.csv> --playbook <id>`: enrols the customers of
 * a CSV file through a running API (`POST /customers/import`), checking every
 * row before enrolling any, with a progress display.
 *
 * The file is sent in chunks so each request stays under the API's 1 MiB
 * limit. All chunks are validated first (`validate_only=true`), so a file
 * with a bad row enrols nobody; then they are enrolled in order. Enrolment
 * is idempotent, so an interrupted import can simply be run again.
 *
 * Environment: `MILEPOST_API_URL` (default http://127.0.0.1:$MILEPOST_PORT,
 * port 8080) and `MILEPOST_API_TOKEN` (client/cli/api-client.ts).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command, CommandIO } from '../command.ts';
import { UsageError } from '../command.ts';
import { reportApiFailure, withApi, type ApiClient } from '../api-client.ts';
import { formatCsv, parseCsv, type CsvRow } from '../../api/csv.ts';

/** Rows per request; far below 1 MiB for any realistic attribute set. */
const CHUNK_ROWS = 250;

interface ImportError { line: number; id: string | null; error: string }

const importCommand: Command = {
  summary: 'enrol the customers of a CSV file in a playbook, through the API, with progress',
  usage: 'milepost import <customers.csv> --playbook <id> [--api <url>]   (columns: id, contract_start, contract_end, [enrolled_at], attributes...)',
  async run(argv, io) {
    let file: string | undefined;
    let playbook: string | undefined;
    let api: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '--playbook') playbook = argv[++i];
      else if (arg === '--api') api = argv[++i];
      else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
      else if (file === undefined) file = arg;
      else throw new UsageError(`one file at a time (got '${file}' and '${arg}')`);
    }
    if (file === undefined) throw new UsageError('name the CSV file');
    if (!playbook) throw new UsageError('--playbook <id> is required');
    let rows: CsvRow[];
    try {
      rows = parseCsv(await readFile(resolve(io.cwd, file), 'utf8'));
    } catch (err) {
      io.stderr.write(`milepost import: ${file}: ${(err as Error).message}\n`);
      return (err as NodeJS.ErrnoException).code === undefined ? 1 : 2;
    }
    const [header, ...records] = rows;
    if (header === undefined || records.length === 0) {
      io.stderr.write(`milepost import: ${file}: no customer rows\n`);
      return 1;
    }
    const idColumn = header.cells.indexOf('id');
    const lineOfId = new Map<string, number>();
    const problems: ImportError[] = [];
    for (const record of records) {
      const id = record.cells[idColumn] ?? '';
      const first = lineOfId.get(id);
      if (first !== undefined) problems.push({ line: record.line, id, error: `customer '${id}' already appears on line ${first}` });
      else lineOfId.set(id, record.line);
    }
    const chunks: CsvRow[][] = [];
    for (let i = 0; i < records.length; i += CHUNK_ROWS) chunks.push(records.slice(i, i + CHUNK_ROWS));
    const send = async (client: ApiClient, chunk: CsvRow[], validateOnly: boolean) => {
      const response = await client.request('/customers/import', {
        query: { playbook, validate_only: String(validateOnly) },
        text: { contentType: 'text/csv', body: formatCsv(header.cells, chunk.map((r) => r.cells)) },
      });
      return { ...response, body: (response.body ?? {}) as { errors?: ImportError[]; enrolled?: number; already_enrolled?: number } };
    };
    const progress = new Progress(io, records.length);
    return withApi(io, 'import', api, async (client) => {
      // Pass 1: check every row.
      let checked = 0;
      for (const chunk of chunks) {
        const response = await send(client, chunk, true);
        if (response.status === 400) {
          // Lines in the answer count within the chunk; name the file's own lines by id.
          for (const e of response.body.errors ?? []) problems.push({ ...e, line: (e.id !== null && lineOfId.get(e.id)) || e.line });
        } else if (response.status !== 200) return reportApiFailure(io, 'import', response);
        checked += chunk.length;
        progress.show('checked', checked);
      }
      progress.done();
      if (problems.length > 0) {
        problems.sort((a, b) => a.line - b.line);
        for (const p of problems) io.stderr.write(`${file}:${p.line}: error: ${p.id ? `${p.id}: ` : ''}${p.error}\n`);
        io.stderr.write(`milepost import: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nobody enrolled\n`);
        return 1;
      }
      // Pass 2: enrol.
      let enrolled = 0, already = 0, done = 0;
      for (const chunk of chunks) {
        const response = await send(client, chunk, false);
        const { body } = response;
        if (response.status !== 200) {
          io.stderr.write(`\nmilepost import: stopped after ${done} rows (enrolment is idempotent: run the import again)\n`);
          return reportApiFailure(io, 'import', response);
        }
        enrolled += body.enrolled ?? 0;
        already += body.already_enrolled ?? 0;
        done += chunk.length;
        progress.show('enrolled', done);
      }
      progress.done();
      io.stdout.write(`milepost import: ${enrolled} enrolled, ${already} already enrolled, in ${playbook}\n`);
      return 0;
    });
  },
};

/** A one-line progress bar on a terminal; a line per tenth otherwise (logs stay short). */
class Progress {
  private lastTenth = -1;
  private readonly io: CommandIO;
  private readonly total: number;
  constructor(io: CommandIO, total: number) {
    this.io = io;
    this.total = total;
  }
  show(verb: string, n: number): void {
    const share = n / this.total;
    if (this.io.stderr.isTTY) {
      const width = 30;
      const filled = Math.round(share * width);
      this.io.stderr.write(`\r${verb.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${this.total}`);
    } else {
      const tenth = Math.floor(share * 10);
      if (tenth !== this.lastTenth) { this.lastTenth = tenth; this.io.stderr.write(`${verb} ${n}/${this.total}\n`); }
    }
  }
  done(): void {
    if (this.io.stderr.isTTY) this.io.stderr.write('\n');
    this.lastTenth = -1;
  }
}

export default importCommand;
