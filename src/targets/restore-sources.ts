import { openKubernetesRestoreSource } from './kubernetes/kubernetes-restore-source.ts';
import { localRestoreSource } from './local/local-restore-source.ts';
import type { RestoreSource } from './restore-source.ts';

/** Where a restore test reads backups from, as its config names it. */
export type RestoreSourceSpec = { kind: 'local'; run: string; stanza: string } | { kind: 'kubernetes'; cluster: string; namespace: string; context?: string };

/**
 * The restore source of a config's `source`, checked before anything starts
 * (a missing local run or a Cluster without an object store is exit 2),
 * with one line saying how the source is only read. The one place that
 * switches on the source's kind, as registry.ts does for targets.
 */
export async function openRestoreSource(spec: RestoreSourceSpec, testRunId: string): Promise<{ source: RestoreSource; readOnly: string }> {
  switch (spec.kind) {
    case 'local':
      return { source: localRestoreSource(spec.run, testRunId, spec.stanza), readOnly: 'pgBackRest restore and archive-get only, the scratch archives nothing' };
    case 'kubernetes':
      return openKubernetesRestoreSource(spec, testRunId);
  }
}
