import { KubeRest } from '../kube/kube-rest.ts';
import { openKubeRestoreSource, scratchNamespace } from '../kube/kube-restore-source.ts';
import type { RestoreSource } from '../restore-source.ts';
import { loadKubeConfig } from './kubernetes-target.ts';

/**
 * The restore source of an existing CloudNativePG Cluster, reached through
 * the kubeconfig (its current context, or the one named) as the
 * kubernetes target reaches its cluster.
 */
export async function openKubernetesRestoreSource(
  source: { cluster: string; namespace: string; context?: string },
  testRunId: string,
): Promise<{ source: RestoreSource; readOnly: string }> {
  const kube = new KubeRest(loadKubeConfig({ namespace: source.namespace, allowDestructive: [], ...(source.context ? { context: source.context } : {}) }));
  return {
    source: await openKubeRestoreSource({ kube, cluster: source.cluster, namespace: source.namespace, testRunId }),
    readOnly: `only GETs in namespace ${source.namespace}; the scratch Cluster in namespace ${scratchNamespace(testRunId)} has no backup section and no WAL archiver`,
  };
}
