import { withClient } from '../../postgres/client.ts';
import { InfrastructureError } from '../../errors.ts';
import type { Topology } from '../target.ts';
import { PatroniApi } from './patroni-api.ts';
import { topologyFromCluster } from './patroni-topology.ts';
import { readPassword, type RunRecord } from './run-state.ts';
import { APP_DATABASE, APP_USER } from './secrets.ts';

export interface ArchiverStatus {
  archivedCount: number;
  failedCount: number;
  lastArchivedWal: string | null;
  lastArchivedAt: string | null;
  lastFailedWal: string | null;
}

export interface LocalStatus {
  runId: string;
  topology: Topology;
  archiver: ArchiverStatus | null;
  archiverError?: string;
}

/** What `pgdrill status` shows: Patroni's view of every instance, and the primary's WAL archiver. */
export async function localStatus(record: RunRecord): Promise<LocalStatus> {
  const topology = await topologyFromCluster(
    record.instances.map((i) => ({ name: i.name, zone: i.zone })),
    record.instances.map((i) => new PatroniApi(i.patroniUrl)),
  );
  const primary = record.instances.find((i) => i.name === topology.primary);
  if (!primary) return { runId: record.runId, topology, archiver: null, archiverError: 'no primary' };
  try {
    return { runId: record.runId, topology, archiver: await archiverStatus(record, primary.host, primary.port) };
  } catch (error) {
    return { runId: record.runId, topology, archiver: null, archiverError: error instanceof Error ? error.message : String(error) };
  }
}

async function archiverStatus(record: RunRecord, host: string, port: number): Promise<ArchiverStatus> {
  const password = readPassword(record.runId, host, port, APP_USER);
  if (password === undefined) throw new InfrastructureError(`no password for ${host}:${port} in the run's passfile`);
  return withClient({ host, port, user: APP_USER, password, database: APP_DATABASE }, { application: 'pgdrill-status', connectTimeoutMs: 3_000 }, async (client) => {
    const { rows } = await client.query<{
      archived_count: string;
      failed_count: string;
      last_archived_wal: string | null;
      last_archived_time: Date | null;
      last_failed_wal: string | null;
    }>('SELECT archived_count, failed_count, last_archived_wal, last_archived_time, last_failed_wal FROM pg_stat_archiver');
    const row = rows[0]!;
    return {
      archivedCount: Number(row.archived_count),
      failedCount: Number(row.failed_count),
      lastArchivedWal: row.last_archived_wal,
      lastArchivedAt: row.last_archived_time?.toISOString() ?? null,
      lastFailedWal: row.last_failed_wal,
    };
  });
}
