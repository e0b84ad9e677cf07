/**
 * Every metric a checker produces, and everything the rest of pgdrill needs
 * to know about one: its unit and meaning (reports), which way is worse and
 * how much worsening is noise (`pgdrill compare`), whether it only exists
 * when a fault is injected (scenario validation, the RTO checker), and
 * whether it is a headline number (the CLI's summary line, the job summary,
 * the suite index). A new metric is one entry here. Thresholds may only name
 * these (an unknown name is rejected before the run starts), and every
 * report lists all of them, null where a value could not be had.
 */

export type MetricUnit = 'writes' | 'seconds' | 'windows' | 'faults' | 'replicas' | 'bytes' | 'failures' | 'gaps';

/** Which way a metric gets worse. Informational metrics are shown, never gated by compare. */
export type MetricDirection = 'lower-is-better' | 'informational';

export interface Tolerance {
  /** Allowed worsening in the metric's unit. */
  absolute: number;
  /** Allowed worsening as a fraction of the baseline (A) value. */
  relative: number;
}

interface MetricFacts {
  unit: MetricUnit;
  description: string;
  /** A short name for a column heading ("RTO", "Lost writes"). */
  label: string;
  /** Only measured when the scenario injects a fault: a threshold on it without an inject is rejected before the run. */
  needsFault: boolean;
  /** Position among the headline metrics, 1 first; absent when it is not one. */
  headline?: number;
}

/**
 * A metric's facts. A metric that can get worse carries the default
 * tolerance `pgdrill compare` allows (`--tolerance` overrides it); an
 * informational one has none, so `--tolerance` refuses it.
 */
export type MetricInfo = MetricFacts & (
  | { direction: 'informational' }
  | { direction: 'lower-is-better'; tolerance: Tolerance }
);

const ZERO: Tolerance = { absolute: 0, relative: 0 };
/** Durations measured with ~0.5–1 s resolution and Patroni's loop jitter: 1 s or 20 % of the baseline. */
const TIMING: Tolerance = { absolute: 1, relative: 0.2 };
const BYTES: Tolerance = { absolute: 16 * 1024 * 1024, relative: 0.5 };
/** A new timeline's first segment is archived when archive_timeout or a backup closes it: 10 s of noise on the local stack. */
const ARCHIVE_TIMEOUT: Tolerance = { absolute: 10, relative: 0.5 };
/** Archiver counters and ages move with the archive_timeout and the WAL rate, not only with the stack's health. */
const ARCHIVER: Tolerance = { absolute: 5, relative: 0.5 };

// Correctness counts (lost, phantom, split-brain, divergence, gaps) tolerate
// nothing; timings tolerate measurement noise; workload volume and the
// measurement's own resolution are informational.
const worse = (tolerance: Tolerance) => ({ direction: 'lower-is-better', tolerance }) as const;
const informational = { direction: 'informational' } as const;

// The key order is the order every report lists the metrics in: keep it.
const CATALOGUE = {
  writes_invoked: { unit: 'writes', label: 'Writes invoked', description: 'write attempts made by the workload', needsFault: false, ...informational },
  writes_ok: { unit: 'writes', label: 'Writes ok', description: 'writes acknowledged (COMMIT returned success)', needsFault: false, headline: 5, ...informational },
  writes_failed: { unit: 'writes', label: 'Writes failed', description: 'writes certainly not applied (refused before commit)', needsFault: false, headline: 6, ...informational },
  writes_unknown: { unit: 'writes', label: 'Writes unknown', description: 'writes with an unknown outcome (connection lost around COMMIT, or never completed)', needsFault: false, headline: 7, ...informational },
  lost_writes: { unit: 'writes', label: 'Lost writes', description: 'acknowledged writes absent from the final read (RPO, as rows)', needsFault: false, headline: 3, ...worse(ZERO) },
  unexpected_writes: { unit: 'writes', label: 'Unexpected writes', description: 'rows present that no write ever attempted', needsFault: false, ...worse(ZERO) },
  phantom_writes: { unit: 'writes', label: 'Phantom writes', description: 'writes reported failed but present', needsFault: false, ...worse(ZERO) },
  deleted_by_scenario: { unit: 'writes', label: 'Deleted by the scenario', description: "rows the scenario's own SQL steps removed (intentional: never counted as lost writes)", needsFault: false, ...informational },
  recovered_writes: { unit: 'writes', label: 'Recovered writes', description: 'writes of unknown outcome that are present (allowed)', needsFault: false, ...informational },
  rpo_seconds: { unit: 'seconds', label: 'RPO', description: 'time window from the oldest to the newest lost acknowledgement (0 when none lost)', needsFault: false, ...worse(TIMING) },
  rto_seconds: { unit: 'seconds', label: 'RTO', description: 'worst fault: from the moment it took effect (its witness) to the first acknowledged write invoked after that', needsFault: true, headline: 1, ...worse(TIMING) },
  write_downtime_seconds: { unit: 'seconds', label: 'Write downtime', description: 'worst fault: longest gap between acknowledged writes from its inject to the recovery write', needsFault: true, headline: 2, ...worse(TIMING) },
  server_rto_seconds: { unit: 'seconds', label: 'Server-side RTO', description: "worst fault: from the moment it took effect to the recovery write's commit, by the server's clock", needsFault: true, ...worse(TIMING) },
  rto_resolution_seconds: { unit: 'seconds', label: 'RTO resolution', description: 'worst fault: largest gap between write attempts during the outage', needsFault: true, ...informational },
  fault_effect_latency_seconds: { unit: 'seconds', label: 'Inject to effect', description: "worst fault: from the inject command to the moment its witness saw it in effect (the harness's own latency, left out of the RTO)", needsFault: true, ...informational },
  rto_expected_max_seconds: { unit: 'seconds', label: 'Expected RTO (max)', description: "the largest RTO the stack's configuration predicts for the run's faults (Patroni ttl, loop_wait and HAProxy's checks; CloudNativePG's delays)", needsFault: true, ...informational },
  rto_excess_seconds: { unit: 'seconds', label: 'RTO over expected', description: 'worst fault: measured RTO minus the RTO the configuration predicts (above 0: a tuning regression or a defect)', needsFault: true, ...worse(TIMING) },
  ha_restored_seconds: { unit: 'seconds', label: 'HA restored', description: 'worst fault: from the fault taking effect until every instance streamed from one primary again, with the synchronous standby when configured', needsFault: true, ...worse(TIMING) },
  rejoin_seconds: { unit: 'seconds', label: 'Old primary rejoined', description: 'worst fault that deposed the primary: until the old primary streamed again as a replica of the new one', needsFault: true, ...worse(TIMING) },
  archive_resumed_seconds: { unit: 'seconds', label: 'Archive resumed', description: 'worst promotion: from the fault taking effect until the first WAL segment of the new timeline was archived', needsFault: true, ...worse(ARCHIVE_TIMEOUT) },
  failover_backup_seconds: { unit: 'seconds', label: 'Backup after failover', description: 'the backup the runner takes after a failover, on the new timeline: its duration (null when it failed)', needsFault: true, ...worse(TIMING) },
  faults_injected: { unit: 'faults', label: 'Faults injected', description: 'faults injected', needsFault: false, ...informational },
  faults_unhealed: { unit: 'faults', label: 'Faults unhealed', description: 'faults with no successful heal', needsFault: false, ...worse(ZERO) },
  split_brain_windows: { unit: 'windows', label: 'Split-brain windows', description: 'periods where two instances accepted writes, or a stale primary acknowledged one', needsFault: false, headline: 4, ...worse(ZERO) },
  split_brain_seconds: { unit: 'seconds', label: 'Split-brain time', description: 'total duration of split-brain windows', needsFault: false, ...worse(ZERO) },
  diverged_replicas: { unit: 'replicas', label: 'Diverged replicas', description: "replicas whose rows differ from the primary's after the stack settled", needsFault: false, ...worse(ZERO) },
  writes_blocked_on_sync_seconds: { unit: 'seconds', label: 'Blocked on sync', description: 'time a primary had commits waiting for a synchronous standby (sessions in SyncRep)', needsFault: false, ...worse(TIMING) },
  no_primary_seconds: { unit: 'seconds', label: 'No primary', description: 'time no instance answered as a primary (direct probes)', needsFault: false, ...worse(TIMING) },
  replication_lag_max_bytes: { unit: 'bytes', label: 'Largest replication lag', description: 'largest replication lag a primary reported for a replica', needsFault: false, ...worse(BYTES) },
  archive_failed_count: { unit: 'failures', label: 'Archive failures', description: 'failed WAL archive attempts during the run (all primaries)', needsFault: false, ...worse(ARCHIVER) },
  archive_max_age_seconds: { unit: 'seconds', label: 'Oldest archive', description: 'largest age of the last archived WAL segment seen during the run', needsFault: false, ...worse(ARCHIVER) },
  archive_catchup_seconds: { unit: 'seconds', label: 'Archive catch-up', description: 'worst stalled-archive fault: heal to the moment the backlog was archived', needsFault: false, ...worse(TIMING) },
  wal_retained_max_bytes: { unit: 'bytes', label: 'Largest WAL backlog', description: 'largest amount of complete WAL waiting to be archived on a primary', needsFault: false, ...worse(BYTES) },
  restore_seconds: { unit: 'seconds', label: 'Restore time', description: 'longest restore: from the restore command to the restored instance accepting writes', needsFault: false, ...worse(TIMING) },
  restore_row_count: { unit: 'writes', label: 'Restored rows', description: 'rows in the (last) restored cluster', needsFault: false, ...informational },
  restore_expected_min: { unit: 'writes', label: 'Restore: rows required', description: 'rows the restore had to hold: writes acknowledged before the target', needsFault: false, ...informational },
  restore_expected_max: { unit: 'writes', label: 'Restore: rows allowed', description: 'rows the restore may hold: plus writes in flight across the target or of unknown outcome', needsFault: false, ...informational },
  restore_missing_writes: { unit: 'writes', label: 'Restore: missing writes', description: 'writes acknowledged before the target but absent from the restore', needsFault: false, ...worse(ZERO) },
  restore_unexpected_writes: { unit: 'writes', label: 'Restore: unexpected writes', description: 'rows in the restore that must not be there (invoked after the target, failed, or never attempted)', needsFault: false, ...worse(ZERO) },
  restore_ha_seconds: { unit: 'seconds', label: 'Restore: HA back', description: 'cluster restore: from the restore command until every restored replica streams from the restored primary (the slowest restore)', needsFault: false, ...worse(TIMING) },
  restore_instances_differing: { unit: 'replicas', label: 'Restore: instances differing', description: "cluster restore: restored replicas whose rows (count and md5 of the sorted keys) differ from the restored primary's after replaying up to it", needsFault: false, ...worse(ZERO) },
  restored_drill_failures: { unit: 'failures', label: 'Restored-cluster drills failed', description: 'drills run inside a restored cluster whose own verdict was fail (unmeasured when one could not decide)', needsFault: false, ...worse(ZERO) },
  backup_verify_errors: { unit: 'failures', label: 'Backup verify errors', description: "problems the repository's own verification found after a PITR drill (damaged or missing backup files and WAL)", needsFault: false, ...worse(ZERO) },
  amcheck_errors: { unit: 'failures', label: 'amcheck errors', description: "restore test: problems pg_amcheck found in the restored heap tables and btree indexes", needsFault: false, ...worse(ZERO) },
  restore_assertions_failed: { unit: 'failures', label: 'Assertions failed', description: "restore test: the user's SQL assertions whose result was not the expected one", needsFault: false, ...worse(ZERO) },
  restore_target_missed: { unit: 'failures', label: 'Target missed', description: 'restore test: 1 when recovery did not stop at its target (a commit after a time target was replayed)', needsFault: false, ...worse(ZERO) },
  archive_gaps: { unit: 'gaps', label: 'Archive gaps', description: 'missing WAL segments inside a timeline in the backup repository after the drill', needsFault: false, ...worse(ZERO) },
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof CATALOGUE;

/** The catalogue, by metric name. */
export const METRICS: Readonly<Record<MetricName, MetricInfo>> = CATALOGUE;

/** Every metric, in report.json's order. */
export const METRIC_NAMES = Object.keys(CATALOGUE) as readonly MetricName[];

/** Every metric of a run: null when it could not be measured or has no finite value (a fault never recovered). */
export type Metrics = Record<MetricName, number | null>;

/**
 * The numbers a one-glance summary shows, in order: recovery time, data
 * loss, split-brain, and how many writes went each way.
 */
export const HEADLINE_METRICS: readonly MetricName[] = METRIC_NAMES
  .filter((m) => METRICS[m].headline !== undefined)
  .sort((a, b) => (METRICS[a].headline ?? 0) - (METRICS[b].headline ?? 0));

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(CATALOGUE, name);
}
