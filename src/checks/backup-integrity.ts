import type { FinalReads } from './final-reads.ts';
import { evidenceList, type CheckOptions, type CheckResult, type EvidenceList } from './types.ts';

export type BackupIntegrityMetric = 'backup_verify_errors';

export interface BackupIntegrityEvidence {
  /** The tool that checked the repository (pgbackrest verify, ...); null when none ran. */
  tool: string | null;
  /** Each problem it named (a file with a bad checksum, a missing WAL segment...). */
  problems: EvidenceList<string>;
}

/**
 * The backup repository's integrity as its own tool sees it after a PITR
 * drill: the number of problems (a restore that worked today proves nothing
 * about a backup file that is already damaged). Unmeasured when the target
 * has no such check or it could not run.
 */
export function checkBackupIntegrity(verification: FinalReads['verification'], options: CheckOptions = {}): CheckResult<BackupIntegrityMetric, BackupIntegrityEvidence> {
  if (!verification) {
    return { metrics: { backup_verify_errors: null }, evidence: { tool: null, problems: evidenceList([]) }, unmeasured: { backup_verify_errors: 'the repository was not verified (not a PITR drill, or the target has no verification)' } };
  }
  if ('error' in verification) {
    return { metrics: { backup_verify_errors: null }, evidence: { tool: null, problems: evidenceList([]) }, unmeasured: { backup_verify_errors: `verifying the repository failed: ${verification.error}` } };
  }
  return {
    metrics: { backup_verify_errors: verification.errors },
    evidence: { tool: verification.tool, problems: evidenceList([...verification.problems], options.evidenceLimit) },
    unmeasured: {},
  };
}
