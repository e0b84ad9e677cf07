import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { DeployedStoreOptions, StoreFlavorName } from '../drill-options.ts';
import { drillLabels } from '../labels.ts';

export const STORE_PORT = 9000;
/** Label selecting the store's pods (NetworkPolicies name them through it). */
export const STORE_APP_LABEL = 'app.kubernetes.io/name';

/** How one S3-compatible server is run: its command, where its credentials go, how it reports ready. */
interface StoreFlavor {
  command?: string[];
  args?: string[];
  env: (credentialsSecret: string) => IEnvVar[];
  /** Directories (under the data and log volumes) the server must be able to write. */
  writableDirs: string[];
  healthPath: string;
}

const fromSecret = (name: string, secret: string, key: string): IEnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

const FLAVORS: Record<StoreFlavorName, StoreFlavor> = {
  // As CloudNativePG's e2e suite runs it.
  rustfs: {
    command: ['/usr/bin/rustfs'],
    env: (secret) => [
      { name: 'RUSTFS_ADDRESS', value: `:${STORE_PORT}` },
      { name: 'RUSTFS_VOLUMES', value: '/data/rustfs' },
      { name: 'RUSTFS_REGION', value: 'us-east-1' },
      fromSecret('RUSTFS_ACCESS_KEY', secret, 'ACCESS_KEY_ID'),
      fromSecret('RUSTFS_SECRET_KEY', secret, 'ACCESS_SECRET_KEY'),
      { name: 'RUSTFS_CONSOLE_ENABLE', value: 'false' },
      { name: 'RUSTFS_OBS_LOG_DIRECTORY', value: '/logs/rustfs' },
    ],
    writableDirs: ['/data/rustfs', '/logs/rustfs'],
    healthPath: '/health',
  },
  // For registries that still hold a MinIO image.
  minio: {
    args: ['server', '/data/minio', '--address', `:${STORE_PORT}`],
    env: (secret) => [fromSecret('MINIO_ROOT_USER', secret, 'ACCESS_KEY_ID'), fromSecret('MINIO_ROOT_PASSWORD', secret, 'ACCESS_SECRET_KEY')],
    writableDirs: ['/data/minio'],
    healthPath: '/minio/health/ready',
  },
};

export interface StoreServerRender {
  runId: string;
  namespace: string;
  name: string;
  credentialsSecret: string;
  options: DeployedStoreOptions;
}

/**
 * A single-replica S3 server beside the cluster. Its data lives in an
 * emptyDir: it is the drill's archive, not a durable one. On kind it runs
 * on the control-plane node, which no fault stops, pauses or disconnects.
 */
export function renderStoreDeployment(o: StoreServerRender): IDeployment {
  const flavor = FLAVORS[o.options.flavor];
  const labels = { ...drillLabels(o.runId, 'store'), [STORE_APP_LABEL]: o.name };
  const hardening = { allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' as const } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { [STORE_APP_LABEL]: o.name } },
      template: {
        metadata: { labels },
        spec: {
          ...(o.options.placement === 'control-plane'
            ? {
                nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
                tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
              }
            : {}),
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'logs', emptyDir: {} },
          ],
          // The server runs as a non-root user; the volumes start root-owned.
          initContainers: [
            {
              name: 'prepare-dirs',
              image: o.options.initImage,
              command: ['sh', '-c', `mkdir -p ${flavor.writableDirs.join(' ')} && chmod 0777 ${flavor.writableDirs.join(' ')}`],
              volumeMounts: [
                { name: 'data', mountPath: '/data' },
                { name: 'logs', mountPath: '/logs' },
              ],
              securityContext: hardening,
            },
          ],
          containers: [
            {
              name: 'store',
              image: o.options.image,
              ...(flavor.command ? { command: flavor.command } : {}),
              ...(flavor.args ? { args: flavor.args } : {}),
              env: flavor.env(o.credentialsSecret),
              ports: [{ name: 's3', containerPort: STORE_PORT }],
              volumeMounts: [
                { name: 'data', mountPath: '/data' },
                { name: 'logs', mountPath: '/logs' },
              ],
              readinessProbe: { httpGet: { path: flavor.healthPath, port: STORE_PORT }, periodSeconds: 2, failureThreshold: 3 },
              securityContext: hardening,
            },
          ],
        },
      },
    },
  };
}

export function renderStoreService(o: { runId: string; namespace: string; name: string }): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name, namespace: o.namespace, labels: drillLabels(o.runId, 'store') },
    spec: {
      selector: { [STORE_APP_LABEL]: o.name },
      ports: [{ name: 's3', port: STORE_PORT, targetPort: STORE_PORT, protocol: 'TCP' }],
    },
  };
}

/** The store's keys, read by the server, barman-cloud and pgdrill's own listing of the archive. */
export function renderStoreCredentials(o: { runId: string; namespace: string; name: string; accessKeyId: string; secretAccessKey: string }): ISecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: o.name, namespace: o.namespace, labels: drillLabels(o.runId, 'store') },
    type: 'Opaque',
    stringData: { ACCESS_KEY_ID: o.accessKeyId, ACCESS_SECRET_KEY: o.secretAccessKey },
  };
}

/** In-cluster URL of the store's Service. */
export function storeEndpointURL(name: string, namespace: string): string {
  return `http://${name}.${namespace}.svc:${STORE_PORT}`;
}
