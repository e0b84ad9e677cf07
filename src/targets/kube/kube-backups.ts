import { setTimeout as sleep } from 'node:timers/promises';
import { InfrastructureError } from '../../errors.ts';
import { PrimitiveUnsupportedError } from '../errors.ts';
import type { ConnectionInfo, InstanceEndpoint } from '../endpoints.ts';
import type { BackupInfo, BackupPrimitives, RecoveryTarget, RestoredCluster } from '../target.ts';
import { applyChecked } from './apply.ts';
import { PHASE_HEALTHY, type BackupMethod } from './cnpg.ts';
import type { DrillNames } from './drill-names.ts';
import type { KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import { drillLabels, selectorOf } from './labels.ts';
import { archiveCurrentWal, nameInstance, recoveryReached, withClient } from './instance-sql.ts';
import type { ArchiveWiring } from './manifests/cluster.ts';
import { renderRestoredCluster } from './manifests/cluster.ts';
import { renderBackup } from './manifests/backup.ts';
import type { BackupResource, ClusterResource } from './manifests/cnpg-types.ts';
import { RESOURCES } from './resources.ts';
import type { RestoredKubeTarget } from './restored-kube-target.ts';

/** Opens direct endpoints to a cluster's instances (port-forwards) and closes them. */
export interface ClusterEndpoints {
  open(cluster: string, instances: readonly string[]): Promise<{ app: InstanceEndpoint[]; superuser: Map<string, ConnectionInfo>; close(): Promise<void> }>;
}

export interface KubeBackupsContext {
  kube: KubeRest;
  runId: string;
  names: DrillNames;
  zones: readonly string[];
  method: BackupMethod;
  archive: ArchiveWiring;
  postgresImage?: string;
  storageSize: string;
  storageClass?: string;
  /** Direct endpoint of the current primary of the cluster under test. */
  primary(): Promise<ConnectionInfo>;
  endpoints: ClusterEndpoints;
  timeouts?: Partial<{ backup: number; restore: number }>;
  /**
   * A restored Cluster as a target of its own, for a drill inside it;
   * `remove` is the restored cluster's teardown. Absent: no drill inside.
   */
  restoredTarget?: (cluster: string, remove: () => Promise<void>) => Promise<RestoredKubeTarget>;
}

/**
 * Backups and restores with CloudNativePG: a Backup resource (method plugin
 * or barmanObjectStore) for a base backup; a restore is a new Cluster
 * bootstrapped with bootstrap.recovery from the object store, beside the
 * one under test.
 */
export class KubeBackups implements BackupPrimitives {
  private taken = 0;

  constructor(private readonly ctx: KubeBackupsContext) {}

  async backup(type: 'full' | 'incremental'): Promise<BackupInfo> {
    if (type !== 'full') throw new PrimitiveUnsupportedError('barman-cloud takes full base backups only (no incremental backups)');
    const { kube, names } = this.ctx;
    this.taken += 1;
    const name = `${names.cluster}-backup-${this.taken}-${Date.now().toString(36)}`;
    await applyChecked(kube, RESOURCES.backup, renderBackup({ runId: this.ctx.runId, name, namespace: names.namespace, cluster: names.cluster, method: this.ctx.method }));
    const done = await waitForObject<BackupResource>(
      kube,
      RESOURCES.backup,
      name,
      names.namespace,
      (b) => {
        const phase = b?.status?.phase;
        return phase === 'completed' || phase === 'failed' ? undefined : `backup ${name} ${phase ?? 'pending'}`;
      },
      { timeoutMs: this.ctx.timeouts?.backup ?? 900_000, description: `backup ${name}` },
    );
    if (done.status?.phase === 'failed') throw new InfrastructureError(`backup ${name} failed: ${done.status.error ?? 'no reason given'}`);
    return backupInfo(done);
  }

  async listBackups(): Promise<BackupInfo[]> {
    const list = await this.ctx.kube.list<BackupResource>(RESOURCES.backup, this.ctx.names.namespace, {
      labelSelector: selectorOf(drillLabels(this.ctx.runId, 'backup')),
    });
    return list.items
      .filter((b) => b.status?.phase === 'completed' && b.spec.cluster.name === this.ctx.names.cluster)
      .map(backupInfo)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /**
   * A new Cluster bootstrapped from the object store. Resolves once the
   * restored primary accepts writes (restore_seconds ends there); a cluster
   * restore's `awaitReplicas` then waits until every other instance streams
   * from it, as the primary's pg_stat_replication says.
   */
  async restore(options: { target: RecoveryTarget; shape: 'single' | 'cluster'; name: string }): Promise<RestoredCluster> {
    const { kube, names } = this.ctx;
    // A restore to a time or to the end needs the WAL up to now in the store.
    await archiveCurrentWal(await this.ctx.primary());
    const name = names.restoredCluster(options.name);
    const instances = options.shape === 'single' ? 1 : this.ctx.zones.length;
    const manifest = renderRestoredCluster({
      runId: this.ctx.runId,
      name,
      namespace: names.namespace,
      sourceCluster: names.cluster,
      target: options.target,
      instances,
      zones: this.ctx.zones,
      ...(this.ctx.postgresImage ? { postgresImage: this.ctx.postgresImage } : {}),
      storageSize: this.ctx.storageSize,
      ...(this.ctx.storageClass ? { storageClass: this.ctx.storageClass } : {}),
      archive: this.ctx.archive,
    });
    const remove = async (): Promise<void> => {
      await kube.delete(RESOURCES.cluster, name, names.namespace);
    };
    const opened = new RestoredEndpoints(this.ctx.endpoints, name);
    const timeoutMs = this.ctx.timeouts?.restore ?? 1_800_000;
    const deadline = performance.now() + timeoutMs;
    try {
      await applyChecked(kube, RESOURCES.cluster, manifest);
      const ready = await waitForObject<ClusterResource>(kube, RESOURCES.cluster, name, names.namespace, (c) => restoredPrimaryProblem(c), {
        timeoutMs,
        description: `restored cluster ${name}: primary ready`,
      });
      const primaryName = ready.status!.currentPrimary!;
      const [primary] = await opened.add([primaryName]);
      if (!primary) throw new InfrastructureError(`restored cluster ${name} reports primary ${primaryName}, which has no endpoint`);
      await untilWritable(primary.connection, name, Math.max(0, deadline - performance.now()));
      await nameInstance(opened.superuser(primaryName), primaryName);
      const reached = await recoveryReached(primary.connection);
      let target: RestoredKubeTarget | undefined;
      let removal: Promise<void> | undefined;
      // Called by the drill inside (its target's teardown) and by the restore step: removes once, again only after a failure.
      const teardown = (): Promise<void> =>
        (removal ??= (async () => {
          await target?.closeEndpoints();
          await opened.close();
          await remove();
        })().catch((error: unknown) => {
          removal = undefined;
          throw error;
        }));
      const restored: RestoredCluster = {
        name,
        primary: primary.connection,
        get instances() {
          return opened.all;
        },
        reached,
        teardown,
      };
      if (options.shape === 'cluster') {
        restored.awaitReplicas = async (ms, signal) => {
          try {
            await this.awaitReplicas(name, instances, opened, ms, signal);
          } finally {
            // Built once the wait ends, either way: its instances are those the Cluster lists then.
            // A drill inside a cluster whose replicas never streamed judges that by its own checks.
            if (!signal?.aborted && !target && this.ctx.restoredTarget) {
              target = await this.ctx.restoredTarget(name, teardown).catch((error: unknown) => {
                restored.targetProblem = `the restored cluster ${name} could not be made a target: ${error instanceof Error ? error.message : String(error)}`;
                return undefined;
              });
              if (target) restored.target = target;
            }
          }
        };
      }
      return restored;
    } catch (error) {
      // The caller only gets a teardown with a RestoredCluster: remove what was made here.
      await opened.close().catch(() => undefined);
      await remove().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Until every instance of the restored Cluster but its primary is listed
   * with state streaming in the primary's pg_stat_replication (CloudNativePG
   * names each standby's walreceiver after its pod). The Cluster's status
   * only says which instances exist and which is primary: a standby the
   * operator counts as ready may still be catching up or not connected.
   * When the time passes, the instances it never saw are opened anyway, so
   * their rows count as unread rather than not compared.
   */
  private async awaitReplicas(name: string, expected: number, opened: RestoredEndpoints, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const { kube, names } = this.ctx;
    const deadline = performance.now() + timeoutMs;
    let problem = 'not checked yet';
    while (performance.now() < deadline) {
      signal?.throwIfAborted();
      problem = await this.replicasProblem(name, expected, opened).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
      if (problem === '') {
        for (const e of opened.all) await nameInstance(opened.superuser(e.name), e.name).catch(() => undefined);
        return;
      }
      await sleep(500, undefined, signal ? { signal } : undefined);
    }
    const cluster = await kube.find<ClusterResource>(RESOURCES.cluster, name, names.namespace).catch(() => undefined);
    const known = cluster?.status?.instanceNames ?? [];
    const predicted = Array.from({ length: expected }, (_, i) => `${name}-${i + 1}`);
    await opened.add([...known, ...predicted].filter((n, i, all) => all.indexOf(n) === i).slice(0, Math.max(expected, known.length))).catch(() => undefined);
    throw new InfrastructureError(`restored cluster ${name}: replicas not streaming within ${timeoutMs / 1000}s: ${problem}`);
  }

  /** '' once every instance but the primary streams from it; otherwise what is missing. */
  private async replicasProblem(name: string, expected: number, opened: RestoredEndpoints): Promise<string> {
    const { kube, names } = this.ctx;
    const cluster = await kube.get<ClusterResource>(RESOURCES.cluster, name, names.namespace);
    const status = cluster.status ?? {};
    const primary = status.currentPrimary;
    if (!primary || primary !== status.targetPrimary) return `primary ${primary ?? 'none'}, target ${status.targetPrimary ?? 'none'}`;
    const instanceNames = status.instanceNames ?? [];
    if (instanceNames.length < expected) return `${instanceNames.length} of ${expected} instances created`;
    await opened.add(instanceNames);
    const streaming = await withClient(opened.superuser(primary), async (c) => {
      const { rows } = await c.query<{ name: string; state: string | null }>('SELECT application_name AS name, state FROM pg_stat_replication');
      return new Map(rows.map((r) => [r.name, r.state ?? 'unknown']));
    });
    const missing = instanceNames.filter((n) => n !== primary && streaming.get(n) !== 'streaming');
    if (missing.length === 0) return '';
    return missing.map((n) => `${n} ${streaming.has(n) ? streaming.get(n) : 'not connected'} on ${primary}`).join(', ');
  }
}

/** The endpoints of a restored Cluster's instances, opened as the instances appear; closed with the restore. */
class RestoredEndpoints {
  private readonly app: InstanceEndpoint[] = [];
  private readonly superusers = new Map<string, ConnectionInfo>();
  private readonly closes: Array<() => Promise<void>> = [];

  constructor(
    private readonly endpoints: ClusterEndpoints,
    private readonly cluster: string,
  ) {}

  get all(): readonly InstanceEndpoint[] {
    return this.app;
  }

  /** Opens those of `instances` not open yet; returns their endpoints in that order. */
  async add(instances: readonly string[]): Promise<InstanceEndpoint[]> {
    const fresh = instances.filter((n) => !this.superusers.has(n));
    if (fresh.length > 0) {
      const opened = await this.endpoints.open(this.cluster, fresh);
      this.closes.push(() => opened.close());
      this.app.push(...opened.app);
      for (const [n, c] of opened.superuser) this.superusers.set(n, c);
    }
    return instances.flatMap((n) => this.app.filter((e) => e.name === n));
  }

  superuser(instance: string): ConnectionInfo {
    const c = this.superusers.get(instance);
    if (!c) throw new InfrastructureError(`restored cluster ${this.cluster}: no endpoint for instance ${instance}`);
    return c;
  }

  async close(): Promise<void> {
    for (const close of this.closes.splice(0)) await close();
  }
}

/** Until the restored primary is out of recovery: CloudNativePG may report it ready while it still replays. */
async function untilWritable(primary: ConnectionInfo, cluster: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'not asked yet';
  do {
    try {
      const inRecovery = await withClient(primary, async (c) => (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r);
      if (!inRecovery) return;
      last = 'still in recovery';
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(250);
  } while (performance.now() < deadline);
  throw new InfrastructureError(`restored cluster ${cluster}: the primary did not accept writes within ${timeoutMs / 1000}s: ${last}`);
}

/**
 * Undefined once a restored Cluster's primary is elected and ready (its
 * replicas, if any, may not exist yet: CloudNativePG clones them from it
 * afterwards).
 */
export function restoredPrimaryProblem(cluster: ClusterResource | undefined): string | undefined {
  if (!cluster) return 'not created yet';
  const s = cluster.status;
  if (!s) return 'no status yet';
  if (!s.currentPrimary || s.currentPrimary !== s.targetPrimary) return `primary ${s.currentPrimary ?? 'none'}, target ${s.targetPrimary ?? 'none'}${s.phase ? ` (phase "${s.phase}")` : ''}`;
  if ((s.readyInstances ?? 0) < 1) return `no instance ready (phase "${s.phase ?? 'none'}")`;
  return undefined;
}

/** Undefined once a cluster is healthy with every instance ready and a primary elected. */
export function clusterReadyProblem(cluster: ClusterResource | undefined, instances: number): string | undefined {
  if (!cluster) return 'not created yet';
  const s = cluster.status;
  if (!s) return 'no status yet';
  if (s.phase !== PHASE_HEALTHY) return `phase "${s.phase ?? 'none'}"${s.phaseReason ? ` (${s.phaseReason})` : ''}`;
  if ((s.readyInstances ?? 0) < instances) return `${s.readyInstances ?? 0} of ${instances} instances ready`;
  if (!s.currentPrimary || s.currentPrimary !== s.targetPrimary) return `primary ${s.currentPrimary ?? 'none'}, target ${s.targetPrimary ?? 'none'}`;
  return undefined;
}

function backupInfo(b: BackupResource): BackupInfo {
  return {
    id: b.metadata.name,
    type: 'full',
    startedAt: b.status?.startedAt ?? b.metadata.creationTimestamp ?? '',
    finishedAt: b.status?.stoppedAt ?? '',
    ...(b.status?.beginWal ? { walStart: b.status.beginWal } : {}),
    ...(b.status?.endWal ? { walStop: b.status.endWal } : {}),
  };
}
