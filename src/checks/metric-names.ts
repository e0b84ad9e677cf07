/**
 * Every metric a checker produces. Thresholds may only name these (an unknown
 * name is rejected before the run starts), and every report lists all of
 * them, null where a value could not be had.
 */
export interface MetricInfo {
  unit: 'writes' | 'seconds' | 'windows' | 'faults' | 'replicas' | 'bytes' | 'failures' | 'gaps';
  description: string;
}

export const METRICS = {
  writes_invoked: { unit: 'writes', description: 'write attempts made by the workload' },
  writes_ok: { unit: 'writes', description: 'writes acknowledged (COMMIT returned success)' },
  writes_failed: { unit: 'writes', description: 'writes certainly not applied (refused before commit)' },
  writes_unknown: { unit: 'writes', description: 'writes with an unknown outcome (connection lost around COMMIT, or never completed)' },
  lost_writes: { unit: 'writes', description: 'acknowledged writes absent from the final read (RPO, as rows)' },
  unexpected_writes: { unit: 'writes', description: 'rows present that no write ever attempted' },
  phantom_writes: { unit: 'writes', description: 'writes reported failed but present' },
  recovered_writes: { unit: 'writes', description: 'writes of unknown outcome that are present (allowed)' },
  rpo_seconds: { unit: 'seconds', description: 'time window from the oldest to the newest lost acknowledgement (0 when none lost)' },
  rto_seconds: { unit: 'seconds', description: 'worst fault: inject to the first acknowledged write invoked after it' },
  write_downtime_seconds: { unit: 'seconds', description: 'worst fault: longest gap between acknowledged writes around it' },
  server_rto_seconds: { unit: 'seconds', description: "worst fault: inject to the first commit after it, by the server's clock" },
  rto_resolution_seconds: { unit: 'seconds', description: 'worst fault: largest gap between write attempts during the outage' },
  faults_injected: { unit: 'faults', description: 'faults injected' },
  faults_unhealed: { unit: 'faults', description: 'faults with no successful heal' },
  split_brain_windows: { unit: 'windows', description: 'periods where two instances accepted writes, or a stale primary acknowledged one' },
  split_brain_seconds: { unit: 'seconds', description: 'total duration of split-brain windows' },
  diverged_replicas: { unit: 'replicas', description: "replicas whose rows differ from the primary's after the stack settled" },
  writes_blocked_on_sync_seconds: { unit: 'seconds', description: 'time a primary had commits waiting for a synchronous standby (sessions in SyncRep)' },
  no_primary_seconds: { unit: 'seconds', description: 'time no instance answered as a primary (direct probes)' },
  replication_lag_max_bytes: { unit: 'bytes', description: 'largest replication lag a primary reported for a replica' },
  archive_failed_count: { unit: 'failures', description: 'failed WAL archive attempts during the run (all primaries)' },
  archive_max_age_seconds: { unit: 'seconds', description: 'largest age of the last archived WAL segment seen during the run' },
  archive_catchup_seconds: { unit: 'seconds', description: 'worst stalled-archive fault: heal to the moment the backlog was archived' },
  wal_retained_max_bytes: { unit: 'bytes', description: 'largest amount of complete WAL waiting to be archived on a primary' },
  restore_seconds: { unit: 'seconds', description: 'longest restore: from the restore command to the restored instance accepting writes' },
  restore_row_count: { unit: 'writes', description: 'rows in the (last) restored cluster' },
  restore_expected_min: { unit: 'writes', description: 'rows the restore had to hold: writes acknowledged before the target' },
  restore_expected_max: { unit: 'writes', description: 'rows the restore may hold: plus writes in flight across the target or of unknown outcome' },
  restore_missing_writes: { unit: 'writes', description: 'writes acknowledged before the target but absent from the restore' },
  restore_unexpected_writes: { unit: 'writes', description: 'rows in the restore that must not be there (invoked after the target, failed, or never attempted)' },
  archive_gaps: { unit: 'gaps', description: 'missing WAL segments inside a timeline in the backup repository after the drill' },
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as readonly MetricName[];

/** Every metric of a run: null when it could not be measured or has no finite value (a fault never recovered). */
export type Metrics = Record<MetricName, number | null>;

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}
