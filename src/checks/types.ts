import type { MetricName } from './metric-catalogue.ts';

/**
 * What every checker returns: metrics (numbers a threshold can gate on),
 * evidence (what a person needs to believe the numbers), and, for each
 * metric it could not measure, why. A null metric that is NOT listed in
 * `unmeasured` was measured as unbounded (a fault that never recovered).
 */
export interface CheckResult<M extends MetricName, E> {
  metrics: Record<M, number | null>;
  evidence: E;
  unmeasured: Partial<Record<M, string>>;
  /**
   * For an unbounded (null, not unmeasured) metric: what it is known to
   * exceed, e.g. an outage still going on when the history ended. A
   * threshold that this bound alone does not decide cannot be judged.
   */
  atLeast?: Partial<Record<M, number>>;
}

/** A list that may be long (lost keys of a bad async failover): exact count, first `limit` items. */
export interface EvidenceList<T> {
  count: number;
  items: T[];
  truncated: boolean;
}

/** Default number of items kept per evidence list: enough to investigate, small enough for a report. */
export const DEFAULT_EVIDENCE_LIMIT = 1000;

export interface CheckOptions {
  /** Items kept per evidence list (counts stay exact). */
  evidenceLimit?: number;
}

export function evidenceList<T>(all: readonly T[], limit: number = DEFAULT_EVIDENCE_LIMIT): EvidenceList<T> {
  return { count: all.length, items: all.slice(0, limit), truncated: all.length > limit };
}

/** Milliseconds on the run clock to seconds, rounded to the millisecond. */
export function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
