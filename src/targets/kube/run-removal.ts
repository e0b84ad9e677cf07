import { InfrastructureError } from '../../errors.ts';
import type { KubeRest } from './kube-rest.ts';
import { waitFor } from './kube-watch.ts';
import { OWNED_NAMESPACE_LABEL, RUN_LABEL, runSelector } from './labels.ts';
import { RESOURCES, type KubeObject, type ResourceRef } from './resources.ts';

/**
 * Kinds pgdrill creates (directly, or through the Cluster's inheritedMetadata),
 * in the order they are removed: fault policies first (they are heals),
 * then what would recreate others (Backups, Clusters), then the rest.
 */
const REMOVAL_ORDER: readonly ResourceRef[] = [
  RESOURCES.networkPolicy,
  RESOURCES.backup,
  RESOURCES.cluster,
  RESOURCES.objectStore,
  RESOURCES.deployment,
  RESOURCES.service,
  RESOURCES.secret,
  RESOURCES.persistentVolumeClaim,
];

/**
 * Deletes exactly what carries the run's label in a namespace, and waits
 * until the instance pods are gone. Nothing without the label is touched.
 */
export async function removeRunFromNamespace(kube: KubeRest, runId: string, namespace: string, timeoutMs = 300_000): Promise<number> {
  const selector = runSelector(runId);
  let deleted = 0;
  for (const ref of REMOVAL_ORDER) {
    let items: KubeObject[];
    try {
      items = (await kube.list(ref, namespace, { labelSelector: selector })).items;
    } catch (error) {
      // An API the cluster does not serve (no plugin CRD): nothing of that kind to remove.
      if ((error as { status?: number }).status === 404) continue;
      throw error;
    }
    for (const item of items) {
      if (item.metadata.labels?.[RUN_LABEL] !== runId) continue;
      if (await kube.delete(ref, item.metadata.name, namespace)) deleted += 1;
    }
  }
  await waitFor(kube, { resource: RESOURCES.pod, namespace, labelSelector: selector }, (pods) => (pods.length === 0 ? undefined : `${pods.length} pods still running`), {
    timeoutMs,
    description: `pods of run ${runId} gone from ${namespace}`,
  });
  return deleted;
}

/** Deletes a namespace pgdrill created for the run (and only such a namespace), and waits until it is gone. */
export async function removeOwnedNamespace(kube: KubeRest, runId: string, namespace: string, timeoutMs = 300_000): Promise<boolean> {
  const ns = await kube.find(RESOURCES.namespace, namespace);
  if (!ns) return false;
  if (ns.metadata.labels?.[RUN_LABEL] !== runId || ns.metadata.labels?.[OWNED_NAMESPACE_LABEL] !== 'true') {
    throw new InfrastructureError(`namespace ${namespace} was not created by run ${runId}: left as it is`);
  }
  await kube.delete(RESOURCES.namespace, namespace);
  await waitFor(kube, { resource: RESOURCES.namespace, fieldSelector: `metadata.name=${namespace}` }, (items) => (items.length === 0 ? undefined : `namespace ${namespace} terminating`), {
    timeoutMs,
    description: `namespace ${namespace} deleted`,
  });
  return true;
}
