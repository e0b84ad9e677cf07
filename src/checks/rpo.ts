import type { HistoryEvent } from '../history/events.ts';
import { streamKeys, type KeySource } from './final-reads.ts';
import { evidenceList, seconds, type CheckOptions, type CheckResult, type EvidenceList } from './types.ts';
import { outcomeOf, pairWrites, type WriteOp } from './writes.ts';

export interface LostWrite {
  key: string;
  process: number;
  /** Acknowledgement time: run clock (ms) and wall clock. */
  ackT: number;
  ackedAt: string;
  instance: string;
  timeline: number;
  serverTime: string;
  /** The server's warning that the synchronous wait was cancelled: why an acknowledged write could be lost. */
  syncRepWarning?: string;
}

export interface PhantomWrite {
  key: string;
  process: number;
  failedAt: string;
  error: string;
}

export interface RecoveredWrite {
  key: string;
  process: number;
  /** 'pending': the write never completed before the history ended. */
  outcome: 'info' | 'pending';
}

export interface RpoEvidence {
  /** Rows read back from the primary. */
  rowsRead: number;
  /** Acknowledged but absent, oldest acknowledgement first. */
  lost: EvidenceList<LostWrite>;
  /** Wall-clock window of the lost acknowledgements; null when nothing was lost. */
  lostWindow: { from: string; to: string } | null;
  unexpected: EvidenceList<string>;
  phantom: EvidenceList<PhantomWrite>;
  recovered: EvidenceList<RecoveredWrite>;
  /** Absent because the scenario's own SQL removed them (rows-deleted events): intentional, not lost. */
  deletedByScenario: EvidenceList<string>;
}

export type RpoMetric = 'lost_writes' | 'unexpected_writes' | 'phantom_writes' | 'recovered_writes' | 'rpo_seconds' | 'deleted_by_scenario';

const RPO_METRICS: readonly RpoMetric[] = ['lost_writes', 'unexpected_writes', 'phantom_writes', 'recovered_writes', 'rpo_seconds', 'deleted_by_scenario'];

/**
 * Jepsen's set checker over the final read of the primary. The rows are
 * streamed once and looked up in the history (already in memory), so the
 * final read never has to fit in an array. Keys the scenario's own SQL
 * removed (a PITR drill's fat-fingered DELETE) are counted apart, as
 * deleted_by_scenario: the ledger knows exactly which they were, and
 * lost_writes stays strict about every other acknowledged write.
 */
export async function checkRpo(
  history: readonly HistoryEvent[],
  finalRows: KeySource,
  options: CheckOptions = {},
): Promise<CheckResult<RpoMetric, RpoEvidence> & { lostKeys: ReadonlySet<string> }> {
  const writes = pairWrites(history);
  const present = new Set<WriteOp>();
  const unexpected = new Set<string>();
  let rowsRead = 0;
  for await (const key of streamKeys(finalRows)) {
    rowsRead += 1;
    const op = writes.byKey.get(key);
    if (op) present.add(op);
    else unexpected.add(key);
  }

  const removed = new Set<string>();
  for (const e of history) if (e.type === 'rows-deleted') for (const key of e.keys) removed.add(key);
  const lost: LostWrite[] = [];
  const phantom: PhantomWrite[] = [];
  const recovered: RecoveredWrite[] = [];
  const deletedByScenario: string[] = [];
  for (const op of writes.ops) {
    if (writes.byKey.get(op.key) !== op) continue; // a duplicated key is a protocol violation, judged once
    const c = op.completion;
    const isPresent = present.has(op);
    if (!isPresent && removed.has(op.key)) {
      deletedByScenario.push(op.key);
    } else if (c?.type === 'ok' && !isPresent) {
      lost.push({
        key: op.key, process: op.process, ackT: c.t, ackedAt: c.wall,
        instance: c.instance, timeline: c.timeline, serverTime: c.serverTime,
        ...(c.syncRepWarning === undefined ? {} : { syncRepWarning: c.syncRepWarning }),
      });
    } else if (c?.type === 'fail' && isPresent) {
      phantom.push({ key: op.key, process: op.process, failedAt: c.wall, error: c.error });
    } else if (outcomeOf(op) === 'info' && isPresent) {
      recovered.push({ key: op.key, process: op.process, outcome: c ? 'info' : 'pending' });
    }
  }
  lost.sort((a, b) => a.ackT - b.ackT);
  const oldest = lost[0];
  const newest = lost[lost.length - 1];

  return {
    metrics: {
      lost_writes: lost.length,
      unexpected_writes: unexpected.size,
      phantom_writes: phantom.length,
      recovered_writes: recovered.length,
      rpo_seconds: oldest && newest ? seconds(newest.ackT - oldest.ackT) : 0,
      deleted_by_scenario: deletedByScenario.length,
    },
    evidence: {
      rowsRead,
      lost: evidenceList(lost, options.evidenceLimit),
      lostWindow: oldest && newest ? { from: oldest.ackedAt, to: newest.ackedAt } : null,
      unexpected: evidenceList([...unexpected], options.evidenceLimit),
      phantom: evidenceList(phantom, options.evidenceLimit),
      recovered: evidenceList(recovered, options.evidenceLimit),
      deletedByScenario: evidenceList(deletedByScenario, options.evidenceLimit),
    },
    unmeasured: {},
    // Every lost key (the evidence list may be truncated): RTO must not count a lost acknowledgement as recovery.
    lostKeys: new Set(lost.map((w) => w.key)),
  };
}

/** The RPO result when the primary could not be read: every metric null, with the reason. */
export function rpoUnmeasured(reason: string): CheckResult<RpoMetric, RpoEvidence | null> {
  return {
    metrics: { lost_writes: null, unexpected_writes: null, phantom_writes: null, recovered_writes: null, rpo_seconds: null, deleted_by_scenario: null },
    evidence: null,
    unmeasured: Object.fromEntries(RPO_METRICS.map((m) => [m, reason])),
  };
}
