/**
 * WAL archive health, sampled on every instance that archives (the primary;
 * a replica too when archive_mode = always): pg_stat_archiver's counts, the
 * age of the last archived segment and the WAL kept in pg_wal. A stalled
 * archive shows as a rising age, rising failed_count and growing WAL while it
 * lasts, which is what the report must make visible.
 */
import type { ArchiveEvent, HistoryBody } from '../history/events.ts';
import type { InstanceEndpoint } from '../targets/endpoints.ts';
import { InstanceConnection } from './instance-connection.ts';
import { InstanceSampling, type SamplingUnit } from './sampling-loop.ts';

export interface ArchiveSamplerOptions {
  instances: readonly InstanceEndpoint[];
  record: (body: HistoryBody) => void;
  /** Default 1000. */
  intervalMs?: number;
  /** Default 1000. */
  timeoutMs?: number;
}

const ARCHIVER_SQL = `SELECT
  pg_is_in_recovery() AS in_recovery,
  current_setting('archive_mode') AS archive_mode,
  archived_count,
  failed_count,
  last_archived_wal,
  extract(epoch FROM clock_timestamp() - last_archived_time)::float8 AS last_archived_age,
  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS current_wal
FROM pg_stat_archiver`;

// pg_ls_waldir() needs pg_monitor (or superuser); kept apart so that a role
// without it still gets the archiver's counts.
// Segments marked .ready are complete but not archived yet: the WAL an archive stall keeps on the primary.
const WAL_SIZE_SQL = `SELECT
  (SELECT coalesce(sum(size), 0) FROM pg_ls_waldir())::float8 AS bytes,
  ((SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready')
    * pg_size_bytes(current_setting('wal_segment_size')))::float8 AS pending_bytes`;

interface ArchiverRow {
  in_recovery: boolean;
  archive_mode: string;
  archived_count: string;
  failed_count: string;
  last_archived_wal: string | null;
  last_archived_age: number | null;
  current_wal: string | null;
}

export class ArchiveSampler extends InstanceSampling {
  constructor(options: ArchiveSamplerOptions) {
    const timeoutMs = options.timeoutMs ?? 1_000;
    super(
      options.intervalMs ?? 1_000,
      options.record,
      options.instances.map((endpoint): SamplingUnit => {
        const connection = new InstanceConnection(endpoint, { connectTimeoutMs: timeoutMs, applicationName: 'pgdrill-archive-sampler' });
        const access = { walSize: true };
        return {
          sample: async () => {
            const event = await sampleArchive(connection, timeoutMs, access);
            return event ? [event] : [];
          },
          close: () => connection.close(),
        };
      }),
    );
  }
}

/**
 * One sample, or undefined when the instance does not archive or did not
 * answer (the probe records reachability). When the WAL size is off limits to
 * this role, `access.walSize` turns false and it is not asked again.
 */
async function sampleArchive(
  connection: InstanceConnection,
  timeoutMs: number,
  access: { walSize: boolean },
): Promise<ArchiveEvent | undefined> {
  const answer = await connection.query<ArchiverRow>({ text: ARCHIVER_SQL }, timeoutMs);
  const row = answer.ok ? answer.rows[0] : undefined;
  if (!row || (row.in_recovery && row.archive_mode !== 'always')) return undefined;
  let walRetainedBytes: number | null = null;
  let walPendingArchiveBytes: number | null = null;
  if (access.walSize) {
    const wal = await connection.query<{ bytes: number; pending_bytes: number }>({ text: WAL_SIZE_SQL }, timeoutMs);
    if (!wal.ok && wal.sqlState === '42501') access.walSize = false;
    if (wal.ok) {
      walRetainedBytes = wal.rows[0]?.bytes ?? null;
      walPendingArchiveBytes = wal.rows[0]?.pending_bytes ?? null;
    }
  }
  return {
    type: 'archive',
    instance: connection.endpoint.name,
    archivedCount: Number(row.archived_count),
    failedCount: Number(row.failed_count),
    lastArchivedWal: row.last_archived_wal,
    lastArchivedAgeSeconds: row.last_archived_age === null ? null : Math.round(row.last_archived_age * 1000) / 1000,
    walRetainedBytes,
    walPendingArchiveBytes,
    currentWal: row.current_wal,
  };
}
