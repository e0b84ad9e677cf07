import { setTimeout as sleep } from 'node:timers/promises';
import { checkRecovery } from '../checks/recovery.ts';
import type { HistoryBody, HistoryEvent } from '../history/events.ts';
import type { StartedTarget } from '../targets/target.ts';

/**
 * After the stack settled: waits, at most `timeoutMs`, until the samples
 * show every fault's recovery to the end (the configured shape back, the
 * old primary streaming again, the new timeline's WAL archived) while the
 * observers still run; a measure still missing at the end stays missing in
 * the report, which is the point.
 */
export async function awaitRecoveryToTheEnd(history: () => readonly HistoryEvent[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    signal.throwIfAborted();
    const { evidence } = checkRecovery(history());
    const pending = evidence.faults.some(
      (f) =>
        (evidence.shape !== null && f.haRestoredSeconds === null) ||
        (f.notApplicable.rejoin === undefined && f.rejoinSeconds === null) ||
        (f.notApplicable.archiveResumed === undefined && f.archiveResumedSeconds === null),
    );
    if (!pending) return;
    await sleep(500, undefined, { signal });
  }
}

/**
 * A repository that cannot take a backup on the new timeline after a
 * failover has lost its point: when the run promoted an instance (a write
 * acknowledged on a newer timeline than the first one), one backup is
 * taken and recorded, ok or not.
 */
export async function backupAfterFailover(target: StartedTarget, history: readonly HistoryEvent[], record: (body: HistoryBody) => void): Promise<void> {
  if (!target.backups || !promoted(history)) return;
  const started = performance.now();
  try {
    const backup = await target.backups.backup('incremental');
    record({ type: 'failover-backup', ok: true, id: backup.id, seconds: Math.round(performance.now() - started) / 1000 });
  } catch (error) {
    record({ type: 'failover-backup', ok: false, error: error instanceof Error ? error.message : String(error), seconds: Math.round(performance.now() - started) / 1000 });
  }
}

function promoted(history: readonly HistoryEvent[]): boolean {
  let first: number | null = null;
  for (const e of history) {
    if (e.type !== 'ok') continue;
    first ??= e.timeline;
    if (e.timeline > first) return true;
  }
  return false;
}
