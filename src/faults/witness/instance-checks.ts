/**
 * What the harness can see of an instance over its direct endpoint, for the
 * fault witnesses: whether a new connection gets an answer, when its
 * postmaster started, its replication connections, its archiver. Every
 * check is bounded and answers instead of throwing.
 */
import { withClient } from '../../postgres/client.ts';
import type { ConnectionInfo } from '../../targets/endpoints.ts';

const WITNESS = 'pgdrill-witness';

export type Answer = { answers: true } | { answers: false; error: string };

/** A new connection and one query within `timeoutMs`. */
export async function answers(connection: ConnectionInfo, timeoutMs = 1_000): Promise<Answer> {
  try {
    await withClient(connection, { application: WITNESS, connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs }, (c) => c.query('SELECT 1'));
    return { answers: true };
  } catch (error) {
    const message = error instanceof Error ? error.message || error.name : String(error);
    return { answers: false, error: message };
  }
}

/** pg_postmaster_start_time(), or null when the instance does not answer. */
export async function postmasterStartedAt(connection: ConnectionInfo, timeoutMs = 1_000): Promise<string | null> {
  try {
    return await withClient(connection, { application: WITNESS, connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs }, async (c) => {
      const { rows } = await c.query<{ started: string }>("SELECT to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS started");
      return rows[0]?.started ?? null;
    });
  } catch {
    return null;
  }
}

export interface ReplicationView {
  inRecovery: boolean;
  /** pg_stat_replication: standbys by application_name (the engine's instance names), with their state. */
  standbys: Array<{ name: string; state: string }>;
  /** pg_stat_wal_receiver's status on a replica ("streaming", ...), null without a walreceiver. */
  receiver: string | null;
}

/** The instance's replication connections, or null when it does not answer. */
export async function replicationView(connection: ConnectionInfo, timeoutMs = 1_000): Promise<ReplicationView | null> {
  try {
    return await withClient(connection, { application: WITNESS, connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs }, async (c) => {
      const { rows } = await c.query<{ in_recovery: boolean; receiver: string | null }>(
        'SELECT pg_is_in_recovery() AS in_recovery, (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver',
      );
      const standbys = await c.query<{ name: string; state: string }>("SELECT coalesce(application_name, '') AS name, state FROM pg_stat_replication");
      return { inRecovery: rows[0]!.in_recovery, receiver: rows[0]!.receiver, standbys: standbys.rows };
    });
  } catch {
    return null;
  }
}

/**
 * Whether an instance still serves as a primary, told only from what the
 * server itself says: "primary" or "in-recovery" from pg_is_in_recovery(),
 * "refused" when nothing listens or the server refuses because it is
 * shutting down or starting up. Anything else (a timeout, a full server, a
 * role's connection limit) is "unknown": no evidence either way, so a
 * loaded machine cannot date a switchover before it began.
 */
export type ServerRole =
  | { role: 'primary' | 'in-recovery' }
  | { role: 'refused' | 'unknown'; error: string };

/** SQLSTATEs a server sends while it is going down or not yet up (admin_shutdown, crash_shutdown, cannot_connect_now). */
const GOING_DOWN = new Set(['57P01', '57P02', '57P03']);

export async function serverRole(connection: ConnectionInfo, timeoutMs = 1_000): Promise<ServerRole> {
  try {
    return await withClient(connection, { application: WITNESS, connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs }, async (c) => {
      const { rows } = await c.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
      return { role: rows[0]!.in_recovery ? 'in-recovery' : 'primary' };
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message || error.name : String(error);
    const refused = code === 'ECONNREFUSED' || (typeof code === 'string' && GOING_DOWN.has(code));
    return { role: refused ? 'refused' : 'unknown', error: code ? `${message} (${String(code)})` : message };
  }
}

export interface ArchiverView {
  archived: number;
  failed: number;
  lastArchivedWal: string | null;
}

/** pg_stat_archiver's counts, or null when the instance does not answer. */
export async function archiverView(connection: ConnectionInfo, timeoutMs = 2_000): Promise<ArchiverView | null> {
  try {
    return await withClient(connection, { application: WITNESS, connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs }, async (c) => {
      const { rows } = await c.query<{ archived: string; failed: string; last: string | null }>(
        'SELECT archived_count AS archived, failed_count AS failed, last_archived_wal AS last FROM pg_stat_archiver',
      );
      const row = rows[0]!;
      return { archived: Number(row.archived), failed: Number(row.failed), lastArchivedWal: row.last };
    });
  } catch {
    return null;
  }
}

/**
 * Closes the current WAL segment so the archiver has something to do now
 * (the application role may call pg_switch_wal on these stacks). False when
 * it could not.
 */
export async function switchWal(connection: ConnectionInfo, timeoutMs = 2_000): Promise<boolean> {
  try {
    await withClient(connection, { application: WITNESS, connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs }, (c) => c.query('SELECT pg_switch_wal()'));
    return true;
  } catch {
    return false;
  }
}

/** The replay lag in bytes the primary reports for one standby, or null when it does not list it or does not answer. */
export async function standbyLagBytes(primary: ConnectionInfo, standby: string, timeoutMs = 1_000): Promise<number | null> {
  try {
    return await withClient(primary, { application: WITNESS, connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs }, async (c) => {
      const { rows } = await c.query<{ lag: number | null }>(
        'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag FROM pg_stat_replication WHERE application_name = $1',
        [standby],
      );
      return rows[0]?.lag ?? null;
    });
  } catch {
    return null;
  }
}

/**
 * The old primary's own word that a planned handover began, as evidence: it
 * is in recovery, or refuses connections because it is going down. Only the
 * server's word dates it: a timeout on a loaded machine is no sign of one.
 */
export async function demotionSeen(connection: ConnectionInfo, name: string): Promise<string | null> {
  const seen = await serverRole(connection, 500);
  if (seen.role === 'in-recovery') return `${name} is in recovery`;
  return seen.role === 'refused' ? `${name} refuses connections (${seen.error})` : null;
}
