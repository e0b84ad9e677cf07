import { KubeConfig } from '@kubernetes/client-node';
import { InfrastructureError, UsageError } from '../../errors.ts';
import type { FaultKind } from '../../history/events.ts';
import type { Progress } from '../../progress/progress.ts';
import type { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import type { ClusterSpec } from '../../scenario/types.ts';
import { BARMAN_CLOUD_GROUP, CNPG_GROUP, OPERATOR_DEPLOYMENT } from '../kube/cnpg.ts';
import { drillNames } from '../kube/drill-names.ts';
import { DEFAULT_STORE, KUBE_CLUSTER_DEFAULTS, validateClusterOptions, type KubeClusterOptions } from '../kube/drill-options.ts';
import { KubeRest } from '../kube/kube-rest.ts';
import { kubeGenerationName, parseKubeGeneration, type OperatorRelease } from '../kube/kube-generation.ts';
import { deploymentImage, runsVersion } from '../kube/operator-install.ts';
import { KubeFaultPrimitives } from '../kube/kube-faults.ts';
import { provisionKubeDrill, type KubeDrillTimeouts, type KubeTarget } from '../kube/kube-target.ts';
import { instancePodSelector } from '../kube/cluster-endpoints.ts';
import { CERT_MANAGER_NAMESPACE, OPERATOR_NAMESPACE } from '../kube/cnpg.ts';
import type { PodObject } from '../kube/kube-faults.ts';
import { RESOURCES } from '../kube/resources.ts';
import { checkClusterZones, checkZoneMap } from '../kube/zone-map.ts';
import { removeRunFromNamespace } from '../kube/run-removal.ts';

export interface KubernetesOptions {
  /** kube context (default: the kubeconfig's current context). */
  context?: string;
  /** kubeconfig file (default: $KUBECONFIG, then ~/.kube/config). */
  kubeconfig?: string;
  /** An existing namespace; pgdrill creates its objects there, each labelled with the run id. */
  namespace: string;
  /**
   * Namespaces where faults may run (the command line's --allow-destructive).
   * Faults in any other namespace are refused: a guard against drilling
   * production by mistake. Backups and restores are always allowed.
   */
  allowDestructive: readonly string[];
  /**
   * Scenario zone -> the cluster's topology.kubernetes.io/zone value (the
   * command line's --zone-map a=eu-west-1a,...); absent: the scenario's zone
   * names are the cluster's. Checked against the nodes before anything starts.
   */
  zoneMap?: Record<string, string>;
  /**
   * The operator release the drill must run on (--generation): the
   * installed operator's image tag must be its version, else nothing starts.
   * Absent: whatever is installed.
   */
  operator?: OperatorRelease;
}

export interface KubernetesDrillOptions extends KubeClusterOptions {
  kubernetes: KubernetesOptions;
}

/** Options for a run from the scenario's cluster spec and the target's settings. */
export function kubernetesOptionsFromScenario(args: {
  runId: string;
  cluster: ClusterSpec;
  kubernetes: KubernetesOptions;
  overrides?: Partial<Omit<KubeClusterOptions, 'runId' | 'zones' | 'synchronous'>>;
}): KubernetesDrillOptions {
  return {
    ...KUBE_CLUSTER_DEFAULTS,
    // On a shared cluster the store is not pinned to the control plane, which usually takes no pods.
    store: { ...DEFAULT_STORE, placement: 'any' },
    ...args.overrides,
    runId: args.runId,
    zones: args.cluster.zones,
    synchronous: args.cluster.synchronous,
    ...(args.kubernetes.zoneMap ? { zoneMap: args.kubernetes.zoneMap } : {}),
    kubernetes: args.kubernetes,
  };
}

/** True when faults may run in this namespace. */
export function destructiveAllowed(namespace: string, allowDestructive: readonly string[]): boolean {
  return allowDestructive.includes(namespace);
}

/**
 * Refuses, before anything starts (exit 2), a scenario whose faults would
 * run in a namespace the command line did not allow.
 */
export function assertFaultsAllowed(options: Pick<KubernetesOptions, 'namespace' | 'allowDestructive'>, faultKinds: readonly FaultKind[]): void {
  if (faultKinds.length === 0 || destructiveAllowed(options.namespace, options.allowDestructive)) return;
  const kinds = [...new Set(faultKinds)].join(', ');
  throw new UsageError(
    `refusing to run ${kinds} in namespace ${options.namespace}: faults on an existing cluster need --allow-destructive ${options.namespace}`,
    { namespace: options.namespace, faults: kinds },
  );
}

export interface StartKubernetesTargetArgs {
  options: KubernetesDrillOptions;
  progress: Progress;
  /** The run's teardown stack: removal of the run is registered on it before anything is created. */
  teardowns: TeardownStack;
  signal?: AbortSignal;
  /** A ready KubeConfig (tests point it at the fake API); default: loaded from options.kubernetes. */
  config?: KubeConfig;
  timeouts?: Partial<KubeDrillTimeouts>;
}

/**
 * The kubernetes target: an existing cluster where CloudNativePG (and, for
 * the plugin method, plugin-barman-cloud) already run. pgdrill installs
 * nothing cluster-wide: it creates its Cluster, object store and Backups in
 * the given namespace, each labelled pgdrill.run=<id>, and teardown deletes
 * exactly those. Faults run only in a namespace the command line allowed.
 */
export async function startKubernetesTarget(args: StartKubernetesTargetArgs): Promise<KubeTarget> {
  const options = validateClusterOptions(args.options) as KubernetesDrillOptions;
  const k = options.kubernetes;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(k.namespace)) throw new UsageError(`namespace "${k.namespace}" is not a valid namespace name`);
  const config = args.config ?? loadKubeConfig(k);
  const kube = new KubeRest(config);
  const names = drillNames({
    runId: options.runId,
    namespace: k.namespace,
    ownNamespace: false,
    ...(options.store.kind === 'existing' ? { destinationPath: options.store.destinationPath } : {}),
  });
  const allowed = destructiveAllowed(k.namespace, k.allowDestructive);
  const guard = (action: string): void => {
    if (!allowed) throw new UsageError(`refusing ${action} in namespace ${k.namespace}: it is not named by --allow-destructive`);
  };
  let target: KubeTarget | undefined;
  let removed: Promise<void> | undefined;
  const removeRun = (): Promise<void> =>
    (removed ??= (async () => {
      await target?.closeEndpoints();
      await removeRunFromNamespace(kube, options.runId, k.namespace);
    })());
  args.teardowns.defer(`remove run ${options.runId} from namespace ${k.namespace}`, removeRun);

  await checkOperator(kube, options);
  await checkOperatorVersion(kube, k.operator);
  checkZoneMap(options.zones, options.zoneMap);
  await checkClusterZones(kube, options.zones, options.zoneMap);
  target = await provisionKubeDrill({
    targetKind: 'kubernetes',
    kube,
    names,
    options,
    createNamespace: false,
    primitives: (context) => new KubeFaultPrimitives(context),
    guard,
    progress: args.progress,
    ...(args.signal ? { signal: args.signal } : {}),
    removeRun,
    versions: {
      kubeContext: config.getCurrentContext(),
      namespace: k.namespace,
      ...(k.operator ? { stack: kubeGenerationName(k.operator, options.postgresImage) } : {}),
    },
    ...(args.timeouts ? { timeouts: args.timeouts } : {}),
  });
  await warnSharedNodes(kube, names.namespace, names.cluster, args.progress);
  return target;
}

/**
 * pgdrill does not place CloudNativePG on an existing cluster, but it says
 * when the operator, the plugin or cert-manager share a node with an
 * instance under test: losing that node takes them too, and with the plugin
 * unreachable CloudNativePG aborts every reconcile (PhaseFailurePlugin)
 * instead of failing over.
 */
export async function warnSharedNodes(kube: KubeRest, namespace: string, cluster: string, progress: Progress): Promise<string | undefined> {
  const nodeOf = (p: PodObject): string | undefined => (p.metadata.deletionTimestamp ? undefined : p.spec?.nodeName);
  const instances = (await kube.list<PodObject>(RESOURCES.pod, namespace, { labelSelector: instancePodSelector(cluster) })).items;
  const instanceNodes = new Map(instances.map((p) => [nodeOf(p), p.metadata.name]).filter((e): e is [string, string] => !!e[0]));
  const shared: string[] = [];
  for (const ns of [OPERATOR_NAMESPACE, CERT_MANAGER_NAMESPACE]) {
    for (const pod of (await kube.list<PodObject>(RESOURCES.pod, ns)).items) {
      const node = nodeOf(pod);
      if (node && instanceNodes.has(node)) shared.push(`${ns}/${pod.metadata.name} runs on ${node} with instance ${instanceNodes.get(node)}`);
    }
  }
  if (shared.length === 0) return undefined;
  const warning = `warning: ${shared.join('; ')}: a fault on that node takes it too (with the plugin unreachable CloudNativePG does not fail over); move them to nodes no drill touches`;
  progress.note(warning);
  return warning;
}

/**
 * Removes a run left behind (--keep, or a pgdrill killed before its
 * teardown): everything labelled pgdrill.run=<id> in the namespace.
 */
export async function cleanupKubernetesRun(args: { runId: string; namespace: string; context?: string; kubeconfig?: string; config?: KubeConfig }): Promise<number> {
  const config = args.config ?? loadKubeConfig({ namespace: args.namespace, allowDestructive: [], ...(args.context ? { context: args.context } : {}), ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}) });
  return removeRunFromNamespace(new KubeRest(config), args.runId, args.namespace);
}

export function loadKubeConfig(options: KubernetesOptions): KubeConfig {
  const config = new KubeConfig();
  try {
    if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new UsageError(`cannot load the kubeconfig: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (options.context) {
    if (!config.getContexts().some((c) => c.name === options.context)) {
      throw new UsageError(`no context named ${options.context} in the kubeconfig (contexts: ${config.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentCluster()) throw new UsageError('the kubeconfig has no current context: pass --context');
  return config;
}

/** CloudNativePG (and the plugin's CRD for the plugin method) must already be there: pgdrill installs nothing cluster-wide here. */
async function checkOperator(kube: KubeRest, options: KubeClusterOptions): Promise<void> {
  const needed = [`clusters.${CNPG_GROUP}`, `backups.${CNPG_GROUP}`, ...(options.backupMethod === 'plugin' ? [`objectstores.${BARMAN_CLOUD_GROUP}`] : [])];
  for (const crd of needed) {
    if (!(await kube.find(RESOURCES.crd, crd))) {
      throw new InfrastructureError(
        `CRD ${crd} is missing on this cluster: install CloudNativePG${options.backupMethod === 'plugin' ? ' and plugin-barman-cloud' : ''} first (the kubernetes target installs nothing cluster-wide)`,
      );
    }
  }
}

/**
 * With a generation asked for, the installed CloudNativePG must be its
 * release: the operator deployment's image tag is its version (as the kind
 * target's reuse check reads it). pgdrill installs nothing here, so another
 * version, or none, is a missing prerequisite (exit 3), found before
 * anything is created.
 */
export async function checkOperatorVersion(kube: KubeRest, operator: OperatorRelease | undefined): Promise<void> {
  if (!operator) return;
  if (await runsVersion(kube, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT, operator.version)) return;
  const image = await deploymentImage(kube, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT);
  const found = image ? `runs ${image}` : 'is not there';
  throw new InfrastructureError(
    `--generation asks for CloudNativePG ${operator.version}, but deployment ${OPERATOR_NAMESPACE}/${OPERATOR_DEPLOYMENT} ${found}: the kubernetes target installs no operator (upgrade it, or name the installed version)`,
    { expected: operator.version, ...(image ? { image } : {}) },
  );
}

/** Two generations certify may run here: the operator is the installed one, so only their images may differ (exit 2). */
export function checkSameOperator(baseline: string, candidate: string): void {
  const a = parseKubeGeneration(baseline, '--baseline').operator.version;
  const b = parseKubeGeneration(candidate, '--candidate').operator.version;
  if (a !== b) {
    throw new UsageError(
      `--target kubernetes runs both sides on the installed CloudNativePG, but --baseline names ${a} and --candidate ${b}: certify an operator upgrade with --target kind, or certify two finished report folders`,
    );
  }
}
