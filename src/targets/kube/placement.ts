import type { Progress } from '../../progress/progress.ts';
import type { KubeRest } from './kube-rest.ts';
import { waitForDeployment, type DeploymentObject } from './operator-install.ts';
import { RESOURCES, type KubeObject } from './resources.ts';

export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

interface PodSpecShape {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  [k: string]: unknown;
}

const CONTROL_PLANE_TOLERATION: Toleration = { key: CONTROL_PLANE_LABEL, operator: 'Exists', effect: 'NoSchedule' };

/**
 * What no fault may take away from the stack, on kind: the operator, the
 * plugin (with it unreachable CloudNativePG aborts every reconcile in
 * PhaseFailurePlugin before it can fail over), cert-manager, CoreDNS and
 * the volume provisioner. On kind they run on the control plane, which no
 * fault touches.
 */
export const KIND_INFRASTRUCTURE = [
  { namespace: 'kube-system', name: 'coredns' },
  { namespace: 'local-path-storage', name: 'local-path-provisioner' },
] as const;

/** The pod spec with the control plane's node selector and toleration added (what it already has is kept). */
export function pinnedPodSpec<T extends PodSpecShape>(spec: T): T {
  const tolerations = spec.tolerations ?? [];
  const tolerated = tolerations.some((t) => t.key === CONTROL_PLANE_LABEL && (t.effect === 'NoSchedule' || t.effect === undefined) && (t.operator === 'Exists' || t.operator === undefined));
  return {
    ...spec,
    nodeSelector: { ...spec.nodeSelector, [CONTROL_PLANE_LABEL]: '' },
    tolerations: tolerated ? tolerations : [...tolerations, CONTROL_PLANE_TOLERATION],
  };
}

/** True when the deployment's pods may only run on the control plane. */
export function isPinned(d: DeploymentObject): boolean {
  const spec = (d.spec?.template?.spec ?? {}) as PodSpecShape;
  return spec.nodeSelector?.[CONTROL_PLANE_LABEL] !== undefined && JSON.stringify(pinnedPodSpec(spec).tolerations) === JSON.stringify(spec.tolerations ?? []);
}

/** A release manifest's Deployment pinned to the control plane before it is applied (other objects as they are). */
export function pinDeploymentObject(object: KubeObject): KubeObject {
  if (object.kind !== 'Deployment') return object;
  const d = object as DeploymentObject;
  const template = d.spec?.template ?? {};
  return { ...d, spec: { ...d.spec, template: { ...template, spec: pinnedPodSpec((template.spec ?? {}) as PodSpecShape) } } } as KubeObject;
}

/**
 * Pins a deployment that already runs (a reused cluster, kind's own add-ons)
 * to the control plane and waits for its rollout. Absent: nothing to do.
 */
export async function pinDeployment(
  kube: KubeRest,
  target: { namespace: string; name: string },
  progress: Progress,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<'pinned' | 'already' | 'absent'> {
  const d = await kube.find<DeploymentObject>(RESOURCES.deployment, target.name, target.namespace);
  if (!d) return 'absent';
  if (isPinned(d)) return 'already';
  const spec = pinnedPodSpec((d.spec?.template?.spec ?? {}) as PodSpecShape);
  // A merge patch replaces lists whole: the tolerations sent are the old ones plus the control plane's.
  await kube.mergePatch(RESOURCES.deployment, target.name, target.namespace, { spec: { template: { spec: { nodeSelector: spec.nodeSelector, tolerations: spec.tolerations } } } });
  await waitForDeployment(kube, target.namespace, target.name, options.timeoutMs ?? 300_000, progress, options.signal);
  progress.note(`deployment ${target.namespace}/${target.name} moved to the control plane`);
  return 'pinned';
}
