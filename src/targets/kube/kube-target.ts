import { randomBytes } from 'node:crypto';
import { InfrastructureError } from '../../errors.ts';
import type { Progress } from '../../progress/progress.ts';
import type { ConnectionInfo, InstanceEndpoint } from '../endpoints.ts';
import type { BackupPrimitives, ExpectedRto, StartedTarget, TargetKind, Topology } from '../target.ts';
import type { FaultKind } from '../../history/events.ts';
import { applyAllChecked, applyChecked } from './apply.ts';
import { instancePodSelector, KubeEndpoints, readClusterCredentials, type ClusterCredentials } from './cluster-endpoints.ts';
import { BARMAN_CLOUD_PLUGIN_VERSION, CNPG_VERSION, OPERATOR_DEPLOYMENT, OPERATOR_NAMESPACE, PLUGIN_DEPLOYMENT, ZONE_LABEL } from './cnpg.ts';
import { topologyFromCnpg, type PodView } from './cnpg-topology.ts';
import type { DrillNames } from './drill-names.ts';
import type { KubeClusterOptions } from './drill-options.ts';
import { nameInstance, sampleInstance, serverVersion, type InstanceSample } from './instance-sql.ts';
import { clusterReadyProblem, KubeBackups } from './kube-backups.ts';
import type { FaultTimeouts, KubeFaultContext, KubeFaultPrimitives, PodObject } from './kube-faults.ts';
import type { KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import { renderObjectStore, storeConfiguration } from './manifests/backup.ts';
import { renderCluster, type ArchiveWiring } from './manifests/cluster.ts';
import type { ClusterResource } from './manifests/cnpg-types.ts';
import { renderNamespace } from './manifests/namespace.ts';
import { renderStoreCredentials, renderStoreDeployment, renderStoreService, STORE_APP_LABEL, STORE_PORT, storeEndpointURL } from './manifests/object-store-server.ts';
import { NetworkFaults } from './network-faults.ts';
import { deploymentImage, retryWhileWebhookStarts } from './operator-install.ts';
import { PortForwardProxy } from './port-forward-proxy.ts';
import { RESOURCES, type KubeObject } from './resources.ts';
import { RestoredKubeTarget } from './restored-kube-target.ts';
import { listKeys, parseS3Path, walNames } from './s3-listing.ts';
import { zoneMapping } from './zone-map.ts';

export interface KubeDrillTimeouts extends FaultTimeouts {
  /** Until the object store serves. */
  store: number;
  /** Until the Cluster is healthy. */
  cluster: number;
  backup: number;
  restore: number;
}

const DEFAULT_TIMEOUTS: KubeDrillTimeouts = { killed: 15_000, podBack: 300_000, switchover: 120_000, nodeReady: 180_000, store: 300_000, cluster: 900_000, backup: 900_000, restore: 1_800_000 };

export interface ProvisionKubeDrillArgs {
  targetKind: Extract<TargetKind, 'kind' | 'kubernetes'>;
  kube: KubeRest;
  names: DrillNames;
  options: KubeClusterOptions;
  /** Create the namespace (kind: one per run) or expect it to exist (an existing cluster). */
  createNamespace: boolean;
  /** The target's fault primitives over the drill's context: API-level only, or with the nodes too (kind). */
  primitives: (context: KubeFaultContext) => KubeFaultPrimitives;
  guard: (action: string) => void;
  progress: Progress;
  signal?: AbortSignal;
  /** Removes everything the run created; the caller registered it on the teardown stack before calling this. */
  removeRun: () => Promise<void>;
  /** Versions the caller knows (kind, docker, image digests). */
  versions?: Record<string, string>;
  timeouts?: Partial<KubeDrillTimeouts>;
  /** What the target's configuration predicts for a fault (kind: its node timings); absent: nothing. */
  expectedRto?: (fault: { kind: FaultKind; hitsPrimary: boolean }) => ExpectedRto | null;
}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

/**
 * Brings the drill's resources up in a namespace of a cluster where
 * CloudNativePG runs: the object store (deployed, or an existing one), the
 * ObjectStore (plugin method), the Cluster; waits until it is healthy
 * (watches, no sleeps); opens the endpoints; names the instances; takes a
 * first backup. Every object is validated offline and dry-run on the server
 * before any is stored.
 */
export async function provisionKubeDrill(args: ProvisionKubeDrillArgs): Promise<KubeTarget> {
  const { kube, names, options, progress, signal } = args;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...args.timeouts };
  const storeSecrets: string[] = [];
  const zones = zoneMapping(options.zoneMap);
  const clusterZones = options.zones.map((z) => zones.toCluster(z));

  if (args.createNamespace) {
    await applyChecked(kube, RESOURCES.namespace, renderNamespace(options.runId, names.namespace) as KubeObject);
  } else if (!(await kube.find(RESOURCES.namespace, names.namespace))) {
    throw new InfrastructureError(`namespace ${names.namespace} does not exist: create it, or name an existing one`);
  }

  const objects: KubeObject[] = [];
  let configuration;
  let storeApp: string | null = null;
  if (options.store.kind === 'deployed') {
    const accessKeyId = `pgdrill${randomBytes(6).toString('hex')}`;
    const secretAccessKey = randomBytes(24).toString('base64url');
    storeSecrets.push(secretAccessKey);
    storeApp = names.storeServer;
    objects.push(
      renderStoreCredentials({ runId: options.runId, namespace: names.namespace, name: names.storeCredentials, accessKeyId, secretAccessKey }) as KubeObject,
      renderStoreDeployment({ runId: options.runId, namespace: names.namespace, name: names.storeServer, credentialsSecret: names.storeCredentials, options: options.store }) as KubeObject,
      renderStoreService({ runId: options.runId, namespace: names.namespace, name: names.storeServer }) as KubeObject,
    );
    configuration = storeConfiguration({
      destinationPath: names.destinationPath,
      endpointURL: storeEndpointURL(names.storeServer, names.namespace),
      credentialsSecret: names.storeCredentials,
    });
  } else {
    const secret = await kube.find<SecretObject>(RESOURCES.secret, options.store.credentialsSecret, names.namespace);
    if (!secret?.data?.ACCESS_KEY_ID || !secret.data.ACCESS_SECRET_KEY) {
      throw new InfrastructureError(`secret ${names.namespace}/${options.store.credentialsSecret} with keys ACCESS_KEY_ID and ACCESS_SECRET_KEY is needed for the object store`);
    }
    storeSecrets.push(Buffer.from(secret.data.ACCESS_SECRET_KEY, 'base64').toString('utf8'));
    configuration = storeConfiguration({
      destinationPath: names.destinationPath,
      ...(options.store.endpointURL ? { endpointURL: options.store.endpointURL } : {}),
      credentialsSecret: options.store.credentialsSecret,
    });
  }
  const archive: ArchiveWiring = { method: options.backupMethod, objectStore: names.objectStore, configuration };
  if (options.backupMethod === 'plugin') {
    objects.push(renderObjectStore({ runId: options.runId, name: names.objectStore, namespace: names.namespace, configuration }));
  }
  objects.push(
    renderCluster({
      runId: options.runId,
      name: names.cluster,
      namespace: names.namespace,
      zones: clusterZones,
      synchronous: options.synchronous,
      syncStandbys: options.syncStandbys,
      syncMethod: options.syncMethod,
      ...(options.postgresImage ? { postgresImage: options.postgresImage } : {}),
      storageSize: options.storageSize,
      ...(options.storageClass ? { storageClass: options.storageClass } : {}),
      archive,
    }),
  );
  await progress.phase('drill resources', () => retryWhileWebhookStarts(() => applyAllChecked(kube, objects), 120_000, signal));

  if (options.store.kind === 'deployed') {
    await progress.phase('object store', () =>
      waitForObject<KubeObject & { status?: { availableReplicas?: number } }>(
        kube,
        RESOURCES.deployment,
        names.storeServer,
        names.namespace,
        (d) => ((d?.status?.availableReplicas ?? 0) >= 1 ? undefined : `store ${names.storeServer} not available yet`),
        { timeoutMs: timeouts.store, description: `object store ${names.storeServer} serving`, onProblem: (p) => progress.note(p), ...(signal ? { signal } : {}) },
      ),
    );
  }
  const cluster = await progress.phase('cluster', () =>
    waitForObject<ClusterResource>(kube, RESOURCES.cluster, names.cluster, names.namespace, (c) => clusterReadyProblem(c, options.zones.length), {
      timeoutMs: timeouts.cluster,
      description: `cluster ${names.cluster} healthy`,
      onProblem: (p) => progress.note(p),
      ...(signal ? { signal } : {}),
    }),
  );
  const instances = cluster.status?.instanceNames ?? [];
  if (instances.length !== options.zones.length) throw new InfrastructureError(`cluster ${names.cluster} reports ${instances.length} instances, expected ${options.zones.length}`);

  const credentials = await readClusterCredentials(kube, names.namespace, names.cluster);
  const endpoints = new KubeEndpoints(kube, names.namespace, zones.toScenario);
  try {
    const client = await endpoints.openClient(names.cluster, credentials.app);
    const opened = await endpoints.openInstances(names.cluster, instances, credentials);
    await progress.phase('name instances', async () => {
      for (const [instance, superuser] of opened.superuser) await nameInstance(superuser, instance);
    });
    const network = new NetworkFaults(kube, options.runId, names, instances, storeApp);
    const endpointOf = (instance: string): ConnectionInfo => {
      const e = opened.app.find((i) => i.name === instance);
      if (!e) throw new InfrastructureError(`no endpoint for instance ${instance}`);
      return e.connection;
    };
    const faults = args.primitives({
      kube,
      names,
      instances,
      network,
      endpoint: endpointOf,
      guard: args.guard,
      timeouts,
      zoneLabel: zones.toCluster,
    });
    const target = new KubeTarget({
      targetKind: args.targetKind,
      kube,
      names,
      options,
      instances,
      client,
      endpoints: opened.app,
      superuser: opened.superuser,
      credentials,
      storeSecrets,
      storeApp,
      faults,
      endpointsManager: endpoints,
      removeRun: args.removeRun,
      versions: args.versions ?? {},
      ...(args.expectedRto ? { expectedRto: args.expectedRto } : {}),
    });
    target.backups = new KubeBackups({
      kube,
      runId: options.runId,
      names,
      zones: clusterZones,
      method: options.backupMethod,
      archive,
      ...(options.postgresImage ? { postgresImage: options.postgresImage } : {}),
      storageSize: options.storageSize,
      ...(options.storageClass ? { storageClass: options.storageClass } : {}),
      primary: () => target.primaryEndpoint(),
      endpoints,
      timeouts,
      restoredTarget: (cluster, remove) => restoredKubeTarget(args, { cluster, remove, timeouts, storeApp }),
    });
    if (options.firstBackup) {
      await progress.phase('first backup', async () => {
        const backup = await target.backups!.backup('full');
        progress.note(`backup ${backup.id} completed`);
      });
    }
    return target;
  } catch (error) {
    await endpoints.closeAll();
    throw error;
  }
}

/**
 * A KubeTarget bound to a restored Cluster beside the one under test: its
 * instances as its status lists them now, its own credentials, -rw client
 * endpoint and port-forwards (closed by its teardown, which is the restored
 * cluster's `remove`), fault primitives aimed at its pods only.
 */
async function restoredKubeTarget(
  args: ProvisionKubeDrillArgs,
  restored: { cluster: string; remove: () => Promise<void>; timeouts: KubeDrillTimeouts; storeApp: string | null },
): Promise<RestoredKubeTarget> {
  const { kube, options } = args;
  const names: DrillNames = { ...args.names, cluster: restored.cluster };
  const zones = zoneMapping(options.zoneMap);
  const status = (await kube.get<ClusterResource>(RESOURCES.cluster, names.cluster, names.namespace)).status;
  const instances = status?.instanceNames ?? [];
  if (instances.length === 0) throw new InfrastructureError(`restored cluster ${names.cluster} lists no instances`);
  const credentials = await readClusterCredentials(kube, names.namespace, names.cluster);
  const endpoints = new KubeEndpoints(kube, names.namespace, zones.toScenario);
  try {
    const client = await endpoints.openClient(names.cluster, credentials.app);
    const opened = await endpoints.openInstances(names.cluster, instances, credentials);
    const endpointOf = (instance: string): ConnectionInfo => {
      const e = opened.app.find((i) => i.name === instance);
      if (!e) throw new InfrastructureError(`no endpoint for instance ${instance} of ${names.cluster}`);
      return e.connection;
    };
    const faults = args.primitives({
      kube,
      names,
      instances,
      // Unused: RestoredKubeTarget offers no network fault (the run's fault policies are one set).
      network: new NetworkFaults(kube, options.runId, names, instances, restored.storeApp),
      endpoint: endpointOf,
      guard: args.guard,
      timeouts: restored.timeouts,
      zoneLabel: zones.toCluster,
    });
    return new RestoredKubeTarget(
      new KubeTarget({
        targetKind: args.targetKind,
        kube,
        names,
        options,
        instances,
        client,
        endpoints: opened.app,
        superuser: opened.superuser,
        credentials,
        storeSecrets: [],
        storeApp: null,
        faults,
        endpointsManager: endpoints,
        removeRun: restored.remove,
        versions: args.versions ?? {},
        ...(args.expectedRto ? { expectedRto: args.expectedRto } : {}),
      }),
    );
  } catch (error) {
    await endpoints.closeAll();
    throw error;
  }
}

export interface KubeTargetParts {
  targetKind: Extract<TargetKind, 'kind' | 'kubernetes'>;
  kube: KubeRest;
  names: DrillNames;
  options: KubeClusterOptions;
  instances: readonly string[];
  client: ConnectionInfo;
  endpoints: readonly InstanceEndpoint[];
  superuser: ReadonlyMap<string, ConnectionInfo>;
  credentials: ClusterCredentials;
  storeSecrets: readonly string[];
  storeApp: string | null;
  faults: KubeFaultPrimitives;
  endpointsManager: KubeEndpoints;
  removeRun: () => Promise<void>;
  versions: Record<string, string>;
  expectedRto?: (fault: { kind: FaultKind; hitsPrimary: boolean }) => ExpectedRto | null;
}

/** A CloudNativePG cluster under test, on kind or on an existing Kubernetes cluster. */
export class KubeTarget implements StartedTarget {
  readonly kind: Extract<TargetKind, 'kind' | 'kubernetes'>;
  readonly faults: KubeFaultPrimitives;
  backups?: BackupPrimitives;
  private readonly knownZones = new Map<string, string>();
  private readonly nodeZones = new Map<string, string>();
  private storeProxy: PortForwardProxy | undefined;
  private cachedVersions: Record<string, string> | undefined;
  private tornDown = false;

  constructor(private readonly parts: KubeTargetParts) {
    this.kind = parts.targetKind;
    this.faults = parts.faults;
    for (const e of parts.endpoints) this.knownZones.set(e.name, e.zone);
  }

  get runId(): string {
    return this.parts.options.runId;
  }

  get client(): ConnectionInfo {
    return this.parts.client;
  }

  get instances(): readonly InstanceEndpoint[] {
    return this.parts.endpoints;
  }

  /** Namespace and Cluster name, for status output. */
  get names(): DrillNames {
    return this.parts.names;
  }

  async topology(): Promise<Topology> {
    const { kube, names } = this.parts;
    const [cluster, pods] = await Promise.all([
      kube.get<ClusterResource>(RESOURCES.cluster, names.cluster, names.namespace),
      kube.list<PodObject>(RESOURCES.pod, names.namespace, { labelSelector: instancePodSelector(names.cluster) }),
    ]);
    const podViews = new Map<string, PodView>(
      pods.items.map((p) => [
        p.metadata.name,
        {
          name: p.metadata.name,
          nodeName: p.spec?.nodeName ?? null,
          phase: p.status?.phase ?? 'Unknown',
          ready: !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          terminating: !!p.metadata.deletionTimestamp,
        },
      ]),
    );
    if ([...podViews.values()].some((p) => p.nodeName && !this.nodeZones.has(p.nodeName))) {
      const nodes = await kube.list<KubeObject>(RESOURCES.node);
      const zones = zoneMapping(this.parts.options.zoneMap);
      for (const n of nodes.items) this.nodeZones.set(n.metadata.name, zones.toScenario(n.metadata.labels?.[ZONE_LABEL] ?? 'unknown'));
    }
    const samples = new Map<string, InstanceSample | Error>();
    await Promise.all(
      this.parts.instances.map(async (name) => {
        try {
          const sample = await sampleInstance(this.endpoint(name));
          samples.set(name, sample);
          // A replica re-cloned from the primary copies its postgresql.auto.conf, name included: put it right.
          if (sample.reportedName !== name) await nameInstance(this.parts.superuser.get(name)!, name).catch(() => undefined);
        } catch (error) {
          samples.set(name, error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
    for (const [name, pod] of podViews) {
      const zone = pod.nodeName ? this.nodeZones.get(pod.nodeName) : undefined;
      if (zone) this.knownZones.set(name, zone);
    }
    return topologyFromCnpg({
      status: cluster.status ?? {},
      instances: this.parts.instances,
      pods: podViews,
      nodeZones: this.nodeZones,
      knownZones: this.knownZones,
      samples,
    });
  }

  expectedRto(fault: { kind: FaultKind; hitsPrimary: boolean }): ExpectedRto | null {
    return this.parts.expectedRto?.(fault) ?? null;
  }

  /** Direct endpoint of the operator's current primary. */
  async primaryEndpoint(): Promise<ConnectionInfo> {
    const cluster = await this.parts.kube.get<ClusterResource>(RESOURCES.cluster, this.parts.names.cluster, this.parts.names.namespace);
    const primary = cluster.status?.currentPrimary;
    if (!primary) throw new InfrastructureError(`cluster ${this.parts.names.cluster} has no current primary`);
    return this.endpoint(primary);
  }

  async versions(): Promise<Record<string, string>> {
    if (this.cachedVersions) return this.cachedVersions;
    const { kube, names, options } = this.parts;
    const cluster = await kube.get<ClusterResource>(RESOURCES.cluster, names.cluster, names.namespace);
    const server = await kube.request<{ gitVersion?: string }>({ method: 'GET', path: '/version' }).catch(() => ({ gitVersion: undefined }));
    const postgres = await serverVersion(await this.primaryEndpoint()).catch(() => 'unknown');
    const versions: Record<string, string> = {
      ...this.parts.versions,
      kubernetes: server.gitVersion ?? 'unknown',
      cloudnativePg: (await deploymentImage(kube, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT)) ?? `not found (pinned ${CNPG_VERSION})`,
      postgres,
      postgresImage: cluster.status?.image ?? options.postgresImage ?? 'operator default',
      backupMethod: options.backupMethod,
    };
    if (options.backupMethod === 'plugin') {
      versions.barmanCloudPlugin = (await deploymentImage(kube, OPERATOR_NAMESPACE, PLUGIN_DEPLOYMENT)) ?? `not found (pinned ${BARMAN_CLOUD_PLUGIN_VERSION})`;
    }
    if (options.store.kind === 'deployed') versions.objectStoreImage ??= options.store.image;
    this.cachedVersions = versions;
    return versions;
  }

  /** WAL names barman-cloud archived for the cluster, read from the object store itself. */
  async archivedWal(): Promise<string[]> {
    const { kube, names, options } = this.parts;
    const credentialsSecret = options.store.kind === 'deployed' ? names.storeCredentials : options.store.credentialsSecret;
    const secret = await kube.get<SecretObject>(RESOURCES.secret, credentialsSecret, names.namespace);
    const decode = (key: string): string => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
    let endpoint: string;
    if (options.store.kind === 'deployed') {
      this.storeProxy ??= await PortForwardProxy.start({
        config: kube.config,
        namespace: names.namespace,
        port: STORE_PORT,
        label: 'the object store',
        resolvePod: async () => {
          const pods = await kube.list<PodObject>(RESOURCES.pod, names.namespace, { labelSelector: `${STORE_APP_LABEL}=${this.parts.storeApp}` });
          return pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)?.metadata.name ?? null;
        },
      });
      endpoint = `http://${this.storeProxy.host}:${this.storeProxy.port}`;
    } else {
      endpoint = options.store.endpointURL ?? 'https://s3.amazonaws.com';
    }
    const { bucket, prefix } = parseS3Path(names.destinationPath);
    const region = options.store.kind === 'existing' ? options.store.region : undefined;
    const keys = await listKeys({ endpoint, bucket, prefix, accessKeyId: decode('ACCESS_KEY_ID'), secretAccessKey: decode('ACCESS_SECRET_KEY'), ...(region ? { region } : {}) });
    return walNames(keys, prefix, names.cluster);
  }

  secrets(): readonly string[] {
    const { credentials } = this.parts;
    return [credentials.app.password, credentials.superuser.password, ...this.parts.storeSecrets];
  }

  /** Closes the local endpoints and removes what the run created (by its label). Safe to call twice. */
  async teardown(): Promise<void> {
    await this.closeEndpoints();
    if (this.tornDown) return;
    this.tornDown = true;
    await this.parts.removeRun();
  }

  /** Closes the port-forwards only (keep: the cluster stays up). */
  async closeEndpoints(): Promise<void> {
    await this.storeProxy?.close();
    this.storeProxy = undefined;
    await this.parts.endpointsManager.closeAll();
  }

  private endpoint(name: string): ConnectionInfo {
    const e = this.parts.endpoints.find((i) => i.name === name);
    if (!e) throw new InfrastructureError(`no endpoint for instance ${name}`);
    return e.connection;
  }
}
