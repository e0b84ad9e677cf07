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
import { archiveCurrentWal, nameInstance, recoveryReached } from './instance-sql.ts';
import type { ArchiveWiring } from './manifests/cluster.ts';
import { renderRestoredCluster } from './manifests/cluster.ts';
import { renderBackup } from './manifests/backup.ts';
import type { BackupResource, ClusterResource } from './manifests/cnpg-types.ts';
import { RESOURCES } from './resources.ts';

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
    let endpoints: Awaited<ReturnType<ClusterEndpoints['open']>> | undefined;
    try {
      await applyChecked(kube, RESOURCES.cluster, manifest);
      const ready = await waitForObject<ClusterResource>(kube, RESOURCES.cluster, name, names.namespace, (c) => clusterReadyProblem(c, instances), {
        timeoutMs: this.ctx.timeouts?.restore ?? 1_800_000,
        description: `restored cluster ${name} healthy`,
      });
      const instanceNames = ready.status?.instanceNames ?? [];
      endpoints = await this.ctx.endpoints.open(name, instanceNames);
      const primaryName = ready.status!.currentPrimary!;
      const primary = endpoints.app.find((e) => e.name === primaryName);
      if (!primary) throw new InfrastructureError(`restored cluster ${name} reports primary ${primaryName}, which has no endpoint`);
      for (const [instance, superuser] of endpoints.superuser) await nameInstance(superuser, instance);
      const reached = await recoveryReached(primary.connection);
      const opened = endpoints;
      return {
        name,
        primary: primary.connection,
        instances: opened.app,
        reached,
        teardown: async () => {
          await opened.close();
          await remove();
        },
      };
    } catch (error) {
      // The caller only gets a teardown with a RestoredCluster: remove what was made here.
      await endpoints?.close().catch(() => undefined);
      await remove().catch(() => undefined);
      throw error;
    }
  }
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
