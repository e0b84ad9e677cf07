import { CommandError, InfrastructureError } from '../../errors.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import type {
  ArchiveStallPrimitives,
  Evidence,
  PartitionSide,
  InstanceKillPrimitives,
  PartitionPrimitives,
  PostgresKillPrimitives,
  SwitchoverPrimitives,
} from '../fault-primitives.ts';
import { CNPG_LABELS, FENCED_INSTANCES_ANNOTATION, PHASE_SWITCHOVER, POSTGRES_CONTAINER, ZONE_LABEL } from './cnpg.ts';
import type { DrillNames } from './drill-names.ts';
import { isConflict, type KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import { postmasterStart } from './instance-sql.ts';
import type { ClusterResource } from './manifests/cnpg-types.ts';
import type { NetworkFaults } from './network-faults.ts';
import { ExecStreamClosed, execInPod, type PodExecResult } from './pod-exec.ts';
import { RESOURCES, type KubeObject } from './resources.ts';

export interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: Array<{ ip: string }>;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ name: string; state?: { running?: object; terminated?: { exitCode?: number }; waiting?: object } }>;
  };
}

interface NodeObject extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string; reason?: string }> };
}

export interface KubeFaultContext {
  kube: KubeRest;
  names: DrillNames;
  /** Instance pods of the cluster under test. */
  instances: readonly string[];
  network: NetworkFaults;
  /** Direct endpoint of an instance (to check that a killed instance stopped answering). */
  endpoint(instance: string): ConnectionInfo;
  /** Throws when faults are not allowed on this target (see the kubernetes target's namespace guard). */
  guard(action: string): void;
  /** Bounds of the waits after a fault, in ms (tests shorten them). */
  timeouts?: Partial<FaultTimeouts>;
  /** The cluster's topology.kubernetes.io/zone value of a scenario zone (zone-map.ts); default: the same name. */
  zoneLabel?(zone: string): string;
}

export interface FaultTimeouts {
  /** Until a killed instance stops answering. */
  killed: number;
  /** Until a deleted pod is back and ready. */
  podBack: number;
  /** Until a switchover completes. */
  switchover: number;
  /** Until a node cut off the network is Ready again after it is reconnected. */
  nodeReady: number;
}

/** Grace period of a pod kill, in seconds (CloudNativePG's e2e quickDeletionPeriod). */
const KILL_GRACE_SECONDS = 1;
/** Exit status of a process ended by SIGKILL (128 + 9). */
const SIGKILL_EXIT = 137;

const DEFAULT_TIMEOUTS: FaultTimeouts = { killed: 15_000, podBack: 300_000, switchover: 120_000, nodeReady: 180_000 };

/**
 * The fault primitives on CloudNativePG that need only the API, under the
 * same names as on the local target: pod deletion (grace period 1 s), a
 * SIGKILL of the postgres processes through exec, the operator's own
 * switchover (what `kubectl cnpg promote` writes), NetworkPolicies for
 * partitions and a stalled archive. The kind target adds the node-level
 * groups (src/targets/kind/kind-fault-primitives.ts). CloudNativePG has no
 * consensus store of its own (its state is in the Kubernetes API), so
 * there is no dcs group here.
 */
export class KubeFaultPrimitives
  implements InstanceKillPrimitives, PostgresKillPrimitives, SwitchoverPrimitives, PartitionPrimitives, ArchiveStallPrimitives
{
  protected readonly timeouts: FaultTimeouts;
  /** Node of each instance when it was last seen (a deleted pod has none for a while). */
  private readonly lastNode = new Map<string, string>();

  constructor(protected readonly ctx: KubeFaultContext) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...ctx.timeouts };
  }

  /**
   * Deletes the pod with a grace period of 1 s, as CloudNativePG's own e2e
   * suite does (`quickDeletionPeriod = 1`, tests/e2e/suite_test.go). Not 0:
   * a force deletion removes the API object at once, but the kubelet, which
   * never sees the shorter grace period, still stops the containers with
   * the pod's terminationGracePeriodSeconds (CloudNativePG sets it from
   * stopDelay, 1800 s by default), so the old primary keeps serving
   * (kubernetes/kubernetes#115819, #120449). Returns once the pod with the
   * old UID is gone from the API (the kubelet has stopped its containers)
   * and the old postmaster no longer answers.
   */
  async killInstance(name: string): Promise<void> {
    this.ctx.guard('primary-kill / replica-kill (pod deletion)');
    this.instance(name);
    const before = await postmasterStart(this.ctx.endpoint(name));
    const pod = await this.ctx.kube.find<PodObject>(RESOURCES.pod, name, this.ctx.names.namespace);
    if (pod?.spec?.nodeName) this.lastNode.set(name, pod.spec.nodeName);
    const uid = pod?.metadata.uid;
    await this.ctx.kube.delete(RESOURCES.pod, name, this.ctx.names.namespace, { gracePeriodSeconds: KILL_GRACE_SECONDS, ...(uid ? { preconditions: { uid } } : {}) });
    const deadline = performance.now() + this.timeouts.killed;
    let podGone = false;
    let postmasterGone = before === null;
    while (performance.now() < deadline) {
      if (!podGone) {
        const now = await this.ctx.kube.find<PodObject>(RESOURCES.pod, name, this.ctx.names.namespace);
        podGone = !now || now.metadata.uid !== uid;
      }
      if (!postmasterGone) postmasterGone = (await postmasterStart(this.ctx.endpoint(name))) !== before;
      if (podGone && postmasterGone) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const still = [...(podGone ? [] : [`its pod (uid ${uid ?? '?'}) is still in the API`]), ...(postmasterGone ? [] : ['its old postmaster still answers'])];
    throw new InfrastructureError(`instance ${name}: ${still.join(' and ')} ${this.timeouts.killed / 1000}s after its pod was deleted`);
  }

  /**
   * The pod's UID while that pod's postgres container runs: a pod being
   * deleted keeps its UID until its container has ended (it still serves
   * until then), and a recreated pod shows as a new UID.
   */
  async incarnation(name: string): Promise<string | null> {
    this.instance(name);
    const pod = await this.ctx.kube.find<PodObject>(RESOURCES.pod, name, this.ctx.names.namespace);
    if (!pod || pod.status?.phase !== 'Running') return null;
    const postgres = pod.status.containerStatuses?.find((c) => c.name === POSTGRES_CONTAINER);
    if (postgres && !postgres.state?.running) return null;
    return `pod uid ${pod.metadata.uid ?? '?'}`;
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
    const target = { namespace: this.ctx.names.namespace, pod: name, container: POSTGRES_CONTAINER };
    const outcome = await execInPod(this.ctx.kube.config, target, ['sh', '-c', script], { timeoutMs: 15_000, label: 'SIGKILL of every postgres process', check: false }).catch(
      (error: unknown) => error,
    );
    // When the postmaster dies, CloudNativePG's instance manager (the
    // container's PID 1) exits so that the kubelet restarts the container
    // (internal/cmd/manager/instance/run/lifecycle/lifecycle.go), and the
    // exec session dies with it: SIGKILL (137) or no status at all. That is
    // the kill working; the witness sees it through pg_postmaster_start_time().
    if (outcome instanceof ExecStreamClosed) return;
    if (outcome instanceof Error) throw outcome;
    const result = outcome as PodExecResult;
    if (result.code === 0 || result.code === SIGKILL_EXIT) return;
    throw new CommandError({ command: 'SIGKILL of every postgres process', where: `pod ${name}`, code: result.code, stdout: result.stdout, stderr: result.stderr, durationMs: 0 });
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

  async isolateInstances(names: string[], options: { fromDcs: boolean }): Promise<void> {
    this.ctx.guard('partition');
    for (const n of names) this.instance(n);
    // The "DCS" of CloudNativePG is the API server: fromDcs cuts the instances' access to it too.
    await this.ctx.network.isolate(names, options.fromDcs);
    await this.cutEstablished(names);
  }

  async rejoinInstances(names: string[]): Promise<void> {
    await this.ctx.network.rejoin(names);
  }

  /** The zone's instances isolated by NetworkPolicy (kind cuts the nodes off the network instead). */
  async isolateZone(zone: string): Promise<void> {
    this.ctx.guard('partition (zone)');
    const pods = await this.zoneInstances(zone);
    await this.ctx.network.isolate(pods, true);
    await this.cutEstablished(pods);
  }

  /**
   * A NetworkPolicy may judge new connections only: kind's kindnetd runs
   * kube-network-policies' dataplane without its strict mode
   * (images/kindnetd/cmd/kindnetd/main.go), so flows already established
   * are accepted through conntrack, and streaming replication and the
   * instance manager's watch on the API server would survive the
   * partition. So, once the policies are in place: the nodes' conntrack
   * entries of the isolated pods are deleted where pgdrill can reach the
   * nodes (their next packet is judged like a new connection), and the
   * replication connections across the cut are ended from both sides
   * (walsenders on the primary, walreceivers on the replicas across), so
   * that they reconnect as new connections, which the policies refuse.
   */
  protected async cutEstablished(isolated: readonly string[]): Promise<void> {
    await this.flushConntrack(await this.podIps(isolated));
    await this.endReplicationAcross(isolated);
  }

  /** Deletes the nodes' conntrack entries of these addresses: not possible without node access (an existing cluster). */
  protected async flushConntrack(_ips: readonly string[]): Promise<void> {}

  private async podIps(pods: readonly string[]): Promise<string[]> {
    const list = await this.ctx.kube.list<PodObject>(RESOURCES.pod, this.ctx.names.namespace, {
      labelSelector: `${CNPG_LABELS.cluster}=${this.ctx.names.cluster},${CNPG_LABELS.podRole}=instance`,
    });
    return list.items.filter((p) => pods.includes(p.metadata.name)).flatMap((p) => p.status?.podIPs?.map((i) => i.ip) ?? (p.status?.podIP ? [p.status.podIP] : []));
  }

  /** pg_terminate_backend on the walsenders and walreceivers whose connection crosses the cut, through exec (not the network). */
  private async endReplicationAcross(isolated: readonly string[]): Promise<void> {
    const cluster = await this.ctx.kube.get<ClusterResource>(RESOURCES.cluster, this.ctx.names.cluster, this.ctx.names.namespace);
    const primary = cluster.status?.currentPrimary;
    if (!primary) return;
    const primaryIsolated = isolated.includes(primary);
    const across = this.ctx.instances.filter((n) => n !== primary && isolated.includes(n) !== primaryIsolated);
    if (across.length === 0) return;
    const quoted = across.map((n) => `'${n.replace(/'/g, "''")}'`).join(', ');
    await this.psql(primary, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_replication WHERE application_name = ANY (ARRAY[${quoted}]::text[])`);
    for (const replica of across) await this.psql(replica, 'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_wal_receiver');
  }

  /** One statement as the postgres user over the local socket of the instance (PGHOST is set in CloudNativePG's postgres container). */
  private async psql(pod: string, sql: string): Promise<void> {
    await execInPod(this.ctx.kube.config, { namespace: this.ctx.names.namespace, pod, container: POSTGRES_CONTAINER }, ['psql', '-X', '-q', '-At', '-d', 'postgres', '-c', sql], {
      timeoutMs: 15_000,
      label: 'ending replication across the cut',
    });
  }

  async rejoinZone(zone: string): Promise<void> {
    await this.ctx.network.rejoin(await this.zoneInstances(zone));
  }

  async cutEvidence(side: PartitionSide): Promise<Evidence> {
    const reach = await this.reachAcross(side);
    return reach && reach.open.length === 0 ? `across the cut: ${reach.lines.join('; ')}` : null;
  }

  async rejoinedEvidence(side: PartitionSide): Promise<Evidence> {
    const reach = await this.reachAcross(side);
    return reach && reach.closed.length === 0 ? `across the former cut: ${reach.lines.join('; ')}` : null;
  }

  /**
   * A new connection from a peer pod to each isolated pod's address, made
   * inside the cluster (the harness's port-forwards do not cross the
   * policy). Null when there is no peer or isolated pod to probe.
   */
  protected async reachAcross(side: PartitionSide): Promise<{ open: string[]; closed: string[]; lines: string[] } | null> {
    const isolated = 'zone' in side ? await this.zoneInstances(side.zone) : side.instances;
    const pods = await this.ctx.kube.list<PodObject>(RESOURCES.pod, this.ctx.names.namespace, {
      labelSelector: `${CNPG_LABELS.cluster}=${this.ctx.names.cluster},${CNPG_LABELS.podRole}=instance`,
    });
    const running = pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
    const from = running.find((p) => !isolated.includes(p.metadata.name));
    const targets = running.filter((p) => isolated.includes(p.metadata.name) && p.status?.podIP);
    if (!from || targets.length === 0) return null;
    const lines: string[] = [];
    const open: string[] = [];
    const closed: string[] = [];
    for (const to of targets) {
      const result = await execInPod(
        this.ctx.kube.config,
        { namespace: this.ctx.names.namespace, pod: from.metadata.name, container: POSTGRES_CONTAINER },
        ['sh', '-c', `pg_isready -q -h ${to.status!.podIP} -p 5432 -t 1; echo $?`],
        { timeoutMs: 10_000, label: 'pg_isready across the cut', check: false },
      ).catch(() => ({ stdout: '2' }));
      const code = Number(result.stdout.trim());
      const answers = code === 0 || code === 1;
      (answers ? open : closed).push(to.metadata.name);
      lines.push(`${from.metadata.name} → ${to.metadata.name} ${answers ? 'answers' : 'no answer'}`);
    }
    return { open, closed, lines };
  }

  async stallArchive(): Promise<void> {
    this.ctx.guard('stalled-archive');
    await this.ctx.network.stallArchive();
  }

  async resumeArchive(): Promise<void> {
    await this.ctx.network.resumeArchive();
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

  protected instance(name: string): void {
    if (!this.ctx.instances.includes(name)) throw new InfrastructureError(`no instance named ${name} in cluster ${this.ctx.names.cluster}`);
  }

  protected async nodeOf(name: string): Promise<string> {
    this.instance(name);
    const pod = await this.ctx.kube.find<PodObject>(RESOURCES.pod, name, this.ctx.names.namespace);
    const node = pod?.spec?.nodeName ?? this.lastNode.get(name);
    if (!node) throw new InfrastructureError(`instance ${name} has no node yet`);
    this.lastNode.set(name, node);
    return node;
  }

  /** Waits until the node's Ready condition is True. */
  protected async nodeReady(node: string): Promise<void> {
    await waitForObject<NodeObject>(
      this.ctx.kube,
      RESOURCES.node,
      node,
      undefined,
      (n) => {
        const ready = n?.status?.conditions?.find((c) => c.type === 'Ready');
        return ready?.status === 'True' ? undefined : `node ${node} ${ready ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ''}` : 'has no Ready condition'}`;
      },
      { timeoutMs: this.timeouts.nodeReady, description: `node ${node} Ready again` },
    );
  }

  protected async allNodes(): Promise<string[]> {
    const nodes = await this.ctx.kube.list<NodeObject>(RESOURCES.node);
    return nodes.items.map((n) => n.metadata.name).sort();
  }

  protected async zoneNodes(zone: string): Promise<string[]> {
    const label = this.ctx.zoneLabel?.(zone) ?? zone;
    const nodes = await this.ctx.kube.list<NodeObject>(RESOURCES.node, undefined, { labelSelector: `${ZONE_LABEL}=${label}` });
    if (nodes.items.length === 0) throw new InfrastructureError(`no node is labelled ${ZONE_LABEL}=${label}`);
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
