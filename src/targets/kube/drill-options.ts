import { UsageError } from '../../errors.ts';
import type { SynchronousMode } from '../../scenario/types.ts';
import type { BackupMethod } from './cnpg.ts';

/**
 * An S3-compatible server pgdrill runs beside the cluster, swappable by
 * flavor. Images are references as given (`name:tag` or
 * `name:tag@sha256:...`); a digest pins them, and the kind target records
 * the digest it actually loaded.
 */
export interface DeployedStoreOptions {
  kind: 'deployed';
  flavor: StoreFlavorName;
  image: string;
  /** Prepares a writable data directory before the server starts. */
  initImage: string;
  /** Where the store runs: on kind, the control-plane node, which no fault touches. */
  placement: 'control-plane' | 'any';
}

/** An object store that already exists (staging clusters): pgdrill writes under its own prefix. */
export interface ExistingStoreOptions {
  kind: 'existing';
  /** s3://bucket/prefix/ — pgdrill appends its run id. */
  destinationPath: string;
  endpointURL?: string;
  /** A Secret in the drill's namespace with keys ACCESS_KEY_ID and ACCESS_SECRET_KEY. */
  credentialsSecret: string;
  /** The region pgdrill's own WAL listing signs its requests for (Signature Version 4 scopes a key to one region); default us-east-1. */
  region?: string;
}

export type StoreOptions = DeployedStoreOptions | ExistingStoreOptions;
export type StoreFlavorName = 'rustfs' | 'minio';

/**
 * RustFS, as CloudNativePG 1.30.0's own e2e tests run it: the same tag
 * (its tests/utils/objectstore/objectstore.go; the glibc build, which the
 * comment in its .github/renovate.json5 prefers to the Alpine one). MinIO's
 * community images are no longer published. CloudNativePG pins no digest
 * and none could be checked from here: pin one in the options.
 */
export const DEFAULT_STORE: DeployedStoreOptions = {
  kind: 'deployed',
  flavor: 'rustfs',
  image: 'docker.io/rustfs/rustfs:1.0.0-beta.8-glibc',
  initImage: 'docker.io/library/busybox:1.38.0',
  placement: 'control-plane',
};

/** What the Cluster under test looks like; both Kubernetes targets render it the same way. */
export interface KubeClusterOptions {
  runId: string;
  /** One instance per zone. */
  zones: string[];
  synchronous: SynchronousMode;
  /** Synchronous standbys a commit waits for (`synchronous.number`). */
  syncStandbys: number;
  /** `any` (quorum, CloudNativePG's usual choice) or `first`. */
  syncMethod: 'any' | 'first';
  backupMethod: BackupMethod;
  /** Cluster.spec.imageName; absent: the operator's default PostgreSQL image. */
  postgresImage?: string;
  storageSize: string;
  storageClass?: string;
  store: StoreOptions;
  /** Take a first backup once the cluster is healthy (PITR needs one). */
  firstBackup: boolean;
  /** Scenario zone -> the cluster's topology.kubernetes.io/zone value (zone-map.ts); absent: the same names. */
  zoneMap?: Record<string, string>;
}

export const KUBE_CLUSTER_DEFAULTS = {
  syncStandbys: 1,
  syncMethod: 'any',
  backupMethod: 'plugin',
  storageSize: '1Gi',
  store: DEFAULT_STORE,
  firstBackup: true,
} as const satisfies Partial<KubeClusterOptions>;

const RUN_ID = /^[a-z0-9][a-z0-9-]{2,30}$/;
const ZONE = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

/** Rejects options that cannot make a working cluster, before anything is created (exit 2). */
export function validateClusterOptions(options: KubeClusterOptions): KubeClusterOptions {
  if (!RUN_ID.test(options.runId)) throw new UsageError(`run id "${options.runId}" is invalid: expected 3-31 lowercase letters, digits or dashes`);
  if (options.zones.length < 1) throw new UsageError('at least one zone is needed (got none)');
  for (const zone of options.zones) {
    if (!ZONE.test(zone)) throw new UsageError(`zone name "${zone}" is invalid: expected lowercase letters, digits and dashes (a label value)`);
  }
  if (new Set(options.zones).size !== options.zones.length) throw new UsageError(`zone names must be unique (got ${options.zones.join(', ')})`);
  if (!Number.isInteger(options.syncStandbys) || options.syncStandbys < 1) {
    throw new UsageError(`synchronous standby count must be at least 1 (got ${options.syncStandbys})`);
  }
  if (options.synchronous !== 'off' && options.syncStandbys > options.zones.length - 1) {
    throw new UsageError(
      `synchronous replication with ${options.syncStandbys} standby(s) needs at least ${options.syncStandbys + 1} zones (one instance per zone; got ${options.zones.length})`,
    );
  }
  if (!QUANTITY.test(options.storageSize)) throw new UsageError(`storage size "${options.storageSize}" is not a Kubernetes quantity (like 1Gi)`);
  if (options.store.kind === 'existing' && options.store.region !== undefined && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(options.store.region)) {
    throw new UsageError(`object store region "${options.store.region}" is invalid: expected a region name such as eu-west-1`);
  }
  if (options.store.kind === 'existing' && !/^(s3|gs|https?):\/\/.+/.test(options.store.destinationPath)) {
    throw new UsageError(`object store destination "${options.store.destinationPath}" must be a URL like s3://bucket/prefix/`);
  }
  return options;
}
