/**
 * `milepost import <customers.csv> --playbook <id>`: enrols the customers of
 * a CSV file through a running API (`POST /customers/import`), checking every
 * row before enrolling any, with progress (rate and time left).
 *
 * The file is sent in chunks so each request stays under the API's 1 MiB
 * limit. All chunks are validated first (`validate_only=true`), so a file
 * with a bad row enrols nobody; then they are enrolled in order.
 *
 * An interrupted import resumes: after each enrolled chunk the number of rows
 * done is kept in a checkpoint (`<state folder>/imports/<key>.json`, the key
 * naming the file's content, the playbook and the API), and the same import
 * run again starts after them (`--from-start` ignores it). Enrolment is
 * idempotent besides, so a chunk cut off mid-way is harmless when sent again.
 *
 * The API and token: `--api`, `MILEPOST_API_URL`/`MILEPOST_API_TOKEN`, or the
 * running stack's (client/cli/stack.ts).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command, CommandIO } from '../command.ts';
import { UsageError } from '../command.ts';
import { reportApiFailure, withApi, type ApiClient } from '../api-client.ts';
import { parseCommandLine } from '../arguments.ts';
import { stateFolder } from '../stack.ts';
import { formatCsv, parseCsv, type CsvRow } from '../../api/csv.ts';
import { createProgress, formatDuration } from '../../simulate/progress.ts';

/** Rows per request; far below 1 MiB for any realistic attribute set. `MILEPOST_IMPORT_CHUNK_ROWS` changes it (tests). */
const CHUNK_ROWS = 250;

interface ImportError { line: number; id: string | null; error: string }

/** Where an import's checkpoint is kept: the state folder's `imports/`. */
function checkpointPath(io: CommandIO, key: string): string {
  return join(stateFolder(io.env, io.cwd), 'imports', `${key}.json`);
}

async function readCheckpoint(path: string): Promise<number> {
  try {
    const { rowsDone } = JSON.parse(await readFile(path, 'utf8')) as { rowsDone?: unknown };
    return typeof rowsDone === 'number' && Number.isInteger(rowsDone) && rowsDone > 0 ? rowsDone : 0;
  } catch {
    return 0;
  }
}

const importCommand: Command = {
  summary: 'enrol the customers of a CSV file in a playbook, through the API, with progress; resumes when interrupted',
  usage: 'milepost import <customers.csv> --playbook <id> [--from-start] [--api <url>]   (columns: id, contract_start, contract_end, [enrolled_at], attributes...)',
  uses: ['api'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      playbook: { type: 'string' },
      api: { type: 'string' },
      'from-start': { type: 'boolean', default: false },
    });
    if (positionals.length > 1) throw new UsageError(`one file at a time (got '${positionals[0]}' and '${positionals[1]}')`);
    const file = positionals[0];
    if (file === undefined) throw new UsageError('name the CSV file');
    const playbook = values.playbook;
    if (!playbook) throw new UsageError('--playbook <id> is required');
    const chunkRows = Number(io.env.MILEPOST_IMPORT_CHUNK_ROWS ?? CHUNK_ROWS);
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new UsageError(`MILEPOST_IMPORT_CHUNK_ROWS must be a whole number, got '${io.env.MILEPOST_IMPORT_CHUNK_ROWS}'`);
    let text: string;
    let rows: CsvRow[];
    try {
      text = await readFile(resolve(io.cwd, file), 'utf8');
      rows = parseCsv(text);
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
    for (let i = 0; i < records.length; i += chunkRows) chunks.push(records.slice(i, i + chunkRows));
    const send = async (client: ApiClient, chunk: CsvRow[], validateOnly: boolean) => {
      const response = await client.request('/customers/import', {
        query: { playbook, validate_only: String(validateOnly) },
        text: { contentType: 'text/csv', body: formatCsv(header.cells, chunk.map((r) => r.cells)) },
      });
      return { ...response, body: (response.body ?? {}) as { errors?: ImportError[]; enrolled?: number; already_enrolled?: number } };
    };
    return withApi(io, 'import', values.api, async (client) => {
      const key = createHash('sha256').update(JSON.stringify([client.base, playbook])).update(text).digest('hex').slice(0, 24);
      const checkpoint = checkpointPath(io, key);
      const resumeAt = values['from-start'] ? 0 : await readCheckpoint(checkpoint);
      const progress = createProgress(io.stderr, records.length, 'checked');
      const started = performance.now();
      // Pass 1: check every row (the whole file, also when resuming: the rows already enrolled check as such).
      let checked = 0;
      progress.update(0, 'checked');
      for (const chunk of chunks) {
        const response = await send(client, chunk, true);
        if (response.status === 400) {
          // Lines in the answer count within the chunk; name the file's own lines by id.
          for (const e of response.body.errors ?? []) problems.push({ ...e, line: (e.id !== null && lineOfId.get(e.id)) || e.line });
        } else if (response.status !== 200) return reportApiFailure(io, 'import', response);
        checked += chunk.length;
        progress.update(checked, 'checked');
      }
      progress.done();
      if (problems.length > 0) {
        problems.sort((a, b) => a.line - b.line);
        for (const p of problems) io.stderr.write(`${file}:${p.line}: error: ${p.id ? `${p.id}: ` : ''}${p.error}\n`);
        io.stderr.write(`milepost import: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nobody enrolled\n`);
        return 1;
      }
      // Pass 2: enrol, from where an interrupted run stopped.
      if (resumeAt > 0) io.stderr.write(`milepost import: resuming after row ${resumeAt} of ${records.length} (an earlier run was interrupted; --from-start to send every row)\n`);
      let enrolled = 0, already = 0, done = 0;
      await mkdir(join(checkpoint, '..'), { recursive: true });
      progress.update(Math.min(resumeAt, records.length), 'enrolled');
      for (const chunk of chunks) {
        if (done + chunk.length <= resumeAt) {
          done += chunk.length;
          continue;
        }
        const response = await send(client, chunk, false);
        const { body } = response;
        if (response.status !== 200) {
          io.stderr.write(`milepost import: stopped after ${done} rows; run the same import again to resume from there\n`);
          return reportApiFailure(io, 'import', response);
        }
        enrolled += body.enrolled ?? 0;
        already += body.already_enrolled ?? 0;
        done += chunk.length;
        await writeFile(checkpoint, JSON.stringify({ file: resolve(io.cwd, file), playbook, api: client.base, rowsDone: done }));
        progress.update(done, 'enrolled');
      }
      progress.done('enrolled');
      await rm(checkpoint, { force: true });
      const skipped = resumeAt > 0 ? `, ${Math.min(resumeAt, records.length)} done by the earlier run` : '';
      io.stdout.write(`milepost import: ${enrolled} enrolled, ${already} already enrolled${skipped}, in ${playbook} (${formatDuration(performance.now() - started)})\n`);
      return 0;
    });
  },
};

export default importCommand;
