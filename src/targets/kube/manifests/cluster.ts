import type { SynchronousMode } from '../../../scenario/types.ts';
import { APP_DATABASE, APP_USER, BARMAN_CLOUD_PLUGIN, CNPG_API_VERSION, ZONE_LABEL, type BackupMethod } from '../cnpg.ts';
import { drillLabels } from '../labels.ts';
import type { RecoveryTarget } from '../../target.ts';
import type { BarmanObjectStoreConfiguration, ClusterResource, ClusterSpec, ExternalClusterSpec, RecoveryTargetSpec } from './cnpg-types.ts';

/** How a cluster reaches the object store: through the plugin's ObjectStore, or in-tree. */
export interface ArchiveWiring {
  method: BackupMethod;
  /** ObjectStore name (plugin method). */
  objectStore: string;
  /** The store's configuration (the in-tree method embeds it in the Cluster). */
  configuration: BarmanObjectStoreConfiguration;
}

export interface ClusterRenderOptions {
  runId: string;
  name: string;
  namespace: string;
  zones: readonly string[];
  synchronous: SynchronousMode;
  syncStandbys: number;
  syncMethod: 'any' | 'first';
  postgresImage?: string;
  storageSize: string;
  storageClass?: string;
  archive: ArchiveWiring;
}

/**
 * The Cluster under test: one instance per zone, at most one per zone
 * (required anti-affinity on the zone label), only in the scenario's zones;
 * synchronous replication as the scenario asks (off: none; on: preferred
 * durability, which falls back to asynchronous when no standby answers;
 * strict: required, which blocks commits instead); WAL archived to the
 * object store; the primary rolled out by switchover in rolling updates.
 */
export function renderCluster(o: ClusterRenderOptions): ClusterResource {
  const spec: ClusterSpec = {
    instances: o.zones.length,
    ...(o.postgresImage ? { imageName: o.postgresImage } : {}),
    // Pods, Services, PVCs and Secrets the operator makes carry the run label too.
    inheritedMetadata: { labels: drillLabels(o.runId, 'cluster') },
    // pgdrill names each instance (pgdrill.instance, with ALTER SYSTEM as the superuser): see instance-sql.ts.
    enableSuperuserAccess: true,
    // A rolling restart or update (the rolling-restart fault) hands the primary's role to a replica before
    // the former primary's pod is recreated, as an upgrade should; the default (restart) recreates the
    // primary's pod without a switchover, an outage until it is back.
    primaryUpdateStrategy: 'unsupervised',
    primaryUpdateMethod: 'switchover',
    postgresql: postgresqlSection(o.synchronous, o.syncStandbys, o.syncMethod),
    affinity: zoneAffinity(o.zones),
    bootstrap: {
      initdb: {
        database: APP_DATABASE,
        owner: APP_USER,
        // The observers read pg_stat_replication / pg_ls_waldir, and PITR drills close the current WAL segment.
        postInitApplicationSQL: [`GRANT pg_monitor TO ${APP_USER}`, `GRANT EXECUTE ON FUNCTION pg_switch_wal() TO ${APP_USER}`],
      },
    },
    storage: storage(o.storageSize, o.storageClass),
    ...archiving(o.archive, o.name),
  };
  return {
    apiVersion: CNPG_API_VERSION,
    kind: 'Cluster',
    metadata: { name: o.name, namespace: o.namespace, labels: drillLabels(o.runId, 'cluster') },
    spec,
  };
}

export interface RestoreRenderOptions {
  runId: string;
  name: string;
  namespace: string;
  /** The cluster whose backups and WAL are restored (its serverName in the store). */
  sourceCluster: string;
  target: RecoveryTarget;
  /** 1 for a single instance, or one per zone for a cluster of the same shape. */
  instances: number;
  zones: readonly string[];
  postgresImage?: string;
  storageSize: string;
  storageClass?: string;
  archive: ArchiveWiring;
}

export const RECOVERY_SOURCE = 'origin';

/**
 * A new Cluster bootstrapped from the store (bootstrap.recovery with the
 * source as an external cluster). It does not archive: it must never write
 * into the source's WAL archive.
 */
export function renderRestoredCluster(o: RestoreRenderOptions): ClusterResource {
  const recoveryTarget = recoveryTargetSpec(o.target);
  const origin: ExternalClusterSpec =
    o.archive.method === 'plugin'
      ? { name: RECOVERY_SOURCE, plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: o.archive.objectStore, serverName: o.sourceCluster } } }
      : { name: RECOVERY_SOURCE, barmanObjectStore: { ...o.archive.configuration, serverName: o.sourceCluster } };
  return {
    apiVersion: CNPG_API_VERSION,
    kind: 'Cluster',
    metadata: { name: o.name, namespace: o.namespace, labels: drillLabels(o.runId, 'restore') },
    spec: {
      instances: o.instances,
      ...(o.postgresImage ? { imageName: o.postgresImage } : {}),
      inheritedMetadata: { labels: drillLabels(o.runId, 'restore') },
      enableSuperuserAccess: true,
      postgresql: { enableAlterSystem: true },
      affinity: zoneAffinity(o.zones),
      bootstrap: {
        recovery: {
          source: RECOVERY_SOURCE,
          database: APP_DATABASE,
          owner: APP_USER,
          ...(recoveryTarget ? { recoveryTarget } : {}),
        },
      },
      storage: storage(o.storageSize, o.storageClass),
      externalClusters: [origin],
    },
  };
}

/** PostgreSQL's recovery target; none replays every archived WAL ("latest"). */
export function recoveryTargetSpec(target: RecoveryTarget): RecoveryTargetSpec | undefined {
  switch (target.kind) {
    case 'time':
      return { targetTime: pgTimestamp(target.time) };
    case 'lsn':
      return { targetLSN: target.lsn };
    case 'latest':
      return undefined;
  }
}

/** ISO 8601 as PostgreSQL prints a timestamptz in UTC (what recovery_target_time takes as it is). */
export function pgTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`not a time: ${iso}`);
  return date.toISOString().replace('T', ' ').replace('Z', '+00');
}

function postgresqlSection(mode: SynchronousMode, number: number, method: 'any' | 'first'): NonNullable<ClusterSpec['postgresql']> {
  return {
    enableAlterSystem: true,
    // quorum is CloudNativePG's method any whatever the target's default method.
    ...(mode === 'off' ? {} : { synchronous: { method: mode === 'quorum' ? 'any' : method, number, dataDurability: mode === 'strict' ? 'required' : 'preferred' } }),
  };
}

function zoneAffinity(zones: readonly string[]): ClusterSpec['affinity'] {
  return {
    enablePodAntiAffinity: true,
    topologyKey: ZONE_LABEL,
    podAntiAffinityType: 'required',
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: 'In', values: [...zones] }] }],
      },
    },
  };
}

function storage(size: string, storageClass: string | undefined): ClusterSpec['storage'] {
  return { size, ...(storageClass ? { storageClass } : {}) };
}

function archiving(archive: ArchiveWiring, clusterName: string): Pick<ClusterSpec, 'plugins' | 'backup' | 'env'> {
  if (archive.method === 'plugin') {
    return { plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: archive.objectStore, serverName: clusterName } }] };
  }
  // In-tree, barman-cloud runs in the postgres container: the same boto3 checksum settings as the plugin's sidecar.
  return { backup: { barmanObjectStore: { ...archive.configuration, serverName: clusterName } }, env: [...S3_COMPAT_ENV] };
}

/** boto3 sends CRC checksums by default since 1.36; several S3-compatible servers refuse them. */
export const S3_COMPAT_ENV = [
  { name: 'AWS_REQUEST_CHECKSUM_CALCULATION', value: 'when_required' },
  { name: 'AWS_RESPONSE_CHECKSUM_VALIDATION', value: 'when_required' },
] as const;
