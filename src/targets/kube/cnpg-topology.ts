import type { InstanceState, Topology } from '../target.ts';
import type { InstanceSample } from './instance-sql.ts';
import type { ClusterStatus } from './manifests/cnpg-types.ts';

/** What the API says about one instance pod. */
export interface PodView {
  name: string;
  nodeName: string | null;
  phase: string;
  ready: boolean;
  terminating: boolean;
}

export interface TopologyInputs {
  status: ClusterStatus;
  /** Instance names in order (pg-1, pg-2, ...). */
  instances: readonly string[];
  pods: ReadonlyMap<string, PodView>;
  /** Zone of each node. */
  nodeZones: ReadonlyMap<string, string>;
  /** Last known zone of each instance (a deleted pod has no node for a while). */
  knownZones: ReadonlyMap<string, string>;
  /** SQL sample of each instance, or the error that prevented it. */
  samples: ReadonlyMap<string, InstanceSample | Error>;
}

/**
 * The engine's view, as Patroni's cluster view is on the local target: the
 * primary is the operator's current primary while no switch is pending
 * (status.currentPrimary = status.targetPrimary), none during a failover or
 * switchover. Roles and lag of the standbys come from the primary's
 * pg_stat_replication (sync / quorum standbys are sync-replicas); states
 * from the pods and from each instance's own answer.
 */
export function topologyFromCnpg(inputs: TopologyInputs): Topology {
  const { status } = inputs;
  const primary = status.currentPrimary && status.currentPrimary === status.targetPrimary ? status.currentPrimary : null;
  const primarySample = primary ? inputs.samples.get(primary) : undefined;
  const standbys = primarySample && !(primarySample instanceof Error) && !primarySample.inRecovery ? primarySample.standbys : null;
  const instances: InstanceState[] = inputs.instances.map((name) => {
    const pod = inputs.pods.get(name);
    const zone = (pod?.nodeName ? inputs.nodeZones.get(pod.nodeName) : undefined) ?? inputs.knownZones.get(name) ?? 'unknown';
    const sample = inputs.samples.get(name);
    const answered = sample !== undefined && !(sample instanceof Error);
    const state = instanceState(pod, answered ? sample : null);
    if (name === primary) {
      return { name, zone, role: answered && !sample.inRecovery ? 'primary' : 'unknown', state, timeline: answered ? sample.timeline : null, lagBytes: answered ? 0 : null };
    }
    const standby = standbys?.find((s) => s.name === name);
    const role: InstanceState['role'] = !answered
      ? pod
        ? 'replica'
        : 'unknown'
      : !sample.inRecovery
        ? 'unknown' // answers as a primary without being the operator's primary
        : standby && (standby.syncState === 'sync' || standby.syncState === 'quorum')
          ? 'sync-replica'
          : 'replica';
    // A standby that does not answer may linger in pg_stat_replication until its walsender times out: no lag for it.
    return { name, zone, role, state, timeline: answered ? sample.timeline : null, lagBytes: answered ? (standby?.lagBytes ?? null) : null };
  });
  return { instances, primary };
}

function instanceState(pod: PodView | undefined, sample: InstanceSample | null): string {
  if (!pod) return 'stopped';
  if (pod.terminating) return 'stopping';
  if (sample) {
    if (!sample.inRecovery) return 'running';
    return sample.receiver === 'streaming' ? 'streaming' : `running (${sample.receiver ?? 'no WAL receiver'})`;
  }
  if (pod.phase === 'Running') return pod.ready ? 'unreachable' : 'starting';
  return pod.phase.toLowerCase();
}
