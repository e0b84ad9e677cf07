import type pg from 'pg';
import { InfrastructureError } from '../../errors.ts';
import { withClient as withPgClient } from '../../postgres/client.ts';
import { WRITES_TABLE } from '../../postgres/writes-table.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import { INSTANCE_TIMELINE_SQL } from '../../postgres/instance-sql.ts';

/** What one instance says about itself, over its direct endpoint. */
export interface InstanceSample {
  inRecovery: boolean;
  timeline: number | null;
  /** pg_stat_wal_receiver.status on a replica (streaming, catchup, ...); null on a primary or without a receiver. */
  receiver: string | null;
  /** The instance name it reports (pgdrill.instance), '' when unset. */
  reportedName: string;
  /** On a primary: its standbys, by application_name (CloudNativePG uses the pod name). */
  standbys: Array<{ name: string; syncState: string; lagBytes: number | null }>;
}

const SAMPLE_SQL = `SELECT
  pg_is_in_recovery() AS in_recovery,
  ${INSTANCE_TIMELINE_SQL} AS timeline,
  (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver,
  coalesce(current_setting('pgdrill.instance', true), '') AS reported_name`;

const STANDBYS_SQL = `SELECT application_name AS name, sync_state,
  (pg_current_wal_lsn() - replay_lsn)::float8 AS lag
  FROM pg_stat_replication`;

/** A short query connection to one instance: every query bounded by `timeoutMs`. */
export async function withClient<T>(connection: ConnectionInfo, work: (client: pg.Client) => Promise<T>, timeoutMs = 3_000): Promise<T> {
  return withPgClient(connection, { application: 'pgdrill-target', connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs }, work);
}

export async function sampleInstance(connection: ConnectionInfo): Promise<InstanceSample> {
  return withClient(connection, async (client) => {
    const { rows } = await client.query<{ in_recovery: boolean; timeline: number | null; receiver: string | null; reported_name: string }>(SAMPLE_SQL);
    const row = rows[0]!;
    const standbys = row.in_recovery
      ? []
      : (await client.query<{ name: string; sync_state: string; lag: number | null }>(STANDBYS_SQL)).rows.map((r) => ({
          name: r.name,
          syncState: r.sync_state,
          lagBytes: r.lag === null ? null : Math.max(0, Math.round(r.lag)),
        }));
    return { inRecovery: row.in_recovery, timeline: row.timeline, receiver: row.receiver, reportedName: row.reported_name, standbys };
  });
}

/**
 * Gives an instance its name as the workload and the observers read it
 * (pgdrill.instance). Through a port-forward every instance's address is
 * 127.0.0.1, so the address cannot tell them apart. ALTER SYSTEM writes the
 * instance's own postgresql.auto.conf (not replicated), as the superuser.
 */
export async function nameInstance(superuser: ConnectionInfo, name: string): Promise<void> {
  await withClient(
    superuser,
    async (client) => {
      await client.query(`ALTER SYSTEM SET pgdrill.instance = ${client.escapeLiteral(name)}`);
      await client.query('SELECT pg_reload_conf()');
      // The reload is asynchronous: wait until a new session sees it.
    },
    10_000,
  );
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const seen = await withClient(superuser, async (c) => (await c.query<{ v: string }>(`SELECT current_setting('pgdrill.instance', true) AS v`)).rows[0]?.v);
    if (seen === name) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new InfrastructureError(`instance ${name} did not take its pgdrill.instance setting within 10 s`);
}

/**
 * Closes the current WAL segment on the primary and waits until the archiver
 * has shipped it: a restore to "now" needs that WAL in the store.
 */
export async function archiveCurrentWal(primary: ConnectionInfo, timeoutMs = 120_000): Promise<string> {
  return withClient(
    primary,
    async (client) => {
      const { rows } = await client.query<{ wal: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS wal');
      const needed = rows[0]!.wal;
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const archived = await client.query<{ last: string | null }>('SELECT last_archived_wal AS last FROM pg_stat_archiver');
        const last = (archived.rows[0]?.last ?? '').slice(0, 24);
        if (/^[0-9A-F]{24}$/.test(last) && last >= needed) return needed;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new InfrastructureError(`WAL segment ${needed} was not archived within ${timeoutMs / 1000} s: cannot restore past it`);
    },
    10_000,
  );
}

/**
 * Where a restored primary stopped: its timeline, LSN and last replayed
 * commit. CloudNativePG replays WAL in a recovery job and then starts the
 * instance afresh, so pg_last_xact_replay_timestamp() is usually null by
 * then: the newest row of the drill's writes table stands in for it (every
 * row stores its server-side insert time).
 */
export async function recoveryReached(primary: ConnectionInfo): Promise<{ timeline: number | null; lsn: string | null; lastCommitAt: string | null }> {
  return withClient(primary, async (client) => {
    const { rows } = await client.query<{ timeline: number | null; lsn: string | null; last_commit: Date | null }>(
      `SELECT ('x' || substring(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS timeline,
              pg_current_wal_lsn()::text AS lsn,
              pg_last_xact_replay_timestamp() AS last_commit`,
    );
    const row = rows[0]!;
    let lastCommit = row.last_commit;
    if (!lastCommit) {
      const exists = await client.query<{ t: string | null }>(`SELECT to_regclass(${client.escapeLiteral(WRITES_TABLE)})::text AS t`);
      if (exists.rows[0]?.t) {
        // Rounded up to the millisecond (a JS time's resolution): no present row may look newer than it.
        const newest = await client.query<{ t: Date | null }>(
          `SELECT date_trunc('milliseconds', m) + CASE WHEN m > date_trunc('milliseconds', m) THEN interval '1 millisecond' ELSE interval '0' END AS t
             FROM (SELECT max(committed_at) AS m FROM ${WRITES_TABLE}) newest`,
        );
        lastCommit = newest.rows[0]?.t ?? null;
      }
    }
    return { timeline: row.timeline, lsn: row.lsn, lastCommitAt: lastCommit?.toISOString() ?? null };
  });
}

/** The PostgreSQL server version an instance reports. */
export async function serverVersion(connection: ConnectionInfo): Promise<string> {
  return withClient(connection, async (c) => (await c.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v ?? 'unknown');
}

/** When the instance's postmaster started: a SIGKILLed instance that still answers has the old value. */
export async function postmasterStart(connection: ConnectionInfo): Promise<string | null> {
  try {
    return await withClient(connection, async (c) => (await c.query<{ t: Date }>('SELECT pg_postmaster_start_time() AS t')).rows[0]?.t.toISOString() ?? null, 2_000);
  } catch {
    return null;
  }
}
