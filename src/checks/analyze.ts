import type { HistoryEvent } from '../history/events.ts';
import { checkArchive, type ArchiveEvidence } from './archive.ts';
import { checkAvailability, type AvailabilityEvidence } from './availability.ts';
import { checkDivergence, type DivergenceEvidence } from './divergence.ts';
import { checkRestore, type RestoreEvidence } from './restore.ts';
import { primaryRows, type FinalReads } from './final-reads.ts';
import type { MetricName, Metrics } from './metric-catalogue.ts';
import { checkFaultIntegrity } from './fault-integrity.ts';
import { checkBackupIntegrity, type BackupIntegrityEvidence } from './backup-integrity.ts';
import { checkRecovery, type RecoveryEvidence } from './recovery.ts';
import { checkRestoreTest, type RestoreTestEvidence, type RestoreTestMetric } from './restore-test.ts';
import { checkRpo, rpoUnmeasured, type RpoEvidence } from './rpo.ts';
import { checkRto, type RtoEvidence } from './rto.ts';
import { checkSplitBrain, type SplitBrainEvidence } from './split-brain.ts';
import type { CheckOptions } from './types.ts';
import { checkWrites, type WritesEvidence } from './writes.ts';

export interface RunEvidence {
  writes: WritesEvidence;
  /** Null when the primary could not be read back. */
  rpo: RpoEvidence | null;
  rto: RtoEvidence;
  splitBrain: SplitBrainEvidence;
  divergence: DivergenceEvidence;
  availability: AvailabilityEvidence;
  archive: ArchiveEvidence;
  restore: RestoreEvidence;
  recovery: RecoveryEvidence;
  backupIntegrity: BackupIntegrityEvidence;
  /** Only in a restore test of an existing repository. */
  restoreTest?: RestoreTestEvidence;
}

export interface RunAnalysis {
  /** Every metric, null where not measured or unbounded. */
  metrics: Metrics;
  /** Why each unmeasured metric is null (absent: measured, or null because unbounded). */
  unmeasured: Partial<Record<MetricName, string>>;
  /** What unbounded metrics are known to exceed (CheckResult.atLeast). */
  atLeast: Partial<Record<MetricName, number>>;
  /**
   * Why the run's measurements are void (a fault that lapsed before its
   * heal, ...): each makes the run inconclusive, whatever the thresholds say.
   */
  voided: string[];
  evidence: RunEvidence;
}

/**
 * Every checker over one run: the runner's single call once the final reads
 * are in. `finalReads` null means they could not be made: the RPO and
 * divergence metrics are then unmeasured, never zero.
 */
export async function analyzeRun(
  history: readonly HistoryEvent[],
  finalReads: FinalReads | null,
  options: CheckOptions = {},
): Promise<RunAnalysis> {
  const writes = checkWrites(history, options);
  const primary = primaryRows(finalReads);
  const measured = 'error' in primary ? null : await checkRpo(history, primary.keys, options);
  const rpo = measured ?? rpoUnmeasured('error' in primary ? primary.error : '');
  const rto = checkRto(history, measured ? { lostKeys: measured.lostKeys } : {});
  const splitBrain = checkSplitBrain(history, options);
  const divergence = await checkDivergence(finalReads, options);
  const availability = checkAvailability(history);
  const archive = checkArchive(history, finalReads?.archive ?? null);
  const restore = checkRestore(finalReads?.restores, finalReads?.backups);
  const backupIntegrity = checkBackupIntegrity(finalReads?.verification, options);
  const restoreTest = finalReads?.restoreTest ? checkRestoreTest(finalReads.restoreTest) : null;
  const notRestoreTest: Partial<Record<RestoreTestMetric, string>> = restoreTest
    ? {}
    : { amcheck_errors: 'not a restore test', restore_assertions_failed: 'not a restore test', restore_target_missed: 'not a restore test' };
  const recovery = checkRecovery(history, new Map(rto.evidence.faults.map((f) => [f.fault, f.rtoSeconds])));

  return {
    metrics: {
      ...writes.metrics,
      ...rpo.metrics,
      ...rto.metrics,
      ...splitBrain.metrics,
      ...divergence.metrics,
      ...availability.metrics,
      ...archive.metrics,
      ...restore.metrics,
      ...recovery.metrics,
      ...backupIntegrity.metrics,
      amcheck_errors: null,
      restore_assertions_failed: null,
      restore_target_missed: null,
      // A restore test measures the restore itself (no ledger): its numbers replace the drill's.
      ...restoreTest?.metrics,
    },
    unmeasured: {
      ...writes.unmeasured,
      ...rpo.unmeasured,
      ...rto.unmeasured,
      ...splitBrain.unmeasured,
      ...divergence.unmeasured,
      ...availability.unmeasured,
      ...archive.unmeasured,
      ...restore.unmeasured,
      ...recovery.unmeasured,
      ...backupIntegrity.unmeasured,
      ...notRestoreTest,
      ...(restoreTest ? { restore_seconds: undefined, restore_row_count: undefined } : {}),
    },
    atLeast: { ...rto.atLeast },
    voided: [...checkFaultIntegrity(history).voided],
    evidence: {
      writes: writes.evidence,
      rpo: rpo.evidence,
      rto: rto.evidence,
      splitBrain: splitBrain.evidence,
      divergence: divergence.evidence,
      availability: availability.evidence,
      archive: archive.evidence,
      restore: restore.evidence,
      recovery: recovery.evidence,
      backupIntegrity: backupIntegrity.evidence,
      ...(restoreTest ? { restoreTest: restoreTest.evidence } : {}),
    },
  };
}
