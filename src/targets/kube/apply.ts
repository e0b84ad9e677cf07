import type { KubeRest } from './kube-rest.ts';
import { assertManifestValid } from './manifest-validation.ts';
import { knownResource, type KubeObject, type ResourceRef } from './resources.ts';

/**
 * How every object pgdrill renders reaches the cluster: validated offline
 * against its schema, then a server-side dry run (`dryRun=All`: admission
 * webhooks, CEL rules and defaults run, nothing is stored), then the apply.
 */
export async function applyChecked<T extends KubeObject>(kube: KubeRest, ref: ResourceRef, object: KubeObject): Promise<T> {
  assertManifestValid(object);
  await kube.apply(ref, object, { dryRun: true });
  return kube.apply<T>(ref, object);
}

/**
 * Applies several objects as one step: all are validated and dry-run
 * before the first is stored, so a rejected Cluster leaves no store behind.
 */
export async function applyAllChecked(kube: KubeRest, objects: readonly KubeObject[]): Promise<void> {
  const withRefs = objects.map((object) => {
    const ref = knownResource(object.apiVersion, object.kind);
    if (!ref) throw new Error(`pgdrill does not render ${object.apiVersion} ${object.kind}`);
    assertManifestValid(object);
    return { ref, object };
  });
  for (const { ref, object } of withRefs) await kube.apply(ref, object, { dryRun: true });
  for (const { ref, object } of withRefs) await kube.apply(ref, object);
}
