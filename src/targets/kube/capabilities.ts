import type { Capability } from '../target.ts';

/**
 * What the Kubernetes targets can do, known before anything starts, and
 * why the rest is left out (for the skipped scenario's reason).
 */
export const KIND_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'primary-kill',
  'postgres-kill',
  'switchover',
  'zone-loss',
  'partition',
  'freeze',
  'stalled-archive',
  'replica-kill',
  'replica-lag',
  'backup',
  'restore',
]);

/** On an existing cluster pgdrill cannot reach the nodes: no zone loss, freeze or link degradation. */
export const KUBERNETES_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'primary-kill',
  'postgres-kill',
  'switchover',
  'partition',
  'stalled-archive',
  'replica-kill',
  'backup',
  'restore',
]);

/** Capabilities that change nothing in the cluster under test: allowed in any namespace. */
export const NON_DESTRUCTIVE_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>(['backup', 'restore']);

export const UNSUPPORTED_REASONS: Record<'kind' | 'kubernetes', Partial<Record<Capability, string>>> = {
  kind: {
    'dcs-loss': 'CloudNativePG keeps its state in the Kubernetes API; there is no consensus store of its own to stop',
  },
  kubernetes: {
    'dcs-loss': 'CloudNativePG keeps its state in the Kubernetes API; there is no consensus store of its own to stop',
    'zone-loss': 'stopping a zone needs access to the nodes, which an existing cluster does not give pgdrill',
    freeze: 'freezing an instance needs access to its node, which an existing cluster does not give pgdrill',
    'replica-lag': 'degrading a link needs access to the nodes, which an existing cluster does not give pgdrill',
  },
};

/** Why a target lacks a capability, or undefined when it has it. */
export function unsupportedReason(target: 'kind' | 'kubernetes', capability: Capability, capabilities: ReadonlySet<Capability>): string | undefined {
  if (capabilities.has(capability)) return undefined;
  return UNSUPPORTED_REASONS[target][capability] ?? `the ${target} target cannot perform ${capability} here`;
}
