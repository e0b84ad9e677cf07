import { UsageError } from '../../errors.ts';
import type { TargetDriver } from '../driver.ts';
import { implementedGroups, type PrimitiveGroup } from '../fault-primitives.ts';
import { validateClusterOptions } from '../kube/drill-options.ts';
import { generationFromOptions, GENERATION_FLAG, KUBE_GENERATIONS } from '../kube/kube-generation.ts';
import { KubeRest } from '../kube/kube-rest.ts';
import { checkClusterZones, checkZoneMap, parseZoneMap } from '../kube/zone-map.ts';
import { KubeFaultPrimitives } from '../kube/kube-faults.ts';
import {
  assertFaultsAllowed,
  checkOperatorVersion,
  checkSameOperator,
  cleanupKubernetesRun,
  kubernetesOptionsFromScenario,
  loadKubeConfig,
  startKubernetesTarget,
  type KubernetesOptions,
} from './kubernetes-target.ts';

const NO_NODE_ACCESS = 'needs access to the nodes, which an existing cluster does not give pgdrill';
const MISSING: Partial<Record<PrimitiveGroup, string>> = {
  dcs: 'CloudNativePG keeps its state in the Kubernetes API; there is no consensus store of its own to stop',
  zoneStop: `stopping a zone ${NO_NODE_ACCESS}`,
  freeze: `freezing an instance ${NO_NODE_ACCESS}`,
  link: `degrading a link ${NO_NODE_ACCESS}`,
};

/** CloudNativePG already running on an existing cluster: a kube context and a namespace. */
export const kubernetesDriver: TargetDriver = {
  kind: 'kubernetes',
  summary: 'CloudNativePG already installed on an existing cluster (a kube context and a namespace)',
  flags: [
    { flags: '--context <name>', description: 'kube context (--target kubernetes; default: the current one)', key: 'context' },
    { flags: '--namespace <name>', description: 'existing namespace to drill in (--target kubernetes)', key: 'namespace' },
    { flags: '--allow-destructive <namespace...>', description: 'namespaces where faults may run on an existing cluster (--target kubernetes)', key: 'allowDestructive' },
    {
      flags: '--zone-map <pairs>',
      description: "the cluster's zone of each scenario zone, e.g. a=eu-west-1a,b=eu-west-1b,c=eu-west-1c (--target kubernetes; default: the same names)",
      key: 'zoneMap',
    },
    GENERATION_FLAG,
  ],
  // pgdrill installs no operator here: both sides of a certification run on the installed one.
  generations: { ...KUBE_GENERATIONS, checkPair: checkSameOperator },
  configure(options) {
    if (typeof options.namespace !== 'string' || options.namespace === '') {
      throw new UsageError('--target kubernetes needs --namespace (an existing namespace with CloudNativePG available)');
    }
    // --generation: the operator release that must be installed, and the Cluster's image.
    const generation = generationFromOptions(options);
    const settings: KubernetesOptions = {
      namespace: options.namespace,
      ...(typeof options.context === 'string' ? { context: options.context } : {}),
      allowDestructive: Array.isArray(options.allowDestructive) ? options.allowDestructive.map(String) : [],
      ...(typeof options.zoneMap === 'string' ? { zoneMap: parseZoneMap(options.zoneMap) } : {}),
      ...(generation ? { operator: generation.operator } : {}),
    };
    const overrides = generation ? { overrides: { postgresImage: generation.postgresImage } } : {};
    return {
      kind: 'kubernetes',
      capabilities: () => ({ primitives: implementedGroups(KubeFaultPrimitives.prototype), backups: true, missingReason: (group) => MISSING[group] }),
      async preflight(plan) {
        assertFaultsAllowed(settings, plan.faultKinds);
        validateClusterOptions(kubernetesOptionsFromScenario({ runId: plan.runId, cluster: plan.cluster, kubernetes: settings, ...overrides }));
        checkZoneMap(plan.cluster.zones, settings.zoneMap);
        // Before anything starts: a zone the cluster lacks would leave the Cluster's pods Pending until its timeout.
        const kube = new KubeRest(loadKubeConfig(settings));
        await checkClusterZones(kube, plan.cluster.zones, settings.zoneMap);
        await checkOperatorVersion(kube, settings.operator);
      },
      start: (args) =>
        startKubernetesTarget({
          options: kubernetesOptionsFromScenario({ runId: args.runId, cluster: args.cluster, kubernetes: settings, ...overrides }),
          progress: args.progress,
          teardowns: args.teardowns,
          signal: args.signal,
        }),
      async cleanup(runId) {
        if (runId === undefined) throw new UsageError('cleanup --target kubernetes needs --run <id> (the run whose objects to remove)');
        const removed = await cleanupKubernetesRun({ runId, namespace: settings.namespace, ...(settings.context ? { context: settings.context } : {}) });
        return `removed run ${runId} from namespace ${settings.namespace}: ${removed} object(s)`;
      },
    };
  },
};
