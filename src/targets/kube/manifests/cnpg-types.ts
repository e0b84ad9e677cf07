/**
 * The parts of CloudNativePG 1.30 and barman-cloud 0.14 resources pgdrill
 * renders or reads. Field names follow the CRD schemas in ../schemas/,
 * against which every rendered object is validated in the tests.
 */
import type { KubeObject } from '../resources.ts';

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface BarmanObjectStoreConfiguration {
  destinationPath: string;
  endpointURL?: string;
  serverName?: string;
  s3Credentials?: { accessKeyId?: SecretKeyRef; secretAccessKey?: SecretKeyRef; region?: SecretKeyRef; sessionToken?: SecretKeyRef; inheritFromIAMRole?: boolean };
  azureCredentials?: {
    connectionString?: SecretKeyRef;
    storageAccount?: SecretKeyRef;
    storageKey?: SecretKeyRef;
    storageSasToken?: SecretKeyRef;
    inheritFromAzureAD?: boolean;
    useDefaultAzureCredentials?: boolean;
  };
  googleCredentials?: { applicationCredentials?: SecretKeyRef; gkeEnvironment?: boolean };
  /** The CA bundle that signed the store's certificate. */
  endpointCA?: SecretKeyRef;
  wal?: { compression?: 'gzip' | 'bzip2' | 'lz4' | 'snappy' | 'xz' | 'zstd'; maxParallel?: number };
  data?: { compression?: 'gzip' | 'bzip2' | 'lz4' | 'snappy'; immediateCheckpoint?: boolean };
}

export interface PluginConfiguration {
  name: string;
  enabled?: boolean;
  isWALArchiver?: boolean;
  parameters?: Record<string, string>;
}

export interface RecoveryTargetSpec {
  targetTime?: string;
  targetLSN?: string;
}

export interface ExternalClusterSpec {
  name: string;
  plugin?: PluginConfiguration;
  barmanObjectStore?: BarmanObjectStoreConfiguration;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface ClusterSpec {
  instances: number;
  imageName?: string;
  inheritedMetadata?: { labels?: Record<string, string> };
  enableSuperuserAccess?: boolean;
  /** After the replicas, a rolling update goes on with the primary by itself (unsupervised, the default) or waits for the user. */
  primaryUpdateStrategy?: 'unsupervised' | 'supervised';
  /** How the primary is rolled out: switchover to a replica first, or restarted where it is (restart, the default). */
  primaryUpdateMethod?: 'switchover' | 'restart';
  postgresql?: {
    enableAlterSystem?: boolean;
    parameters?: Record<string, string>;
    synchronous?: { method: 'any' | 'first'; number: number; dataDurability: 'required' | 'preferred' };
  };
  affinity?: {
    enablePodAntiAffinity: boolean;
    topologyKey: string;
    podAntiAffinityType: 'required' | 'preferred';
    nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array<{ matchExpressions: NodeSelectorRequirement[] }> } };
  };
  bootstrap:
    | { initdb: { database: string; owner: string; postInitApplicationSQL?: string[] } }
    | { recovery: { source: string; database?: string; owner?: string; recoveryTarget?: RecoveryTargetSpec } };
  storage: { size: string; storageClass?: string; pvcTemplate?: { resources?: { requests?: { storage?: string } } } };
  env?: Array<{ name: string; value: string }>;
  plugins?: PluginConfiguration[];
  backup?: { barmanObjectStore: BarmanObjectStoreConfiguration };
  externalClusters?: ExternalClusterSpec[];
}

export interface ClusterStatus {
  phase?: string;
  phaseReason?: string;
  instances?: number;
  readyInstances?: number;
  currentPrimary?: string;
  targetPrimary?: string;
  currentPrimaryTimestamp?: string;
  targetPrimaryTimestamp?: string;
  timelineID?: number;
  instanceNames?: string[];
  /** Instance names by health ("healthy", "failed", ...). */
  instancesStatus?: Record<string, string[]>;
  image?: string;
  writeService?: string;
}

export interface ClusterResource extends KubeObject {
  kind: 'Cluster';
  spec: ClusterSpec;
  status?: ClusterStatus;
}

export interface BackupResource extends KubeObject {
  kind: 'Backup';
  spec: {
    cluster: { name: string };
    method: 'plugin' | 'barmanObjectStore';
    pluginConfiguration?: { name: string; parameters?: Record<string, string> };
  };
  status?: {
    phase?: string;
    startedAt?: string;
    stoppedAt?: string;
    beginWal?: string;
    endWal?: string;
    beginLSN?: string;
    endLSN?: string;
    backupId?: string;
    error?: string;
  };
}

export interface ObjectStoreResource extends KubeObject {
  kind: 'ObjectStore';
  spec: {
    configuration: BarmanObjectStoreConfiguration;
    instanceSidecarConfiguration?: {
      env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
      resources?: unknown;
      logLevel?: string;
      additionalContainerArgs?: string[];
      retentionPolicyIntervalSeconds?: number;
    };
    /** Backups older than this are deleted from the store by the plugin (e.g. 30d). */
    retentionPolicy?: string;
  };
}
