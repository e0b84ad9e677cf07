import { readFile } from 'node:fs/promises';
import { KubeConfig, loadYaml } from '@kubernetes/client-node';
import { UsageError } from '../../errors.ts';
import type { Progress } from '../../progress/progress.ts';
import type { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import type { ClusterSpec } from '../../scenario/types.ts';
import { ZONE_LABEL } from '../kube/cnpg.ts';
import { hostCommandRunner, type CommandRunner } from '../kube/command-runner.ts';
import { drillNames, runNamespace } from '../kube/drill-names.ts';
import { KUBE_CLUSTER_DEFAULTS, validateClusterOptions, type KubeClusterOptions } from '../kube/drill-options.ts';
import { KubeRest } from '../kube/kube-rest.ts';
import { provisionKubeDrill, type KubeDrillTimeouts, type KubeTarget } from '../kube/kube-target.ts';
import { releaseImages, withoutImagePulls } from '../kube/air-gap.ts';
import { CERT_MANAGER_DEPLOYMENTS, CERT_MANAGER_NAMESPACE, OPERATOR_DEPLOYMENT, OPERATOR_NAMESPACE, PLUGIN_DEPLOYMENT } from '../kube/cnpg.ts';
import { kubeGenerationName, PINNED_OPERATOR, type OperatorRelease } from '../kube/kube-generation.ts';
import { installOperators, operatorSources, readManifestObjects, type ReleaseManifestSources } from '../kube/operator-install.ts';
import { KIND_INFRASTRUCTURE, pinDeployment, pinDeploymentObject } from '../kube/placement.ts';
import { RESOURCES, type KubeObject } from '../kube/resources.ts';
import { removeOwnedNamespace } from '../kube/run-removal.ts';
import { DockerNodeFaults, type ZoneLossMethod } from './docker-node-faults.ts';
import { KindFaultPrimitives } from './kind-fault-primitives.ts';
import { createKindCluster, DEFAULT_KIND_CLUSTER, deleteKindCluster, KIND_CONFIGS, kindClusterExists, kindKubeconfig, loadImages } from './kind-cluster.ts';
import { expectedKindRto, readKindNodeTimings } from './node-timings.ts';
import { checkKindPrerequisites } from './prerequisites.ts';

export interface KindOptions {
  /** kind cluster name (default "pgdrill"). */
  clusterName: string;
  /** kind config file (default kind-config/three-zones.yaml). */
  config: string;
  /** kind node image (--image); default: the one the installed kind pins. */
  nodeImage?: string;
  /** When a kind cluster of that name exists: use it (default), or refuse. */
  reuseCluster: boolean;
  /** Delete the kind cluster at teardown when this run created it (default true; --keep keeps everything). */
  deleteCreatedCluster: boolean;
  /** Images copied from the local Docker engine into the nodes before anything pulls (air-gapped runs). */
  loadImages: string[];
  /** The CloudNativePG release installed (--generation; default the pinned one). */
  operator: OperatorRelease;
  /** Release manifests from local files instead of the pinned URLs (air-gapped runs). */
  manifests?: Partial<ReleaseManifestSources>;
  /**
   * No registry: every image the release manifests, the store and the
   * Cluster name (the plugin's sidecar included) is loaded from the local
   * Docker engine, and nothing pulls (imagePullPolicy IfNotPresent).
   */
  airGapped?: boolean;
  zoneLoss: ZoneLossMethod;
}

export interface KindDrillOptions extends KubeClusterOptions {
  kind: KindOptions;
}

export const KIND_DEFAULTS: KindOptions = {
  clusterName: DEFAULT_KIND_CLUSTER,
  config: KIND_CONFIGS.threeZones,
  reuseCluster: true,
  deleteCreatedCluster: true,
  loadImages: [],
  operator: PINNED_OPERATOR,
  zoneLoss: 'kill',
};

/** Options for a run from the scenario's cluster spec (Patroni timings and DCS placement do not apply) and the target's settings. */
export function kindOptionsFromScenario(args: {
  runId: string;
  cluster: ClusterSpec;
  overrides?: Partial<Omit<KubeClusterOptions, 'runId' | 'zones' | 'synchronous'>>;
  kind?: Partial<KindOptions>;
}): KindDrillOptions {
  return {
    ...KUBE_CLUSTER_DEFAULTS,
    ...args.overrides,
    runId: args.runId,
    zones: args.cluster.zones,
    synchronous: args.cluster.synchronous,
    kind: { ...KIND_DEFAULTS, ...args.kind },
  };
}

export interface StartKindTargetArgs {
  options: KindDrillOptions;
  progress: Progress;
  /** The run's teardown stack: removal of the run is registered on it before anything is created. */
  teardowns: TeardownStack;
  signal?: AbortSignal;
  /** Runs docker and kind; tests inject a fake. */
  runner?: CommandRunner;
  timeouts?: Partial<KubeDrillTimeouts>;
}

/**
 * The kind target: checks docker, kind and kubectl; creates the kind
 * cluster from kind-config/ (or reuses it by name); loads images for
 * air-gapped runs; installs CloudNativePG (the generation's release, else
 * the pinned one; cert-manager and plugin-barman-cloud too for the plugin
 * method); then brings the drill up in
 * a namespace of its own. Removal (the namespace, or the whole kind cluster
 * when this run created it) is on the teardown stack before anything exists.
 */
export async function startKindTarget(args: StartKindTargetArgs): Promise<KubeTarget> {
  const options = validateClusterOptions(args.options) as KindDrillOptions;
  const { progress, signal } = args;
  const runner = args.runner ?? hostCommandRunner;
  await checkConfigZones(options.kind.config, options.zones);
  const tools = await checkKindPrerequisites(runner);
  const namespace = runNamespace(options.runId);
  const state: KindRunState = { runId: options.runId, runner, clusterName: options.kind.clusterName, namespace, created: false, deleteCreated: options.kind.deleteCreatedCluster };
  args.teardowns.defer(`remove kind run ${options.runId}`, () => removeKindRun(state));

  if (await kindClusterExists(runner, options.kind.clusterName)) {
    if (!options.kind.reuseCluster) throw new UsageError(`a kind cluster named ${options.kind.clusterName} already exists: delete it, or allow reusing it`);
    progress.note(`reusing kind cluster ${options.kind.clusterName}`);
  } else {
    // Marked before the create: a create interrupted half-way is deleted too.
    state.created = true;
    await progress.phase('kind cluster', () =>
      createKindCluster(runner, { name: options.kind.clusterName, config: options.kind.config, ...(options.kind.nodeImage ? { nodeImage: options.kind.nodeImage } : {}) }),
    );
  }
  const config = new KubeConfig();
  config.loadFromString(await kindKubeconfig(runner, options.kind.clusterName));
  const kube = new KubeRest(config);
  state.kube = kube;
  await checkNodeZones(kube, options.zones, options.kind.clusterName);

  const sources = operatorSources(options.kind.operator, options.kind.manifests);
  // What the config predicts; a reused cluster may come from another config, so this is what pgdrill's own config says.
  const timings = await readKindNodeTimings(options.kind.config);
  const images = [...new Set([...options.kind.loadImages, ...(options.kind.airGapped ? await airGappedImages(options, sources) : [])])];
  const digests = images.length > 0 ? await progress.phase('load images', () => loadImages(runner, options.kind.clusterName, images)) : {};
  // Loaded images must be the ones used: nothing pulls once anything was loaded.
  const noPulls = options.kind.airGapped || images.length > 0;
  await installOperators(
    kube,
    { backupMethod: options.backupMethod, operator: options.kind.operator, sources, prepare: (o) => pinDeploymentObject(noPulls ? withoutImagePulls(o) : o) },
    progress,
    signal,
  );
  // A reused cluster's components, and kind's own add-ons, are moved there too.
  for (const d of kindInfrastructure(options.backupMethod)) await pinDeployment(kube, d, progress, signal ? { signal } : {});

  const target = await provisionKubeDrill({
    targetKind: 'kind',
    kube,
    names: drillNames({ runId: options.runId, namespace, ownNamespace: true }),
    options,
    createNamespace: true,
    primitives: (context) => new KindFaultPrimitives(context, new DockerNodeFaults(runner, options.kind.zoneLoss)),
    guard: () => undefined,
    progress,
    ...(signal ? { signal } : {}),
    removeRun: () => removeKindRun(state),
    versions: {
      kind: tools.kind,
      docker: tools.docker,
      kubectl: tools.kubectl,
      kindCluster: options.kind.clusterName,
      stack: kubeGenerationName(options.kind.operator, options.postgresImage),
      ...Object.fromEntries(Object.entries(digests).map(([image, digest]) => [`image ${image}`, digest])),
    },
    ...(args.timeouts ? { timeouts: args.timeouts } : {}),
    expectedRto: (fault) => expectedKindRto(timings, fault),
  });
  state.target = target;
  return target;
}

/** What must survive every fault, on the control plane: the operator, the plugin and cert-manager (plugin method), CoreDNS, the volume provisioner. */
function kindInfrastructure(method: KindDrillOptions['backupMethod']): Array<{ namespace: string; name: string }> {
  return [
    { namespace: OPERATOR_NAMESPACE, name: OPERATOR_DEPLOYMENT },
    ...(method === 'plugin'
      ? [{ namespace: OPERATOR_NAMESPACE, name: PLUGIN_DEPLOYMENT }, ...CERT_MANAGER_DEPLOYMENTS.map((name) => ({ namespace: CERT_MANAGER_NAMESPACE, name }))]
      : []),
    ...KIND_INFRASTRUCTURE,
  ];
}

/** Every image an air-gapped run needs in the nodes: the release manifests' (the plugin's sidecar included), the store's, the PostgreSQL image when named. */
async function airGappedImages(options: KindDrillOptions, sources: ReleaseManifestSources): Promise<string[]> {
  const manifests = [sources.cnpg, ...(options.backupMethod === 'plugin' ? [sources.certManager, sources.barmanCloudPlugin] : [])];
  const images: string[] = [];
  for (const source of manifests) images.push(...releaseImages(await readManifestObjects(source)));
  if (options.store.kind === 'deployed') images.push(options.store.image, options.store.initImage);
  if (options.postgresImage) images.push(options.postgresImage);
  return images;
}

interface KindRunState {
  runId: string;
  runner: CommandRunner;
  clusterName: string;
  namespace: string;
  created: boolean;
  deleteCreated: boolean;
  kube?: KubeRest;
  target?: KubeTarget;
  removed?: Promise<void>;
}

/** Deletes the kind cluster this run created, or else the run's namespace in a reused one. Once. */
function removeKindRun(state: KindRunState): Promise<void> {
  state.removed ??= (async () => {
    await state.target?.closeEndpoints();
    if (state.created && state.deleteCreated) {
      await deleteKindCluster(state.runner, state.clusterName);
      return;
    }
    if (state.kube) await removeOwnedNamespace(state.kube, state.runId, state.namespace);
  })();
  return state.removed;
}

/** The scenario's zones must be zones of the kind config: checked before anything is created (exit 2). */
export async function checkConfigZones(configPath: string, zones: readonly string[]): Promise<void> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read kind config ${configPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const config = loadYaml<{ nodes?: Array<{ role?: string; labels?: Record<string, string> }> }>(text);
  const available = new Set((config.nodes ?? []).filter((n) => n.role === 'worker').map((n) => n.labels?.[ZONE_LABEL]).filter((z): z is string => !!z));
  const missing = zones.filter((z) => !available.has(z));
  if (missing.length > 0) {
    throw new UsageError(
      `kind config ${configPath} has no worker in zone(s) ${missing.join(', ')} (its zones: ${[...available].join(', ') || 'none'}): label workers with ${ZONE_LABEL}`,
    );
  }
}

/** A reused kind cluster may come from another config: its nodes must cover the zones. */
async function checkNodeZones(kube: KubeRest, zones: readonly string[], clusterName: string): Promise<void> {
  const nodes = await kube.list<KubeObject>(RESOURCES.node);
  const available = new Set(nodes.items.map((n) => n.metadata.labels?.[ZONE_LABEL]).filter((z): z is string => !!z));
  const missing = zones.filter((z) => !available.has(z));
  if (missing.length > 0) {
    throw new UsageError(`kind cluster ${clusterName} has no node in zone(s) ${missing.join(', ')} (its zones: ${[...available].join(', ') || 'none'})`);
  }
}

/**
 * Removes a run left behind (--keep, or a pgdrill killed before its
 * teardown): its namespace in the kind cluster, found by name and checked
 * by label. The kind cluster itself stays (`kind delete cluster` removes it).
 */
export async function cleanupKindRun(args: { runId: string; clusterName?: string; runner?: CommandRunner }): Promise<boolean> {
  const runner = args.runner ?? hostCommandRunner;
  const clusterName = args.clusterName ?? DEFAULT_KIND_CLUSTER;
  if (!(await kindClusterExists(runner, clusterName))) return false;
  const config = new KubeConfig();
  config.loadFromString(await kindKubeconfig(runner, clusterName));
  return removeOwnedNamespace(new KubeRest(config), args.runId, runNamespace(args.runId));
}
