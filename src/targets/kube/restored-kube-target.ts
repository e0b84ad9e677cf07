import type { ConnectionInfo, InstanceEndpoint } from '../endpoints.ts';
import { groupMethods, type FaultPrimitives, type PrimitiveGroup } from '../fault-primitives.ts';
import type { ExpectedRto, StartedTarget, Topology } from '../target.ts';
import type { FaultKind } from '../../history/events.ts';
import type { KubeTarget } from './kube-target.ts';

/**
 * The fault groups a drill inside a restored Cluster gets: those that act
 * on the restored Cluster's own pods and status only. Not partitions or a
 * stalled archive (the run's fault NetworkPolicies are reconciled as one
 * set, and the store is the source's), nor kind's node-level faults (the
 * nodes carry the source's pods too).
 */
export const RESTORED_FAULT_GROUPS: readonly PrimitiveGroup[] = ['instanceKill', 'postgresKill', 'switchover'];

/**
 * A restored CloudNativePG Cluster as a target a drill can run in: a
 * KubeTarget bound to the restored Cluster's name (its topology from that
 * Cluster's status, its own -rw client endpoint and instance endpoints),
 * without a backup repository or an archive (the restored Cluster has no
 * backup section), and with the fault groups of RESTORED_FAULT_GROUPS only.
 * Its teardown is the restored cluster's: nothing of the source is removed.
 */
export class RestoredKubeTarget implements StartedTarget {
  readonly faults: FaultPrimitives;
  /** A restored Cluster does not archive: no archiver to sample. */
  readonly archives = false;

  constructor(private readonly inner: KubeTarget) {
    const faults: Record<string, unknown> = {};
    const all = inner.faults as unknown as Record<string, unknown>;
    for (const group of RESTORED_FAULT_GROUPS) {
      for (const method of groupMethods(group)) {
        const fn = all[method];
        if (typeof fn === 'function') faults[method] = fn.bind(inner.faults);
      }
    }
    this.faults = faults as FaultPrimitives;
  }

  get kind(): KubeTarget['kind'] {
    return this.inner.kind;
  }

  get runId(): string {
    return this.inner.runId;
  }

  get client(): ConnectionInfo {
    return this.inner.client;
  }

  get instances(): readonly InstanceEndpoint[] {
    return this.inner.instances;
  }

  /** The restored Cluster's name. */
  get cluster(): string {
    return this.inner.names.cluster;
  }

  topology(): Promise<Topology> {
    return this.inner.topology();
  }

  versions(): Promise<Record<string, string>> {
    return this.inner.versions();
  }

  expectedRto(fault: { kind: FaultKind; hitsPrimary: boolean }): ExpectedRto | null {
    return this.inner.expectedRto(fault);
  }

  secrets(): readonly string[] {
    return this.inner.secrets();
  }

  /** Closes this target's endpoints; the inner target's removal is the restored cluster's teardown. Safe twice. */
  teardown(): Promise<void> {
    return this.inner.teardown();
  }

  /** Closes this target's endpoints only (the restored cluster's teardown calls it). */
  closeEndpoints(): Promise<void> {
    return this.inner.closeEndpoints();
  }
}
