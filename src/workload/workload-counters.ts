/** Running counts of a workload's attempts; the history holds the detail. */
export interface WorkloadCounters {
  invoked: number;
  ok: number;
  fail: number;
  info: number;
  /** Invoked and not yet resolved. Zero after a clean stop. */
  inFlight: number;
  /** Attempts that failed because no connection could be made (a subset of fail). */
  connectFailures: number;
  /** ok outcomes that came with the synchronous-replication cancel WARNING. */
  syncRepWarnings: number;
  /** One-shot attempts started while a writer was cut off (their outcomes count in the totals above). */
  outageProbes: number;
}

export function emptyCounters(): WorkloadCounters {
  return { invoked: 0, ok: 0, fail: 0, info: 0, inFlight: 0, connectFailures: 0, syncRepWarnings: 0, outageProbes: 0 };
}
