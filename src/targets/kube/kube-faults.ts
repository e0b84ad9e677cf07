import { InfrastructureError } from '../../errors.ts';
import { PrimitiveUnsupportedError } from '../errors.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import type { FaultPrimitives } from '../target.ts';
import { CNPG_LABELS, FENCED_INSTANCES_ANNOTATION, PHASE_SWITCHOVER, POSTGRES_CONTAINER, ZONE_LABEL } from './cnpg.ts';
import type { DrillNames } from './drill-names.ts';
import { isConflict, type KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import { postmasterStart } from './instance-sql.ts';
import type { ClusterResource } from './manifests/cnpg-types.ts';
import type { NetworkFaults } from './network-faults.ts';
import { execInPod } from './pod-exec.ts';
import { RESOURCES, type KubeObject } from './resources.ts';

/**
 * Faults on the machines under the pods, where the target can reach them:
 * on kind the nodes are Docker containers. A target without them (an
 * existing cluster) leaves zone loss, freeze and link degradation out.
 */
export interface NodeFaults {
  freezeNodes(nodes: readonly string[]): Promise<void>;
  thawNodes(nodes: readonly string[]): Promise<void>;
  stopNodes(nodes: readonly string[]): Promise<void>;
  startNodes(nodes: readonly string[]): Promise<void>;
  disconnectNodes(nodes: readonly string[]): Promise<void>;
  reconnectNodes(nodes: readonly string[]): Promise<void>;
  /** Returns how the link was degraded (netem, or a tbf rate limit). */
  degradeNode(node: string): Promise<string>;
  restoreNode(node: string): Promise<void>;
}

export interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

interface NodeObject extends KubeObject {}

export interface KubeFaultContext {
  kube: KubeRest;
  names: DrillNames;
  /** Instance pods of the cluster under test. */
  instances: readonly string[];
  network: NetworkFaults;
  /** Null on an existing cluster: node-level faults are not available there. */
  nodes: NodeFaults | null;
  /** Direct endpoint of an instance (to check that a killed instance stopped answering). */
  endpoint(instance: string): ConnectionInfo;
  /** Throws when faults are not allowed on this target (see the kubernetes target's namespace guard). */
  guard(action: string): void;
  /** Bounds of the waits after a fault, in ms (tests shorten them). */
  timeouts?: Partial<FaultTimeouts>;
}

export interface FaultTimeouts {
  /** Until a killed instance stops answering. */
  killed: number;
  /** Until a deleted pod is back and ready. */
  podBack: number;
  /** Until a switchover completes. */
  switchover: number;
}

const DEFAULT_TIMEOUTS: FaultTimeouts = { killed: 15_000, podBack: 300_000, switchover: 120_000 };

/**
 * The fault primitives on CloudNativePG, under the same names as on the
 * local target: pod deletion (grace period 0), a SIGKILL of the postgres
 * processes through exec, the operator's own switchover (what `kubectl cnpg
 * promote` writes), NetworkPolicies for partitions and a stalled archive,
 * and, where the nodes are reachable (kind), docker pause / kill /
 * network disconnect / tc on the nodes.
 */
export class KubeFaultPrimitives implements FaultPrimitives {
  private readonly timeouts: FaultTimeouts;
  /** Node of each instance when it was last seen (a deleted pod has none for a while). */
  private readonly lastNode = new Map<string, string>();

  constructor(private readonly ctx: KubeFaultContext) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...ctx.timeouts };
  }

  async killInstance(name: string): Promise<void> {
    this.ctx.guard('primary-kill / replica-kill (pod deletion)');
    this.instance(name);
    const before = await postmasterStart(this.ctx.endpoint(name));
    const pod = await this.ctx.kube.find<PodObject>(RESOURCES.pod, name, this.ctx.names.namespace);
    if (pod?.spec?.nodeName) this.lastNode.set(name, pod.spec.nodeName);
    await this.ctx.kube.delete(RESOURCES.pod, name, this.ctx.names.namespace, { gracePeriodSeconds: 0 });
    // Grace period 0 removes the API object at once; the kubelet kills the containers just after.
    // Return only once the old postmaster no longer answers: until then it may still acknowledge writes.
    if (before === null) return;
    const deadline = performance.now() + this.timeouts.killed;
    while (performance.now() < deadline) {
      const now = await postmasterStart(this.ctx.endpoint(name));
      if (now !== before) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new InfrastructureError(`instance ${name} still answers ${this.timeouts.killed / 1000}s after its pod was deleted`);
  }

  /** The operator recreates a deleted pod by itself: wait until it is back and ready. */
  async startInstance(name: string): Promise<void> {
    this.instance(name);
    await waitForObject<PodObject>(this.ctx.kube, RESOURCES.pod, name, this.ctx.names.namespace, (pod) => (podReady(pod) ? undefined : `pod ${name} not ready`), {
      timeoutMs: this.timeouts.podBack,
      description: `pod ${name} back after its deletion`,
    });
  }

  async killPostgres(name: string): Promise<void> {
    this.ctx.guard('postgres-kill (SIGKILL in the pod)');
    this.instance(name);
    // Every process named postgres (postmaster and backends) at once, from /proc: the image may have no pkill.
    const script = 'for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = postgres ] && kill -KILL "${p#/proc/}" 2>/dev/null; done; true';
    await execInPod(this.ctx.kube.config, { namespace: this.ctx.names.namespace, pod: name, container: POSTGRES_CONTAINER }, ['sh', '-c', script], {
      timeoutMs: 15_000,
      label: 'SIGKILL of every postgres process',
    });
  }

  /**
   * What `kubectl cnpg promote` does: the Cluster's status gets the new
   * target primary (status subresource, optimistic lock on the resource
   * version); the operator then demotes the old primary and promotes it.
   * Returns once the operator reports the candidate as current primary.
   */
  async switchover(primary: string, candidate: string): Promise<void> {
    this.ctx.guard('switchover');
    this.instance(candidate);
    const { kube, names } = this.ctx;
    for (let attempt = 1; ; attempt++) {
      const cluster = await kube.get<ClusterResource>(RESOURCES.cluster, names.cluster, names.namespace);
      if (cluster.status?.targetPrimary === candidate) break;
      if (cluster.status?.currentPrimary !== primary) {
        throw new InfrastructureError(`switchover from ${primary}: the operator's current primary is ${cluster.status?.currentPrimary ?? 'none'}`);
      }
      if (fencedInstances(cluster).some((f) => f === candidate || f === '*')) throw new InfrastructureError(`${candidate} is fenced and cannot be promoted`);
      try {
        await kube.mergePatch(
          RESOURCES.cluster,
          names.cluster,
          names.namespace,
          {
            metadata: { resourceVersion: cluster.metadata.resourceVersion },
            status: {
              targetPrimary: candidate,
              targetPrimaryTimestamp: microTimestamp(new Date()),
              phase: PHASE_SWITCHOVER,
              phaseReason: `Switching over to ${candidate}`,
            },
          },
          { subresource: 'status' },
        );
        break;
      } catch (error) {
        // Someone (the operator) updated the status in between: read it again.
        if (!isConflict(error) || attempt >= 5) throw error;
      }
    }
    await waitForObject<ClusterResource>(
      kube,
      RESOURCES.cluster,
      names.cluster,
      names.namespace,
      (c) => (c?.status?.currentPrimary === candidate ? undefined : `current primary ${c?.status?.currentPrimary ?? 'none'}, target ${c?.status?.targetPrimary ?? 'none'}`),
      { timeoutMs: this.timeouts.switchover, description: `switchover to ${candidate}` },
    );
  }

  async freezeInstance(name: string): Promise<void> {
    this.ctx.guard('freeze');
    await this.nodeFaults('freeze').freezeNodes([await this.nodeOf(name)]);
  }

  async thawInstance(name: string): Promise<void> {
    if (!this.ctx.nodes) return;
    await this.ctx.nodes.thawNodes([await this.nodeOf(name)]);
  }

  async stopZone(zone: string): Promise<void> {
    this.ctx.guard('zone-loss');
    const nodes = this.nodeFaults('zone-loss');
    await nodes.stopNodes(await this.zoneNodes(zone));
  }

  async startZone(zone: string): Promise<void> {
    if (!this.ctx.nodes) return;
    await this.ctx.nodes.startNodes(await this.zoneNodes(zone));
  }

  async isolateInstances(names: string[], options: { fromDcs: boolean }): Promise<void> {
    this.ctx.guard('partition');
    for (const n of names) this.instance(n);
    // The "DCS" of CloudNativePG is the API server: fromDcs cuts the instances' access to it too.
    await this.ctx.network.isolate(names, options.fromDcs);
  }

  async rejoinInstances(names: string[]): Promise<void> {
    await this.ctx.network.rejoin(names);
  }

  /** On kind: the zone's nodes leave the Docker network; elsewhere: the zone's instances isolated by NetworkPolicy. */
  async isolateZone(zone: string): Promise<void> {
    this.ctx.guard('partition (zone)');
    if (this.ctx.nodes) {
      await this.ctx.nodes.disconnectNodes(await this.zoneNodes(zone));
      return;
    }
    await this.ctx.network.isolate(await this.zoneInstances(zone), true);
  }

  async rejoinZone(zone: string): Promise<void> {
    if (this.ctx.nodes) {
      await this.ctx.nodes.reconnectNodes(await this.zoneNodes(zone));
      return;
    }
    await this.ctx.network.rejoin(await this.zoneInstances(zone));
  }

  async stallArchive(): Promise<void> {
    this.ctx.guard('stalled-archive');
    await this.ctx.network.stallArchive();
  }

  async resumeArchive(): Promise<void> {
    await this.ctx.network.resumeArchive();
  }

  /** CloudNativePG has no consensus store of its own: the Kubernetes API is its source of truth. */
  dcsMembers(): string[] {
    return [];
  }

  async stopDcsMembers(): Promise<void> {
    throw new PrimitiveUnsupportedError('CloudNativePG keeps its state in the Kubernetes API: there is no consensus store to stop');
  }

  async startDcsMembers(): Promise<void> {
    return undefined;
  }

  async degradeLink(name: string): Promise<string> {
    this.ctx.guard('replica-lag');
    const detail = await this.nodeFaults('replica-lag').degradeNode(await this.nodeOf(name));
    return `${detail} on the node of ${name}`;
  }

  async restoreLink(name: string): Promise<void> {
    if (!this.ctx.nodes) return;
    await this.ctx.nodes.restoreNode(await this.nodeOf(name));
  }

  /**
   * Fencing, as `kubectl cnpg fencing on` does it: the instance is added to
   * the Cluster's cnpg.io/fencedInstances annotation, and the operator stops
   * its PostgreSQL while the pod keeps running.
   */
  async fenceInstances(instances: readonly string[]): Promise<void> {
    this.ctx.guard('fencing');
    await this.updateFencing((current) => [...new Set([...current, ...instances])]);
  }

  async unfenceInstances(instances: readonly string[]): Promise<void> {
    await this.updateFencing((current) => current.filter((f) => !instances.includes(f)));
  }

  private async updateFencing(change: (current: string[]) => string[]): Promise<void> {
    const { kube, names } = this.ctx;
    for (let attempt = 1; ; attempt++) {
      const cluster = await kube.get<ClusterResource>(RESOURCES.cluster, names.cluster, names.namespace);
      const next = change(fencedInstances(cluster));
      try {
        await kube.mergePatch(RESOURCES.cluster, names.cluster, names.namespace, {
          metadata: {
            resourceVersion: cluster.metadata.resourceVersion,
            // null removes the annotation: an empty list means the same to the operator.
            annotations: { [FENCED_INSTANCES_ANNOTATION]: next.length > 0 ? JSON.stringify(next) : null },
          },
        });
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= 5) throw error;
      }
    }
  }

  private instance(name: string): void {
    if (!this.ctx.instances.includes(name)) throw new InfrastructureError(`no instance named ${name} in cluster ${this.ctx.names.cluster}`);
  }

  private nodeFaults(fault: string): NodeFaults {
    if (!this.ctx.nodes) throw new PrimitiveUnsupportedError(`${fault} needs access to the nodes, which this target does not have`);
    return this.ctx.nodes;
  }

  private async nodeOf(name: string): Promise<string> {
    this.instance(name);
    const pod = await this.ctx.kube.find<PodObject>(RESOURCES.pod, name, this.ctx.names.namespace);
    const node = pod?.spec?.nodeName ?? this.lastNode.get(name);
    if (!node) throw new InfrastructureError(`instance ${name} has no node yet`);
    this.lastNode.set(name, node);
    return node;
  }

  private async zoneNodes(zone: string): Promise<string[]> {
    const nodes = await this.ctx.kube.list<NodeObject>(RESOURCES.node, undefined, { labelSelector: `${ZONE_LABEL}=${zone}` });
    if (nodes.items.length === 0) throw new InfrastructureError(`no node is labelled ${ZONE_LABEL}=${zone}`);
    return nodes.items.map((n) => n.metadata.name).sort();
  }

  private async zoneInstances(zone: string): Promise<string[]> {
    const nodes = new Set(await this.zoneNodes(zone));
    const pods = await this.ctx.kube.list<PodObject>(RESOURCES.pod, this.ctx.names.namespace, {
      labelSelector: `${CNPG_LABELS.cluster}=${this.ctx.names.cluster},${CNPG_LABELS.podRole}=instance`,
    });
    const inZone = pods.items.filter((p) => p.spec?.nodeName && nodes.has(p.spec.nodeName)).map((p) => p.metadata.name);
    if (inZone.length === 0) throw new InfrastructureError(`no instance of ${this.ctx.names.cluster} runs in zone ${zone}`);
    return inZone.sort();
  }
}

export function podReady(pod: PodObject | undefined): boolean {
  return !!pod && !pod.metadata.deletionTimestamp && pod.status?.phase === 'Running' && !!pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function fencedInstances(cluster: ClusterResource): string[] {
  const raw = cluster.metadata.annotations?.[FENCED_INSTANCES_ANNOTATION];
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** RFC 3339 with microseconds, as the operator writes its timestamps. */
function microTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
