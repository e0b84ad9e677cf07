/**
 * Replication lag as each primary sees it (pg_stat_replication): one `lag`
 * event per connected standby per sample. Every instance is asked, because
 * which one is primary changes during a drill; replicas are skipped (their
 * rows would describe cascading standbys, not the primary's).
 *
 * lagBytes is the primary's current WAL position minus what the standby has
 * replayed: what a reader there would miss. A standby that has not reported
 * yet has null.
 */
import type { HistoryBody, LagEvent } from '../history/events.ts';
import type { InstanceEndpoint } from '../targets/endpoints.ts';
import { InstanceConnection } from './instance-connection.ts';
import { InstanceSampling, type SamplingUnit } from './sampling-loop.ts';

export interface LagSamplerOptions {
  instances: readonly InstanceEndpoint[];
  record: (body: HistoryBody) => void;
  /** Default 1000. */
  intervalMs?: number;
  /** Default 1000. */
  timeoutMs?: number;
}

// CASE keeps pg_current_wal_lsn() (an error during recovery) off replicas.
const REPLICATION_SQL = `SELECT
  pg_is_in_recovery() AS in_recovery,
  coalesce(nullif(application_name, ''), host(client_addr), 'pid ' || pid) AS replica,
  sync_state,
  state,
  CASE WHEN pg_is_in_recovery() THEN NULL
       ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 END AS lag_bytes
FROM pg_stat_replication`;

interface ReplicationRow {
  in_recovery: boolean;
  replica: string;
  sync_state: string | null;
  state: string | null;
  lag_bytes: number | null;
}

export class LagSampler extends InstanceSampling {
  constructor(options: LagSamplerOptions) {
    const timeoutMs = options.timeoutMs ?? 1_000;
    super(
      options.intervalMs ?? 1_000,
      options.record,
      options.instances.map((endpoint): SamplingUnit => {
        const connection = new InstanceConnection(endpoint, { connectTimeoutMs: timeoutMs, applicationName: 'pgdrill-lag-sampler' });
        return { sample: () => sampleLag(connection, timeoutMs), close: () => connection.close() };
      }),
    );
  }
}

async function sampleLag(connection: InstanceConnection, timeoutMs: number): Promise<LagEvent[]> {
  const answer = await connection.query<ReplicationRow>({ text: REPLICATION_SQL }, timeoutMs);
  if (!answer.ok) return [];
  return answer.rows
    .filter((row) => !row.in_recovery)
    .map((row) => ({
      type: 'lag',
      instance: connection.endpoint.name,
      replica: row.replica,
      lagBytes: row.lag_bytes,
      syncState: row.sync_state,
      state: row.state,
    }));
}
