import { streamKeys, type FinalReads } from './final-reads.ts';
import { evidenceList, type CheckOptions, type CheckResult, type EvidenceList } from './types.ts';

export interface ReplicaDivergence {
  instance: string;
  rows: number;
  /** On the primary, not on this replica. */
  missing: EvidenceList<string>;
  /** On this replica, not on the primary. */
  extra: EvidenceList<string>;
}

export interface DivergenceEvidence {
  primary: string | null;
  primaryRows: number | null;
  replicas: ReplicaDivergence[];
  /** Instances that could not be read, with the error. */
  unreadable: { instance: string; error: string }[];
}

export type DivergenceMetric = 'diverged_replicas';

/**
 * After the stack settled, every replica's rows must equal the primary's.
 * Holds the primary's keys and one replica's at a time in memory.
 */
export async function checkDivergence(
  reads: FinalReads | null,
  options: CheckOptions = {},
): Promise<CheckResult<DivergenceMetric, DivergenceEvidence>> {
  const evidence: DivergenceEvidence = { primary: reads?.primary ?? null, primaryRows: null, replicas: [], unreadable: [] };
  const unmeasured = (why: string): CheckResult<DivergenceMetric, DivergenceEvidence> => ({
    metrics: { diverged_replicas: null },
    evidence,
    unmeasured: { diverged_replicas: why },
  });
  if (!reads) return unmeasured('no final read was made');
  for (const r of reads.instances) if ('error' in r) evidence.unreadable.push({ instance: r.instance, error: r.error });
  const primary = reads.instances.find((r) => r.instance === reads.primary);
  if (reads.primary === null || !primary) return unmeasured('no primary was read after the stack settled');
  if ('error' in primary) return unmeasured(`reading the primary ${primary.instance} failed: ${primary.error}`);

  const primaryKeys = new Set<string>();
  for await (const key of streamKeys(primary.keys)) primaryKeys.add(key);
  evidence.primaryRows = primaryKeys.size;

  for (const replica of reads.instances) {
    if (replica === primary || 'error' in replica) continue;
    const replicaKeys = new Set<string>();
    const extra: string[] = [];
    for await (const key of streamKeys(replica.keys)) {
      replicaKeys.add(key);
      if (!primaryKeys.has(key)) extra.push(key);
    }
    const missing: string[] = [];
    for (const key of primaryKeys) if (!replicaKeys.has(key)) missing.push(key);
    evidence.replicas.push({
      instance: replica.instance,
      rows: replicaKeys.size,
      missing: evidenceList(missing, options.evidenceLimit),
      extra: evidenceList(extra, options.evidenceLimit),
    });
  }

  if (evidence.unreadable.length > 0) {
    const names = evidence.unreadable.map((u) => u.instance).join(', ');
    return unmeasured(`could not read ${names}`);
  }
  const diverged = evidence.replicas.filter((r) => r.missing.count > 0 || r.extra.count > 0).length;
  return { metrics: { diverged_replicas: diverged }, evidence, unmeasured: {} };
}
