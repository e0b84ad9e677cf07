import type { HistoryEvent } from '../history/events.ts';
import { evidenceList, type CheckResult, type EvidenceList } from './types.ts';

/**
 * What each write must look like in a cluster restored to time T
 * (docs/design.md "What is measured"):
 * - must: acknowledged before T: it must be present;
 * - must-not: invoked after T, or certainly not applied (fail): it must be absent;
 * - either: in flight across T, or of unknown outcome: present or not.
 */
export type RestoreExpectation = 'must' | 'must-not' | 'either';

/**
 * Classifies every write of the history against the recovery target time
 * (epoch ms), one key at a time, without building a list: a PITR check can
 * cover millions of writes, read from the history file as a stream. With `latest`, nothing invoked after T is
 * forbidden (the end of WAL may include it), but everything acknowledged
 * before T is still required.
 */
export async function* classifyForRestore(
  history: Iterable<HistoryEvent> | AsyncIterable<HistoryEvent>,
  targetMs: number,
  mode: 'time' | 'latest',
): AsyncGenerator<[string, RestoreExpectation]> {
  // Only writes still in flight are held here: a history of millions streams through.
  const invokedAt = new Map<string, number>();
  for await (const e of history) {
    if (e.type === 'invoke') {
      invokedAt.set(e.key, Date.parse(e.wall));
      continue;
    }
    if (e.type !== 'ok' && e.type !== 'fail' && e.type !== 'info') continue;
    const invoked = invokedAt.get(e.key);
    invokedAt.delete(e.key);
    if (invoked === undefined) continue;
    yield [e.key, expectation(e.type, invoked, Date.parse(e.wall), targetMs, mode)];
  }
  // Writes still pending at the end: unknown outcome.
  for (const [key, invoked] of invokedAt) yield [key, invoked > targetMs && mode === 'time' ? 'must-not' : 'either'];
}

function expectation(outcome: 'ok' | 'fail' | 'info', invokedMs: number, completedMs: number, targetMs: number, mode: 'time' | 'latest'): RestoreExpectation {
  if (outcome === 'fail') return 'must-not';
  if (invokedMs > targetMs) return mode === 'time' ? 'must-not' : 'either';
  if (outcome === 'ok' && completedMs < targetMs) return 'must';
  return 'either';
}

/** What the harness read from one restored cluster, comparing it with the expectations inside PostgreSQL. */
export interface RestoreRead {
  name: string;
  /** The recovery target as asked: a mark's time, an LSN, or the end of WAL. */
  target: string;
  targetTime: string | null;
  /** From the restore command to the restored instance accepting writes. */
  seconds: number;
  rowCount: number;
  /** md5 over the sorted keys of the restored rows. */
  checksum: string;
  /** Writes that had to be there (acknowledged before T): their number is the lower bound of the row count. */
  expectedMin: number;
  /** Plus writes that may be there (in flight across T, unknown outcome). */
  expectedMax: number;
  missing: EvidenceList<string>;
  unexpected: EvidenceList<string>;
  /** Where the restored instance says recovery stopped. */
  reached: { timeline: number | null; lsn: string | null; lastCommitAt: string | null };
  /** A cluster restore: seconds from the restore command until every restored replica streamed, or why that is unknown. */
  ha?: { seconds: number } | { error: string };
  /** A cluster restore: every restored instance's rows, read after it replayed up to the restored primary, against the primary's. */
  instances?: RestoredInstanceRows[];
  /** The drill run inside the restored cluster, judged by its own thresholds. */
  drill?: RestoredDrillOutcome;
}

/** One restored instance's rows: the same count and the same md5 over the sorted keys as the restored primary, or not, or unread. */
export interface RestoredInstanceRows {
  name: string;
  role: 'primary' | 'replica';
  rowCount: number | null;
  checksum: string | null;
  /** null: unread (see error); never counted as equal or different. */
  matches: boolean | null;
  error?: string;
}

/** How a drill inside a restored cluster ended: its verdict, why, and where its own reports are. */
export interface RestoredDrillOutcome {
  verdict: 'pass' | 'fail' | 'inconclusive' | 'skipped' | 'interrupted';
  reasons: string[];
  /** Its report folder, relative to the run's. */
  reportDir: string | null;
}

export type RestoreMetric =
  | 'restore_seconds'
  | 'restore_row_count'
  | 'restore_expected_min'
  | 'restore_expected_max'
  | 'restore_missing_writes'
  | 'restore_unexpected_writes'
  | 'restore_ha_seconds'
  | 'restore_instances_differing'
  | 'restored_drill_failures';

const RESTORE_METRICS: readonly RestoreMetric[] = [
  'restore_seconds',
  'restore_row_count',
  'restore_expected_min',
  'restore_expected_max',
  'restore_missing_writes',
  'restore_unexpected_writes',
  'restore_ha_seconds',
  'restore_instances_differing',
  'restored_drill_failures',
];

export interface RestoreEvidence {
  /** The repository's backups after the drill (label, type, times), when the target has backups. */
  backups: ReadonlyArray<{ id: string; type: string; startedAt: string; finishedAt: string }>;
  restores: RestoreRead[];
  /** Restores that failed, with why (the target was not reached, the instance never started, ...). */
  failed: Array<{ name: string; error: string }>;
}

/**
 * Restore metrics from the restore reads: the worst restore's duration, the
 * last restore's row count and expected range, and the offending writes of
 * every restore added up. A restore that failed makes every metric null:
 * unmeasured, never zero.
 */
export function checkRestore(
  reads: ReadonlyArray<RestoreRead | { name: string; error: string }> | undefined,
  backups: RestoreEvidence['backups'] = [],
): CheckResult<RestoreMetric, RestoreEvidence> {
  const restores = (reads ?? []).filter((r): r is RestoreRead => !('error' in r));
  const failed = (reads ?? []).filter((r): r is { name: string; error: string } => 'error' in r);
  const evidence: RestoreEvidence = { backups, restores, failed };
  const unmeasured: Partial<Record<RestoreMetric, string>> = {};
  const reason = failed.length > 0 ? `restore ${failed[0]!.name} failed: ${failed[0]!.error}` : restores.length === 0 ? 'no restore was made' : null;
  if (reason) {
    for (const m of RESTORE_METRICS) unmeasured[m] = reason;
    return { metrics: Object.fromEntries(RESTORE_METRICS.map((m) => [m, null])) as Record<RestoreMetric, null>, evidence, unmeasured };
  }
  const last = restores[restores.length - 1]!;
  const cluster = clusterMetrics(restores);
  Object.assign(unmeasured, cluster.unmeasured);
  return {
    metrics: {
      ...cluster.metrics,
      restore_seconds: Math.max(...restores.map((r) => r.seconds)),
      restore_row_count: last.rowCount,
      restore_expected_min: last.expectedMin,
      restore_expected_max: last.expectedMax,
      restore_missing_writes: restores.reduce((n, r) => n + r.missing.count, 0),
      restore_unexpected_writes: restores.reduce((n, r) => n + r.unexpected.count, 0),
    },
    evidence,
    unmeasured,
  };
}

/**
 * The cluster restores' own metrics: the slowest one's time until its
 * replicas streamed, the restored instances whose rows differ from their
 * restored primary's, and the drills inside them that failed. Anything
 * unread (a replica that never streamed, an instance that could not be
 * read, a drill that could not decide) leaves its metric unmeasured.
 */
function clusterMetrics(restores: readonly RestoreRead[]): {
  metrics: Record<'restore_ha_seconds' | 'restore_instances_differing' | 'restored_drill_failures', number | null>;
  unmeasured: Partial<Record<RestoreMetric, string>>;
} {
  const unmeasured: Partial<Record<RestoreMetric, string>> = {};
  const clusters = restores.filter((r) => r.instances !== undefined);
  let ha: number | null = null;
  let differing: number | null = null;
  if (clusters.length === 0) {
    unmeasured.restore_ha_seconds = 'no restore into a cluster';
    unmeasured.restore_instances_differing = 'no restore into a cluster';
  } else {
    const noHa = clusters.find((r) => !r.ha || 'error' in r.ha);
    if (noHa) unmeasured.restore_ha_seconds = `${noHa.name}: ${noHa.ha && 'error' in noHa.ha ? noHa.ha.error : 'the target cannot tell when restored replicas stream'}`;
    else ha = Math.max(...clusters.map((r) => (r.ha as { seconds: number }).seconds));
    const unread = clusters.flatMap((r) => r.instances!.filter((i) => i.matches === null).map((i) => `${r.name}: ${i.name} could not be read: ${i.error ?? 'unknown'}`));
    if (unread.length > 0) unmeasured.restore_instances_differing = unread[0]!;
    else differing = clusters.reduce((n, r) => n + r.instances!.filter((i) => i.matches === false).length, 0);
  }
  const drills = restores.flatMap((r) => (r.drill ? [{ name: r.name, drill: r.drill }] : []));
  let failures: number | null = null;
  const undecided = drills.find((d) => d.drill.verdict !== 'pass' && d.drill.verdict !== 'fail');
  if (drills.length === 0) unmeasured.restored_drill_failures = 'no drill inside a restored cluster';
  else if (undecided) unmeasured.restored_drill_failures = `the drill inside ${undecided.name} was ${undecided.drill.verdict}: ${undecided.drill.reasons[0] ?? 'no reason given'}`;
  else failures = drills.filter((d) => d.drill.verdict === 'fail').length;
  return { metrics: { restore_ha_seconds: ha, restore_instances_differing: differing, restored_drill_failures: failures }, unmeasured };
}

/** Builds an evidence list from a count and the first keys, as the SQL comparison returns them. */
export function keyList(count: number, firstKeys: string[]): EvidenceList<string> {
  const list = evidenceList(firstKeys);
  return { ...list, count, truncated: count > firstKeys.length };
}
