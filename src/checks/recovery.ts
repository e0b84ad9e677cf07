import type { HistoryEvent, LagEvent, SteadyStateEvent } from '../history/events.ts';
import { listFaults, type FaultRecord } from './faults.ts';
import { seconds, type CheckResult } from './types.ts';

export type RecoveryMetric =
  | 'ha_restored_seconds'
  | 'rejoin_seconds'
  | 'archive_resumed_seconds'
  | 'failover_backup_seconds'
  | 'rto_expected_max_seconds'
  | 'rto_excess_seconds'
  | 'fault_effect_latency_seconds';

/** Recovery of one fault beyond its write RTO; null fields were not reached, `notApplicable` says why one cannot be. */
export interface FaultRecovery {
  fault: string;
  /** The primary just before the fault. */
  primaryBefore: string | null;
  /** From the fault taking effect until the configured shape was back: every instance streaming from one primary, the synchronous standby present when configured. */
  haRestoredSeconds: number | null;
  haRestoredAt: string | null;
  /** Until the old primary streamed again as a replica of the new one. */
  rejoinSeconds: number | null;
  rejoinedAt: string | null;
  /** Until the first WAL segment of the new timeline was archived. */
  archiveResumedSeconds: number | null;
  archiveResumedWal: string | null;
  notApplicable: Partial<Record<'rejoin' | 'archiveResumed', string>>;
  /** What the configuration predicts for the RTO, at most. */
  expected: { maxSeconds: number; basis: string } | null;
}

export interface RecoveryEvidence {
  /** The shape the stack had before the first step; null when no steady state was recorded. */
  shape: { primary: string | null; instances: string[]; synchronous: boolean } | null;
  faults: FaultRecovery[];
  failoverBackup: { ok: boolean; seconds: number; id?: string; error?: string } | null;
}

/** The lag samples are taken every second: a standby's row older than this is not "still streaming". */
const FRESH_MS = 2_500;

/**
 * Recovery measured to the end, from the lag and archive samples: per
 * fault, when the topology was back to its configured shape, when the old
 * primary was a streaming replica again, when WAL of the new timeline
 * reached the archive; the backup taken after a failover; and the RTO the
 * configuration predicts beside the measured one (`rtoSeconds`, per fault,
 * from the RTO checker). A stack that serves writes again but never gets
 * its HA back has these null (not unmeasured): a threshold on them fails.
 */
export function checkRecovery(
  history: readonly HistoryEvent[],
  rtoSeconds: ReadonlyMap<string, number | null> = new Map(),
): CheckResult<RecoveryMetric, RecoveryEvidence> {
  const steady = history.find((e): e is HistoryEvent & SteadyStateEvent => e.type === 'steady-state' && e.ok);
  const shape = steady ? { primary: steady.primary, instances: steady.instances, synchronous: steady.synchronous } : null;
  const records = listFaults(history);
  const faults = records.map((record) => faultRecovery(record, history, shape));
  let backupEvent: HistoryEvent | undefined;
  for (const e of history) if (e.type === 'failover-backup') backupEvent = e;
  const failoverBackup = backupEvent?.type === 'failover-backup'
    ? { ok: backupEvent.ok, seconds: backupEvent.seconds, ...(backupEvent.id ? { id: backupEvent.id } : {}), ...(backupEvent.error ? { error: backupEvent.error } : {}) }
    : null;

  const unmeasured: Partial<Record<RecoveryMetric, string>> = {};
  const none = records.length === 0 ? 'no fault was injected' : null;
  if (none) for (const m of ['ha_restored_seconds', 'rejoin_seconds', 'archive_resumed_seconds', 'rto_expected_max_seconds', 'rto_excess_seconds', 'fault_effect_latency_seconds'] as const) unmeasured[m] = none;
  if (!none && !shape) unmeasured.ha_restored_seconds = 'the steady state before the first fault was not recorded';

  const worst = (values: (number | null)[]): number | null => (values.some((v) => v === null) ? null : values.length === 0 ? null : Math.max(...(values as number[])));
  const applicable = (key: 'rejoin' | 'archiveResumed') => faults.filter((f) => f.notApplicable[key] === undefined);
  const rejoins = applicable('rejoin');
  const resumes = applicable('archiveResumed');
  if (!none && rejoins.length === 0) unmeasured.rejoin_seconds = faults[0]?.notApplicable.rejoin ?? 'not applicable';
  if (!none && resumes.length === 0) unmeasured.archive_resumed_seconds = faults[0]?.notApplicable.archiveResumed ?? 'not applicable';

  const expectedFaults = faults.filter((f) => f.expected !== null);
  if (!none && expectedFaults.length === 0) {
    unmeasured.rto_expected_max_seconds = "the target's configuration predicts no RTO for these faults";
    unmeasured.rto_excess_seconds = unmeasured.rto_expected_max_seconds;
  }
  const excess = expectedFaults.map((f) => {
    const rto = rtoSeconds.get(f.fault);
    return rto === undefined || rto === null ? null : seconds((rto - f.expected!.maxSeconds) * 1000);
  });
  if (!failoverBackup) unmeasured.failover_backup_seconds = 'no backup was taken after a failover (none happened, or the stack has no repository of its own)';

  const latencies = records.map((r) => (r.appliedT === null ? null : seconds(r.appliedT - r.injectT)));
  return {
    metrics: {
      ha_restored_seconds: shape && !none ? worst(faults.map((f) => f.haRestoredSeconds)) : null,
      rejoin_seconds: rejoins.length > 0 ? worst(rejoins.map((f) => f.rejoinSeconds)) : null,
      archive_resumed_seconds: resumes.length > 0 ? worst(resumes.map((f) => f.archiveResumedSeconds)) : null,
      failover_backup_seconds: failoverBackup?.ok ? failoverBackup.seconds : null,
      rto_expected_max_seconds: expectedFaults.length > 0 ? Math.max(...expectedFaults.map((f) => f.expected!.maxSeconds)) : null,
      rto_excess_seconds: expectedFaults.length > 0 ? worst(excess) : null,
      fault_effect_latency_seconds: none ? null : worst(latencies),
    },
    evidence: { shape, faults, failoverBackup },
    unmeasured,
  };
}

function faultRecovery(record: FaultRecord, history: readonly HistoryEvent[], shape: RecoveryEvidence['shape']): FaultRecovery {
  const inject = history.find((e) => e.type === 'inject' && e.fault === record.fault);
  const primaryBefore = (inject?.type === 'inject' ? inject.primary : undefined) ?? shape?.primary ?? null;
  const applied = history.find((e) => e.type === 'fault-applied' && e.fault === record.fault);
  const expected = applied?.type === 'fault-applied' ? (applied.expected ?? null) : null;
  const startT = record.appliedT ?? record.injectT;
  const base: FaultRecovery = {
    fault: record.fault, primaryBefore,
    haRestoredSeconds: null, haRestoredAt: null, rejoinSeconds: null, rejoinedAt: null, archiveResumedSeconds: null, archiveResumedWal: null,
    notApplicable: {}, expected,
  };
  const timelineBefore = lastTimelineBefore(history, startT);
  // Per primary, the latest row it reported for each standby.
  const views = new Map<string, Map<string, LagEvent & { t: number }>>();
  let primaryChanged = false;
  let newTimeline = false;
  for (const e of history) {
    if (e.t < startT) continue;
    if (e.type === 'ok' && timelineBefore !== null && e.timeline > timelineBefore) newTimeline = true;
    if (e.type === 'lag') {
      let view = views.get(e.instance);
      if (!view) views.set(e.instance, (view = new Map()));
      view.set(e.replica, e);
      if (primaryBefore !== null && e.instance !== primaryBefore) primaryChanged = true;
      if (shape && base.haRestoredSeconds === null && shapeRestored(e.instance, view, shape, e.t)) {
        base.haRestoredSeconds = seconds(e.t - startT);
        base.haRestoredAt = e.wall;
      }
      if (primaryBefore !== null && base.rejoinSeconds === null && e.instance !== primaryBefore && e.replica === primaryBefore && e.state === 'streaming') {
        base.rejoinSeconds = seconds(e.t - startT);
        base.rejoinedAt = e.wall;
      }
    }
    // A one-instance shape has no standby rows: it is back when its instance answers as the primary.
    if (e.type === 'probe' && shape && shape.instances.length === 1 && base.haRestoredSeconds === null && e.instance === shape.instances[0] && e.reachable && e.role === 'primary') {
      base.haRestoredSeconds = seconds(e.t - startT);
      base.haRestoredAt = e.wall;
    }
    if (e.type === 'archive' && base.archiveResumedSeconds === null && timelineBefore !== null && e.lastArchivedWal && /^[0-9A-F]{24}$/.test(e.lastArchivedWal)) {
      if (parseInt(e.lastArchivedWal.slice(0, 8), 16) > timelineBefore) {
        base.archiveResumedSeconds = seconds(e.t - startT);
        base.archiveResumedWal = e.lastArchivedWal;
      }
    }
  }
  if (primaryBefore === null || !primaryChanged) base.notApplicable.rejoin = 'the primary kept its role (no failover)';
  if (!newTimeline && base.archiveResumedSeconds === null) base.notApplicable.archiveResumed = 'no new timeline (no promotion)';
  else if (base.archiveResumedSeconds === null && !history.some((e) => e.type === 'archive')) {
    base.notApplicable.archiveResumed = 'the stack does not archive (no archiver was sampled)';
  }
  return base;
}

/** The configured shape, seen from `primary`: every other instance streaming from it (fresh rows), a synchronous one when configured. */
function shapeRestored(primary: string, view: ReadonlyMap<string, LagEvent & { t: number }>, shape: NonNullable<RecoveryEvidence['shape']>, now: number): boolean {
  if (!shape.instances.includes(primary)) return false;
  const others = shape.instances.filter((i) => i !== primary);
  const rows = others.map((name) => view.get(name));
  if (rows.some((r) => !r || r.state !== 'streaming' || now - r.t > FRESH_MS)) return false;
  return !shape.synchronous || others.length === 0 || rows.some((r) => r!.syncState === 'sync' || r!.syncState === 'quorum');
}

/** The timeline of the last acknowledged write before `t`. */
function lastTimelineBefore(history: readonly HistoryEvent[], t: number): number | null {
  let timeline: number | null = null;
  for (const e of history) {
    if (e.t >= t) break;
    if (e.type === 'ok') timeline = e.timeline;
  }
  return timeline;
}
