import { evidenceList, type CheckResult, type EvidenceList } from './types.ts';

/** What `pgdrill restore-test` saw in the scratch instance restored from an existing repository. */
export interface RestoreTestObservation {
  /** The recovery target as asked: "latest" or an ISO time. */
  target: string;
  seconds: number;
  reached: { timeline: number | null; lsn: string | null; lastCommitAt: string | null };
  /** Exact row counts of every user table, per database. */
  tables: Array<{ database: string; table: string; rows: number }>;
  /** pg_amcheck over heap and btree indexes of every database: its exit code and what it reported. */
  amcheck: { exitCode: number | null; lines: string[] };
  /** The user's assertions: what the SQL returned beside what was expected. */
  assertions: Array<{ name: string; ok: boolean; expected: string[]; got: string[]; error?: string }>;
}

export type RestoreTestMetric = 'restore_seconds' | 'restore_row_count' | 'amcheck_errors' | 'restore_assertions_failed' | 'restore_target_missed';

export interface RestoreTestEvidence {
  target: string;
  reached: RestoreTestObservation['reached'];
  /** Why the target counts as missed, when it does. */
  targetMissed: string | null;
  tables: RestoreTestObservation['tables'];
  amcheck: { exitCode: number | null; problems: EvidenceList<string> };
  assertions: RestoreTestObservation['assertions'];
}

/**
 * A restore test's checks: recovery reached its target (for a time, the last
 * replayed commit is not after it and recovery ended; for "latest", it ended),
 * pg_amcheck found nothing (every line it prints about a relation is a
 * problem; an exit code other than 0 with no line is one too), the rows per
 * table, and every user assertion held.
 */
export function checkRestoreTest(o: RestoreTestObservation): CheckResult<RestoreTestMetric, RestoreTestEvidence> {
  const problems = o.amcheck.lines.filter((l) => l.trim().length > 0);
  const amcheckErrors = problems.length > 0 ? problems.length : o.amcheck.exitCode === 0 ? 0 : 1;
  let targetMissed: string | null = null;
  if (o.target !== 'latest') {
    const commit = o.reached.lastCommitAt ? Date.parse(o.reached.lastCommitAt) : null;
    if (commit !== null && commit > Date.parse(o.target)) targetMissed = `the last replayed commit (${o.reached.lastCommitAt}) is after the target ${o.target}`;
  }
  return {
    metrics: {
      restore_seconds: o.seconds,
      restore_row_count: o.tables.reduce((n, t) => n + t.rows, 0),
      amcheck_errors: amcheckErrors,
      restore_assertions_failed: o.assertions.filter((a) => !a.ok).length,
      restore_target_missed: targetMissed ? 1 : 0,
    },
    evidence: {
      target: o.target,
      reached: o.reached,
      targetMissed,
      tables: o.tables,
      amcheck: { exitCode: o.amcheck.exitCode, problems: evidenceList(problems) },
      assertions: o.assertions,
    },
    unmeasured: {},
  };
}
