import { CommandError, InfrastructureError } from '../../errors.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import type {
  ArchiveStallPrimitives,
  EngineRollingRestartPrimitives,
  Evidence,
  PartitionSide,
  InstanceKillPrimitives,
  PartitionPrimitives,
  PostgresKillPrimitives,
  SwitchoverPrimitives,
} from '../fault-primitives.ts';
import { CLUSTER_RESTART_ANNOTATION, CNPG_LABELS, FENCED_INSTANCES_ANNOTATION, PHASE_HEALTHY, PHASE_SWITCHOVER, POSTGRES_CONTAINER, ZONE_LABEL } from './cnpg.ts';
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
 * switchover (what `kubectl cnpg promote` writes) and rolling restart
 * (what `kubectl cnpg restart` writes), NetworkPolicies for partitions and
 * a stalled archive. The kind target adds the node-level
 * groups (src/targets/kind/kind-fault-primitives.ts). CloudNativePG has no
 * consensus store of its own (its state is in the Kubernetes API), so
 * there is no dcs group here.
 */
export class KubeFaultPrimitives
  implements InstanceKillPrimitives, PostgresKillPrimitives, SwitchoverPrimitives, EngineRollingRestartPrimitives, PartitionPrimitives, ArchiveStallPrimitives
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

  /**
   * CloudNativePG's own rolling restart, as `kubectl cnpg restart <cluster>`
   * asks for it (internal/cmd/plugin/restart/restart.go): a merge patch of
   * the Cluster's kubectl.kubernetes.io/restartedAt annotation with the
   * time. The operator then deletes and recreates each instance pod whose
   * copy of the annotation differs, one at a time and only while every
   * instance is ready, replicas first; then, with primaryUpdateMethod
   * switchover (the manifest's; the default recreates the primary's pod
   * where it is), it makes a replica the target primary and, once the
   * switchover is done, recreates the former primary's pod
   * (internal/controller/cluster_upgrade.go). A pod it creates carries the
   * Cluster's value of the annotation.
   *
   * Resolves once the operator reports it done: every instance pod a new
   * one (new UID) carrying this request's value and ready, the Cluster in
   * healthy state with its current primary as target primary. The answer
   * is what was seen on the way (which pod was recreated when, the primary
   * moving); when the operator does not begin within the switchover bound,
   * or does not finish within a pod's bound per instance plus that, the
   * answer says so with what was seen last.
   */
  async engineRollingRestart(primary: string): Promise<string> {
    this.ctx.guard('rolling-restart (the operator\'s rolling restart)');
    this.instance(primary);
    const started = performance.now();
    const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)}s`;
    const beginWithin = this.timeouts.switchover;
    const doneWithin = this.timeouts.podBack * this.ctx.instances.length + this.timeouts.switchover;
    const before = new Map((await this.instancePods()).map((p) => [p.metadata.name, p.metadata.uid]));
    const requested = await this.requestRestart(primary);
    const steps: string[] = [];
    const recreated = new Set<string>();
    let primaryNow = primary;
    let begun = false;
    let last = 'nothing seen yet';
    const account = (): string => `the operator's rolling restart (${CLUSTER_RESTART_ANNOTATION} ${requested}): ${steps.join(', ') || 'nothing'}`;
    while (performance.now() - started < doneWithin) {
      const { kube, names } = this.ctx;
      const [cluster, pods] = await Promise.all([kube.get<ClusterResource>(RESOURCES.cluster, names.cluster, names.namespace), this.instancePods()]);
      const byName = new Map(pods.map((p) => [p.metadata.name, p]));
      // The primary's move first: seen in the same poll as a pod's recreation, it came before the former primary's.
      const status = cluster.status ?? {};
      if (status.currentPrimary && status.currentPrimary !== primaryNow) {
        steps.push(`switchover ${primaryNow} → ${status.currentPrimary} (${elapsed()})`);
        primaryNow = status.currentPrimary;
      }
      for (const name of this.ctx.instances) {
        const uid = byName.get(name)?.metadata.uid;
        if (uid !== undefined && uid !== before.get(name) && !recreated.has(name)) {
          recreated.add(name);
          steps.push(`${name} recreated (${elapsed()})`);
        }
      }
      const phase = status.phase ?? 'no phase';
      begun ||= recreated.size > 0 || phase !== PHASE_HEALTHY || primaryNow !== primary;
      const pending = this.ctx.instances.filter((n) => {
        const pod = byName.get(n);
        return !recreated.has(n) || pod?.metadata.annotations?.[CLUSTER_RESTART_ANNOTATION] !== requested || !podReady(pod);
      });
      if (pending.length === 0 && phase === PHASE_HEALTHY && status.currentPrimary === status.targetPrimary) return `${account()}; ${PHASE_HEALTHY} after ${elapsed()}`;
      last = `phase "${phase}"${status.phaseReason ? ` (${status.phaseReason})` : ''}, primary ${status.currentPrimary ?? 'none'}, target ${status.targetPrimary ?? 'none'}; not restarted and ready yet: ${pending.join(', ')}`;
      if (!begun && performance.now() - started >= beginWithin) return `${account()}: the operator did not begin within ${beginWithin / 1000}s (${last})`;
      await new Promise((r) => setTimeout(r, 250));
    }
    return `${account()}: not done within ${doneWithin / 1000}s (${last})`;
  }

  /** Sets the restart annotation as the plugin does (RFC 3339, to the second), to a new value even within the same second. */
  private async requestRestart(primary: string): Promise<string> {
    const { kube, names } = this.ctx;
    for (let attempt = 1; ; attempt++) {
      const cluster = await kube.get<ClusterResource>(RESOURCES.cluster, names.cluster, names.namespace);
      if (cluster.status?.currentPrimary !== primary) {
        throw new InfrastructureError(`rolling restart from ${primary}: the operator's current primary is ${cluster.status?.currentPrimary ?? 'none'}`);
      }
      const previous = cluster.metadata.annotations?.[CLUSTER_RESTART_ANNOTATION];
      let time = Date.now();
      while (rfc3339(time) === previous) time += 1_000;
      const value = rfc3339(time);
      try {
        await kube.mergePatch(RESOURCES.cluster, names.cluster, names.namespace, {
          metadata: { resourceVersion: cluster.metadata.resourceVersion, annotations: { [CLUSTER_RESTART_ANNOTATION]: value } },
        });
        return value;
      } catch (error) {
        // Someone (the operator) updated the Cluster in between: read it again.
        if (!isConflict(error) || attempt >= 5) throw error;
      }
    }
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
    return (await this.instancePods()).filter((p) => pods.includes(p.metadata.name)).flatMap((p) => p.status?.podIPs?.map((i) => i.ip) ?? (p.status?.podIP ? [p.status.podIP] : []));
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
    const running = (await this.instancePods()).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
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

  /** The cluster's instance pods, as the API lists them now. */
  private async instancePods(): Promise<PodObject[]> {
    const list = await this.ctx.kube.list<PodObject>(RESOURCES.pod, this.ctx.names.namespace, {
      labelSelector: `${CNPG_LABELS.cluster}=${this.ctx.names.cluster},${CNPG_LABELS.podRole}=instance`,
    });
    return list.items;
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
    const inZone = (await this.instancePods()).filter((p) => p.spec?.nodeName && nodes.has(p.spec.nodeName)).map((p) => p.metadata.name);
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

/** RFC 3339 to the second, as the cnpg plugin writes the restart annotation (Go's time.RFC3339). */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with microseconds, as the operator writes its timestamps. */
function microTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
