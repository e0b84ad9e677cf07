import type { HistoryEvent } from '../history/events.ts';
import { checkArchive, type ArchiveEvidence } from './archive.ts';
import { checkAvailability, type AvailabilityEvidence } from './availability.ts';
import { checkDivergence, type DivergenceEvidence } from './divergence.ts';
import { checkRestore, type RestoreEvidence } from './restore.ts';
import { primaryRows, type FinalReads } from './final-reads.ts';
import type { MetricName, Metrics } from './metric-names.ts';
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
}

export interface RunAnalysis {
  /** Every metric, null where not measured or unbounded. */
  metrics: Metrics;
  /** Why each unmeasured metric is null (absent: measured, or null because unbounded). */
  unmeasured: Partial<Record<MetricName, string>>;
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
    },
    evidence: {
      writes: writes.evidence,
      rpo: rpo.evidence,
      rto: rto.evidence,
      splitBrain: splitBrain.evidence,
      divergence: divergence.evidence,
      availability: availability.evidence,
      archive: archive.evidence,
      restore: restore.evidence,
    },
  };
}
