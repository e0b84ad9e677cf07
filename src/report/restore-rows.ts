import type { RestoreEvidence } from '../checks/restore.ts';
import { keyCountText } from './format.ts';

/** The restore evidence as table rows (plain text), shared by report.md and report.html. */
export interface RestoreTables {
  restores: { header: string[]; rows: string[][] };
  failed: { header: string[]; rows: string[][] };
  backups: { header: string[]; rows: string[][] };
  /** Cluster restores: each restored instance against its restored primary. */
  instances: { header: string[]; rows: string[][]; ok: boolean[] };
  /** Drills run inside restored clusters: their own verdict and report. */
  drills: { header: string[]; rows: string[][]; ok: boolean[] };
}

/**
 * One row per restore: what it was asked for and where recovery stopped,
 * its duration, the row count beside the range the ledger allows, the
 * content checksum, and the offending keys. Failed restores and the
 * repository's backups get tables of their own.
 */
export function restoreTables(e: RestoreEvidence): RestoreTables {
  return {
    restores: {
      header: ['Restore', 'Target', 'Reached', 'Duration', 'Rows', 'Expected rows', 'Checksum (md5 of sorted keys)', 'Missing (acknowledged before the target)', 'Unexpected'],
      rows: e.restores.map((r) => [
        r.name,
        r.targetTime && !r.target.includes(r.targetTime) ? `${r.target} (${r.targetTime})` : r.target,
        `timeline ${r.reached.timeline ?? '?'}, LSN ${r.reached.lsn ?? '?'}, last commit ${r.reached.lastCommitAt ?? 'unknown'}`,
        `${r.seconds} s`,
        String(r.rowCount),
        r.expectedMin === r.expectedMax ? `${r.expectedMin}` : `${r.expectedMin} to ${r.expectedMax}`,
        r.checksum,
        keyCountText(r.missing.count, r.missing.items),
        keyCountText(r.unexpected.count, r.unexpected.items),
      ]),
    },
    instances: {
      header: ['Restore', 'Instance', 'Role', 'Rows', 'Checksum', 'Same rows as the restored primary'],
      rows: e.restores.flatMap((r) =>
        (r.instances ?? []).map((i) => [
          r.name,
          i.name,
          i.role,
          i.rowCount === null ? '?' : String(i.rowCount),
          i.checksum ?? '?',
          i.matches === null ? `unknown: ${i.error ?? 'not read'}` : i.matches ? 'yes' : 'NO',
        ]),
      ),
      ok: e.restores.flatMap((r) => (r.instances ?? []).map((i) => i.matches === true)),
    },
    drills: {
      header: ['Restore', 'Replicas streaming', 'Drill inside', 'Why', 'Its report'],
      rows: e.restores.flatMap((r) =>
        r.drill || r.ha
          ? [
              [
                r.name,
                !r.ha ? '-' : 'seconds' in r.ha ? `${r.ha.seconds} s after the restore command` : `unknown: ${r.ha.error}`,
                r.drill?.verdict ?? 'none',
                r.drill?.reasons.join('; ') || '-',
                r.drill?.reportDir ? `${r.drill.reportDir}/report.md` : '-',
              ],
            ]
          : [],
      ),
      ok: e.restores.flatMap((r) => (r.drill || r.ha ? [(!r.drill || r.drill.verdict === 'pass') && !!r.ha && 'seconds' in r.ha] : [])),
    },
    failed: { header: ['Restore', 'Why it failed'], rows: e.failed.map((f) => [f.name, f.error]) },
    backups: { header: ['Backup', 'Type', 'Started', 'Finished'], rows: e.backups.map((b) => [b.id, b.type, b.startedAt, b.finishedAt]) },
  };
}
