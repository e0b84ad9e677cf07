/**
 * CloudNativePG and plugin-barman-cloud facts pgdrill relies on, in one
 * place. Versions are pinned: the schemas in ./schemas/ are those of exactly
 * these releases, and a drill report names them.
 */

export const CNPG_VERSION = '1.30.0';
export const BARMAN_CLOUD_PLUGIN_VERSION = '0.14.0';
export const CERT_MANAGER_VERSION = '1.19.1';
/** Kubernetes minor versions CloudNativePG 1.30 supports (its docs/src/supported_releases.md; 1.30 to 1.33 are tested, not supported). */
export const CNPG_SUPPORTED_KUBERNETES = ['1.34', '1.35', '1.36'] as const;

/**
 * Where a CloudNativePG release's manifest is: releases/cnpg-<version>.yaml
 * on the release-<minor> branch (its docs/src/installation_upgrade.md
 * applies that URL; each release branch's releases/ folder holds its patches).
 */
export function cnpgReleaseManifest(version: string): string {
  const minor = version.split('.').slice(0, 2).join('.');
  return `https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-${minor}/releases/cnpg-${version}.yaml`;
}

/** Release manifests, applied server-side (what the upstream install guides do with kubectl). */
export const RELEASE_MANIFESTS = {
  cnpg: cnpgReleaseManifest(CNPG_VERSION),
  certManager: `https://github.com/cert-manager/cert-manager/releases/download/v${CERT_MANAGER_VERSION}/cert-manager.yaml`,
  barmanCloudPlugin: `https://github.com/cloudnative-pg/plugin-barman-cloud/releases/download/v${BARMAN_CLOUD_PLUGIN_VERSION}/manifest.yaml`,
} as const;

export const CNPG_GROUP = 'postgresql.cnpg.io';
export const CNPG_API_VERSION = `${CNPG_GROUP}/v1`;
export const BARMAN_CLOUD_GROUP = 'barmancloud.cnpg.io';
export const BARMAN_CLOUD_API_VERSION = `${BARMAN_CLOUD_GROUP}/v1`;
/** The plugin's name in Cluster.spec.plugins and Backup.spec.pluginConfiguration. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/** Where the operator (and the plugin, which must sit beside it) run. */
export const OPERATOR_NAMESPACE = 'cnpg-system';
export const OPERATOR_DEPLOYMENT = 'cnpg-controller-manager';
export const PLUGIN_DEPLOYMENT = 'barman-cloud';
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
export const CERT_MANAGER_DEPLOYMENTS = ['cert-manager', 'cert-manager-cainjector', 'cert-manager-webhook'] as const;

/** Labels and annotations the operator puts on (or reads from) its objects. */
export const CNPG_LABELS = {
  cluster: 'cnpg.io/cluster',
  instanceName: 'cnpg.io/instanceName',
  instanceRole: 'cnpg.io/instanceRole',
  podRole: 'cnpg.io/podRole',
  /** On the pods of the operator's bootstrap jobs: initdb, full-recovery, join, ... */
  jobRole: 'cnpg.io/jobRole',
} as const;
/** The role (and container name) of the job that restores a Cluster bootstrapped with bootstrap.recovery. */
export const FULL_RECOVERY_JOB = 'full-recovery';
/** JSON list of instance names, or ["*"]: what `kubectl cnpg fencing on` sets on the Cluster. */
export const FENCED_INSTANCES_ANNOTATION = 'cnpg.io/fencedInstances';
/**
 * What `kubectl cnpg restart <cluster>` sets on the Cluster (an RFC 3339
 * time): the operator rolls out every instance pod whose copy of it
 * differs, deleting and recreating the pod (pkg/utils/labels_annotations.go,
 * internal/controller/cluster_upgrade.go).
 */
export const CLUSTER_RESTART_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Cluster.status.phase while the operator rolls instances out (a rolling restart or update). */
export const PHASE_UPGRADE = 'Upgrading cluster';
/** Cluster.status.phase while a switchover runs (what `kubectl cnpg promote` writes). */
export const PHASE_SWITCHOVER = 'Switchover in progress';
export const PHASE_HEALTHY = 'Cluster in healthy state';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** The container of an instance pod that runs PostgreSQL (beside the plugin's sidecar). */
export const POSTGRES_CONTAINER = 'postgres';
export const POSTGRES_PORT = 5432;

/** The app database and owner CloudNativePG's initdb bootstrap creates; the `<cluster>-app` Secret holds its password. */
export const APP_DATABASE = 'app';
export const APP_USER = 'app';

/** Backup methods pgdrill can configure: the plugin (default since CloudNativePG 1.26) or the deprecated in-tree one. */
export type BackupMethod = 'plugin' | 'barmanObjectStore';
