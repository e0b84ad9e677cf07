import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { RecoveryTarget } from '../../target.ts';
import { BARMAN_CLOUD_API_VERSION, BARMAN_CLOUD_PLUGIN, CNPG_API_VERSION } from '../cnpg.ts';
import { drillLabels } from '../labels.ts';
import { RECOVERY_SOURCE, recoveryTargetSpec } from './cluster.ts';
import type { BarmanObjectStoreConfiguration, ClusterResource, ExternalClusterSpec, ObjectStoreResource, SecretKeyRef } from './cnpg-types.ts';

/**
 * Where an existing Cluster's backups and WAL are, as a recovering Cluster
 * names them: through the barman-cloud plugin (an ObjectStore of that name
 * in the recovering Cluster's own namespace) or in-tree (the store's
 * configuration embedded). `serverName` is the folder of the source in the
 * store; it is always given, because both defaults would be wrong here (the
 * plugin defaults it to the recovering Cluster's name, in-tree to the
 * external cluster's name).
 */
export type StoreOrigin =
  | { method: 'plugin'; objectStore: string; serverName: string }
  | { method: 'barmanObjectStore'; configuration: BarmanObjectStoreConfiguration; serverName: string };

export interface ScratchClusterOptions {
  runId: string;
  name: string;
  namespace: string;
  origin: StoreOrigin;
  target: RecoveryTarget;
  /** The source's image (the same PostgreSQL major version is needed to read its data). */
  image?: string;
  storageSize: string;
  storageClass?: string;
}

/** The external cluster a recovery reads from: read access to the store only. */
export function originExternalCluster(origin: StoreOrigin): ExternalClusterSpec {
  return origin.method === 'plugin'
    ? { name: RECOVERY_SOURCE, plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: origin.objectStore, serverName: origin.serverName } } }
    : { name: RECOVERY_SOURCE, barmanObjectStore: { ...origin.configuration, serverName: origin.serverName } };
}

/**
 * The scratch Cluster of a restore test: one instance bootstrapped from the
 * source's store. It has no backup section and no plugin in spec.plugins,
 * so nothing in it archives WAL or takes backups: the store is only read
 * (base backup restore and WAL fetch). No application database or owner is
 * named: the test reads as the postgres superuser over the pod's socket.
 */
export function renderScratchCluster(o: ScratchClusterOptions): ClusterResource {
  const recoveryTarget = recoveryTargetSpec(o.target);
  return {
    apiVersion: CNPG_API_VERSION,
    kind: 'Cluster',
    metadata: { name: o.name, namespace: o.namespace, labels: drillLabels(o.runId, 'restore') },
    spec: {
      instances: 1,
      ...(o.image ? { imageName: o.image } : {}),
      inheritedMetadata: { labels: drillLabels(o.runId, 'restore') },
      bootstrap: { recovery: { source: RECOVERY_SOURCE, ...(recoveryTarget ? { recoveryTarget } : {}) } },
      storage: { size: o.storageSize, ...(o.storageClass ? { storageClass: o.storageClass } : {}) },
      externalClusters: [originExternalCluster(o.origin)],
    },
  };
}

/**
 * A copy of the plugin's ObjectStore in the scratch namespace (the plugin
 * looks a recovery's ObjectStore up in the recovering Cluster's namespace):
 * the store's configuration as it is, without the retention policy (the
 * plugin deletes expired backups from the store by it) or its interval.
 */
export function renderObjectStoreCopy(runId: string, namespace: string, source: ObjectStoreResource): ObjectStoreResource {
  const sidecar = source.spec.instanceSidecarConfiguration;
  const { retentionPolicyIntervalSeconds: _interval, ...sidecarRest } = sidecar ?? {};
  return {
    apiVersion: BARMAN_CLOUD_API_VERSION,
    kind: 'ObjectStore',
    metadata: { name: source.metadata.name, namespace, labels: drillLabels(runId, 'store') },
    spec: {
      configuration: structuredClone(source.spec.configuration),
      ...(sidecar && Object.keys(sidecarRest).length > 0 ? { instanceSidecarConfiguration: structuredClone(sidecarRest) } : {}),
    },
  };
}

/** Every Secret key the store's configuration reads (credentials and the CA bundle). */
export function storeSecretRefs(configuration: BarmanObjectStoreConfiguration): SecretKeyRef[] {
  const c = configuration;
  const refs = [
    c.s3Credentials?.accessKeyId,
    c.s3Credentials?.secretAccessKey,
    c.s3Credentials?.region,
    c.s3Credentials?.sessionToken,
    c.azureCredentials?.connectionString,
    c.azureCredentials?.storageAccount,
    c.azureCredentials?.storageKey,
    c.azureCredentials?.storageSasToken,
    c.googleCredentials?.applicationCredentials,
    c.endpointCA,
  ];
  return refs.filter((r): r is SecretKeyRef => r !== undefined);
}

/**
 * A copy of a source Secret in the scratch namespace, holding only the keys
 * the store reads; always Opaque, since a typed Secret (kubernetes.io/tls)
 * would require keys the copy leaves out.
 */
export function renderSecretCopy(runId: string, namespace: string, source: ISecret, keys: readonly string[]): ISecret {
  const data: Record<string, string> = {};
  for (const key of keys) {
    const value = source.data?.[key];
    if (value !== undefined) data[key] = value;
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: source.metadata!.name!, namespace, labels: drillLabels(runId, 'store') },
    type: 'Opaque',
    data,
  };
}
