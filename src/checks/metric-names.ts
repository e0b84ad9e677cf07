/**
 * Every metric a checker produces. Thresholds may only name these (an unknown
 * name is rejected before the run starts), and every report lists all of
 * them, null where a value could not be had.
 */
export interface MetricInfo {
  unit: 'writes' | 'seconds' | 'windows' | 'faults' | 'replicas';
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
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as readonly MetricName[];

/** Every metric of a run: null when it could not be measured or has no finite value (a fault never recovered). */
export type Metrics = Record<MetricName, number | null>;

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}
