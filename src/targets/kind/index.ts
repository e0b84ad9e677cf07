/**
 * The kind target: CloudNativePG on a kind cluster whose workers are zones.
 * Wiring: see docs/kubernetes.md ("Wiring the targets").
 */
export {
  startKindTarget,
  cleanupKindRun,
  kindOptionsFromScenario,
  KIND_DEFAULTS,
  type KindDrillOptions,
  type KindOptions,
  type StartKindTargetArgs,
} from './kind-target.ts';
export { checkKindPrerequisites, MINIMUM_VERSIONS, INSTALL_HINTS, type KindPrerequisites } from './prerequisites.ts';
export { KIND_CONFIGS, DEFAULT_KIND_CLUSTER } from './kind-cluster.ts';
export type { ZoneLossMethod } from './docker-node-faults.ts';
export { KIND_CAPABILITIES, UNSUPPORTED_REASONS, unsupportedReason } from '../kube/capabilities.ts';
export type { KubeTarget } from '../kube/kube-target.ts';
export type { KubeClusterOptions, StoreOptions } from '../kube/drill-options.ts';
