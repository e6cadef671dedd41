/**
 * Questions asked of a Postgres server rather than of Milepost's tables: is
 * it answering, does a database exist. `npm run cluster` asks them to create
 * Temporal's two databases and Milepost's own; they live here because store/
 * is the one door to Postgres (tests/api/one-door.test.ts).
 */
import pg from 'pg';

/** Waits until `url` accepts a connection and answers `SELECT 1`, or throws after `ms`. */
export async function waitUntilAnswering(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Postgres at ${url.replace(/:[^:@/]*@/, ':***@')} does not answer: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/**
 * Creates database `name` unless it exists.
 * @param maintenanceUrl a connection to any existing database on the server (usually `postgres`)
 * @returns whether it was created now
 */
export async function ensureDatabase(maintenanceUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return false;
    // CREATE DATABASE takes no parameters: the name is quoted as an identifier.
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}

/**
 * Whether the Temporal persistence database at `temporalUrl` holds its
 * cluster's metadata record. The first Temporal service to start on a fresh
 * database writes it; services started at the same moment race to write it
 * and the loser exits ("Failed to apply cluster metadata"), so
 * `npm run cluster` starts one service, waits for this, then the others.
 */
export async function temporalClusterMetadataWritten(temporalUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: temporalUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM cluster_metadata_info LIMIT 1');
    return (rowCount ?? 0) > 0;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
