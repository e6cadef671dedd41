/**
 * Deployed playbook versions: each deploy of a changed source is a new
 * version; journeys pin one by its source hash.
 */
import { PlaybookIR } from '../dsl/ir/schema.ts';
import type { Queryable } from './queryable.ts';

/** One row of `playbook_versions`. */
export interface PlaybookVersion {
  playbook: string;
  version: number;
  sourceHash: string;
  ir: PlaybookIR;
  deployedBy: string;
  deployedAt: Date;
}

interface Row { playbook: string; version: number; source_hash: string; deployed_by: string; deployed_at: Date }

/**
 * Parsed IRs by source hash. A version's IR never changes (its hash is the
 * hash of its source), so each is parsed once per process instead of on
 * every event batch and enrolment. Bounded: the oldest parse goes first.
 */
const parsedIRs = new Map<string, PlaybookIR>();
const PARSED_IRS_KEPT = 256;

/**
 * The IRs of these (playbook, source hash) pins, keyed `playbook@hash`: this
 * process's parsed ones, and only the others read and parsed, then kept
 * (their `ir` column is tens of KB of JSON, so reading it again for every
 * event batch was most of the cost of a small `POST /events`). A pin not
 * deployed is absent.
 */
export async function pinnedIRs(db: Queryable, pins: ReadonlyArray<{ playbook: string; hash: string }>): Promise<Map<string, PlaybookIR>> {
  const found = new Map<string, PlaybookIR>();
  const missing: Array<{ playbook: string; hash: string }> = [];
  for (const pin of pins) {
    const ir = parsedIRs.get(pinKey(pin.playbook, pin.hash));
    if (ir !== undefined) found.set(pinKey(pin.playbook, pin.hash), ir);
    else missing.push(pin);
  }
  if (missing.length === 0) return found;
  const { rows } = await db.query<{ playbook: string; source_hash: string; ir: unknown }>(
    `SELECT playbook, source_hash, ir FROM playbook_versions
      WHERE (playbook, source_hash) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [missing.map((p) => p.playbook), missing.map((p) => p.hash)]);
  for (const row of rows) {
    const key = pinKey(row.playbook, row.source_hash);
    // The IR was validated when deployed; parsing again guards against a row
    // written by an older, incompatible Milepost.
    const ir = PlaybookIR.parse(row.ir);
    found.set(key, ir);
    parsedIRs.set(key, ir);
    if (parsedIRs.size > PARSED_IRS_KEPT) parsedIRs.delete(parsedIRs.keys().next().value!);
  }
  return found;
}

/**
 * The versions of `rows` with their IRs ({@link pinnedIRs}). The rows leave out
 * the `ir` column (tens of KB of JSON that `pg` would parse on every enrolment
 * only for it to be thrown away), so a version whose IR is parsed costs one small row.
 */
async function withIRs(db: Queryable, rows: Row[]): Promise<PlaybookVersion[]> {
  const irs = await pinnedIRs(db, rows.map((row) => ({ playbook: row.playbook, hash: row.source_hash })));
  return rows.flatMap((row) => {
    const ir = irs.get(pinKey(row.playbook, row.source_hash));
    // Deleted between the two reads (by hand): as if never deployed.
    return ir === undefined ? [] : [{
      playbook: row.playbook, version: row.version, sourceHash: row.source_hash, ir, deployedBy: row.deployed_by, deployedAt: row.deployed_at,
    }];
  });
}

const COLUMNS = 'playbook, version, source_hash, deployed_by, deployed_at';

/** The newest deployed version of `playbook`, or null when it was never deployed. */
export async function latestPlaybookVersion(db: Queryable, playbook: string): Promise<PlaybookVersion | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM playbook_versions WHERE playbook = $1 ORDER BY version DESC LIMIT 1`, [playbook]);
  return (await withIRs(db, rows))[0] ?? null;
}

/** The deployed versions with these (playbook, source hash) pairs, keyed `playbook@hash`. */
export async function playbookVersionsByHash(db: Queryable, pins: Array<{ playbook: string; hash: string }>): Promise<Map<string, PlaybookVersion>> {
  const found = new Map<string, PlaybookVersion>();
  if (pins.length === 0) return found;
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM playbook_versions
      WHERE (playbook, source_hash) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [pins.map((p) => p.playbook), pins.map((p) => p.hash)]);
  for (const version of await withIRs(db, rows)) found.set(pinKey(version.playbook, version.sourceHash), version);
  return found;
}

/** The key of {@link playbookVersionsByHash}'s map. */
export function pinKey(playbook: string, hash: string): string {
  return `${playbook}@${hash}`;
}

/**
 * Records a deploy. Deploying the same source again is a no-op that returns
 * the existing version (`created: false`).
 */
export async function insertPlaybookVersion(db: Queryable, input: { source: string; ir: PlaybookIR; deployedBy: string }): Promise<{ version: number; created: boolean }> {
  const { rows } = await db.query<{ version: number; created: boolean }>(
    `WITH existing AS (
       SELECT version FROM playbook_versions WHERE playbook = $1 AND source_hash = $2
     ), inserted AS (
       INSERT INTO playbook_versions (playbook, version, source, ir, source_hash, deployed_by)
       SELECT $1, coalesce((SELECT max(version) FROM playbook_versions WHERE playbook = $1), 0) + 1, $3, $4, $2, $5
        WHERE NOT EXISTS (SELECT 1 FROM existing)
       ON CONFLICT (playbook, source_hash) DO NOTHING
       RETURNING version
     )
     SELECT version, true AS created FROM inserted
     UNION ALL SELECT version, false AS created FROM existing`,
    [input.ir.playbook, input.ir.sourceHash, input.source, JSON.stringify(input.ir), input.deployedBy]);
  const row = rows[0];
  if (row === undefined) throw new Error(`deploy of ${input.ir.playbook} raced with another deploy; retry`);
  return row;
}
