import { describe, expect, it } from 'vitest';
import { CannedHistory } from '../../test/support/canned-history.ts';
import { analyzeRun } from './analyze.ts';
import { HEADLINE_METRICS, METRICS, METRIC_NAMES, type MetricName } from './metric-catalogue.ts';

const toleranceOf = (m: MetricName) => {
  const info = METRICS[m];
  return info.direction === 'informational' ? null : info.tolerance;
};

describe('the metric catalogue', () => {
  it('names every metric the checkers produce, and nothing else', async () => {
    const analysis = await analyzeRun(new CannedHistory().events(), null);
    expect(Object.keys(analysis.metrics).sort()).toEqual([...METRIC_NAMES].sort());
  });

  it('tolerates no worsening of a correctness count, and measurement noise on timings (as the README says)', () => {
    const correctness: MetricName[] = ['lost_writes', 'unexpected_writes', 'phantom_writes', 'split_brain_windows', 'split_brain_seconds',
      'diverged_replicas', 'faults_unhealed', 'archive_gaps', 'restore_missing_writes', 'restore_unexpected_writes'];
    for (const m of correctness) expect(toleranceOf(m), m).toEqual({ absolute: 0, relative: 0 });
    const timings: MetricName[] = ['rto_seconds', 'server_rto_seconds', 'write_downtime_seconds', 'rpo_seconds', 'no_primary_seconds',
      'writes_blocked_on_sync_seconds', 'archive_catchup_seconds', 'restore_seconds'];
    for (const m of timings) expect(toleranceOf(m), m).toEqual({ absolute: 1, relative: 0.2 });
    expect(toleranceOf('replication_lag_max_bytes')).toEqual({ absolute: 16 * 1024 * 1024, relative: 0.5 });
    expect(METRIC_NAMES.filter((m) => METRICS[m].direction === 'informational')).toEqual([
      'writes_invoked', 'writes_ok', 'writes_failed', 'writes_unknown', 'deleted_by_scenario', 'recovered_writes', 'rto_resolution_seconds',
      'fault_effect_latency_seconds', 'rto_expected_max_seconds', 'faults_injected',
      'restore_row_count', 'restore_expected_min', 'restore_expected_max',
    ]);
    for (const m of ['rto_excess_seconds', 'ha_restored_seconds', 'rejoin_seconds', 'failover_backup_seconds'] as const) expect(toleranceOf(m), m).toEqual({ absolute: 1, relative: 0.2 });
  });

  it('marks the per-fault RTO metrics as needing a fault, and orders one headline list', () => {
    expect(METRIC_NAMES.filter((m) => METRICS[m].needsFault)).toEqual([
      'rto_seconds', 'write_downtime_seconds', 'server_rto_seconds', 'rto_resolution_seconds', 'fault_effect_latency_seconds',
      'rto_expected_max_seconds', 'rto_excess_seconds', 'ha_restored_seconds', 'rejoin_seconds', 'archive_resumed_seconds', 'failover_backup_seconds',
    ]);
    expect(HEADLINE_METRICS).toEqual(['rto_seconds', 'write_downtime_seconds', 'lost_writes', 'split_brain_windows', 'writes_ok', 'writes_failed', 'writes_unknown']);
  });
});
