/**
 * The kubernetes target: CloudNativePG already running on an existing
 * cluster (a kube context and a namespace). Wiring: see docs/kubernetes.md.
 */
export {
  startKubernetesTarget,
  cleanupKubernetesRun,
  kubernetesOptionsFromScenario,
  kubernetesCapabilities,
  assertFaultsAllowed,
  destructiveAllowed,
  type KubernetesDrillOptions,
  type KubernetesOptions,
  type StartKubernetesTargetArgs,
} from './kubernetes-target.ts';
export { KUBERNETES_CAPABILITIES, NON_DESTRUCTIVE_CAPABILITIES, UNSUPPORTED_REASONS, unsupportedReason } from '../kube/capabilities.ts';
export type { KubeTarget } from '../kube/kube-target.ts';
export type { KubeClusterOptions, StoreOptions, ExistingStoreOptions } from '../kube/drill-options.ts';
