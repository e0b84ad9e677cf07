import { BARMAN_CLOUD_API_VERSION, BARMAN_CLOUD_PLUGIN, CNPG_API_VERSION, type BackupMethod } from '../cnpg.ts';
import { drillLabels } from '../labels.ts';
import { S3_COMPAT_ENV } from './cluster.ts';
import type { BackupResource, BarmanObjectStoreConfiguration, ObjectStoreResource } from './cnpg-types.ts';

/** An on-demand base backup of the cluster (what `kubectl cnpg backup` creates). */
export function renderBackup(o: { runId: string; name: string; namespace: string; cluster: string; method: BackupMethod }): BackupResource {
  return {
    apiVersion: CNPG_API_VERSION,
    kind: 'Backup',
    metadata: { name: o.name, namespace: o.namespace, labels: drillLabels(o.runId, 'backup') },
    spec:
      o.method === 'plugin'
        ? { cluster: { name: o.cluster }, method: 'plugin', pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN } }
        : { cluster: { name: o.cluster }, method: 'barmanObjectStore' },
  };
}

/** The plugin's ObjectStore, with boto3's checksums limited to what S3-compatible servers accept. */
export function renderObjectStore(o: { runId: string; name: string; namespace: string; configuration: BarmanObjectStoreConfiguration }): ObjectStoreResource {
  return {
    apiVersion: BARMAN_CLOUD_API_VERSION,
    kind: 'ObjectStore',
    metadata: { name: o.name, namespace: o.namespace, labels: drillLabels(o.runId, 'store') },
    spec: {
      configuration: o.configuration,
      instanceSidecarConfiguration: { env: [...S3_COMPAT_ENV] },
    },
  };
}

/** The store's configuration as barman-cloud sees it (same shape for the plugin and in-tree). */
export function storeConfiguration(o: {
  destinationPath: string;
  endpointURL?: string;
  credentialsSecret: string;
}): BarmanObjectStoreConfiguration {
  return {
    destinationPath: o.destinationPath,
    ...(o.endpointURL ? { endpointURL: o.endpointURL } : {}),
    s3Credentials: {
      accessKeyId: { name: o.credentialsSecret, key: 'ACCESS_KEY_ID' },
      secretAccessKey: { name: o.credentialsSecret, key: 'ACCESS_SECRET_KEY' },
    },
    wal: { compression: 'gzip' },
  };
}
