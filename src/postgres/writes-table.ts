/**
 * The tables the harness writes. Every column a checker needs about a write
 * is computed by the server at insert time (who served it, on which
 * timeline, when), so the row itself is evidence independent of the client.
 */
import type pg from 'pg';

export const WRITES_TABLE = 'pgdrill_writes';

/**
 * The serving instance's timeline as an integer: the first 8 hex digits of
 * the current WAL file name (what CloudNativePG's e2e uses).
 * pg_control_checkpoint() would still show the old timeline right after a
 * promotion, until the next checkpoint. Errors on a server in recovery.
 */
export const PRIMARY_TIMELINE_SQL = `('x' || substring(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int`;

/**
 * The serving instance's name: the custom GUC pgdrill.instance set on every
 * instance of the stack, else its address (physical replicas share a
 * system_identifier, so that cannot tell them apart).
 */
export const INSTANCE_NAME_SQL = `coalesce(nullif(current_setting('pgdrill.instance', true), ''), host(inet_server_addr()), 'unknown')`;

const WRITES_DDL = `
CREATE TABLE IF NOT EXISTS ${WRITES_TABLE} (
  key text PRIMARY KEY,
  writer int NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  served_by text NOT NULL DEFAULT ${INSTANCE_NAME_SQL},
  timeline int NOT NULL DEFAULT ${PRIMARY_TIMELINE_SQL}
)`;

/**
 * Idempotent: run through the client endpoint before writers start.
 * (The observers' canary table is theirs: src/observers/canary.ts creates it.)
 */
export async function ensureWritesTable(client: pg.ClientBase): Promise<void> {
  await client.query(WRITES_DDL);
}

/**
 * The one statement every write sends. The server fills in who, when and on
 * which timeline; the client only brings the key. committed_at comes back as
 * ISO 8601 text with microseconds (a JS Date would cut it to milliseconds).
 */
export const INSERT_WRITE_SQL = `INSERT INTO ${WRITES_TABLE} (key, writer) VALUES ($1, $2)
RETURNING served_by, timeline, to_char(committed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS committed_at`;

export interface InsertedWriteRow {
  served_by: string;
  timeline: number;
  committed_at: string;
}
