import { UsageError } from '../../errors.ts';
import type { ClusterSpec } from '../../scenario/types.ts';
import type { TargetDriver } from '../driver.ts';
import { implementedGroups } from '../fault-primitives.ts';
import { validateClusterOptions } from '../kube/drill-options.ts';
import { generationFromOptions, GENERATION_FLAG, KUBE_GENERATIONS } from '../kube/kube-generation.ts';
import { KindFaultPrimitives } from './kind-fault-primitives.ts';
import { checkConfigZones, cleanupKindRun, kindOptionsFromScenario, startKindTarget, type KindDrillOptions } from './kind-target.ts';
import { checkKindPrerequisites } from './prerequisites.ts';

/** CloudNativePG on a kind cluster pgdrill creates (or reuses), whose workers are the zones. */
export const kindDriver: TargetDriver = {
  kind: 'kind',
  summary: 'CloudNativePG on a kind cluster (Docker + kind on this machine); zones are kind workers',
  flags: [GENERATION_FLAG],
  generations: KUBE_GENERATIONS,
  configure(flags) {
    // --generation: the operator release installed and the Cluster's image.
    const generation = generationFromOptions(flags);
    const optionsFor = (runId: string, cluster: ClusterSpec): KindDrillOptions =>
      kindOptionsFromScenario({
        runId,
        cluster,
        ...(generation ? { overrides: { postgresImage: generation.postgresImage }, kind: { operator: generation.operator } } : {}),
      });
    return {
      kind: 'kind',
      capabilities: () => ({
        primitives: implementedGroups(KindFaultPrimitives.prototype),
        backups: true,
        missingReason: (group) =>
          group === 'dcs' ? 'CloudNativePG keeps its state in the Kubernetes API; there is no consensus store of its own to stop' : undefined,
      }),
      async preflight(plan) {
        const options = optionsFor(plan.runId, plan.cluster);
        validateClusterOptions(options);
        await checkConfigZones(options.kind.config, options.zones);
        await checkKindPrerequisites();
      },
      start: (args) =>
        startKindTarget({
          options: optionsFor(args.runId, args.cluster),
          progress: args.progress,
          teardowns: args.teardowns,
          signal: args.signal,
        }),
      async cleanup(runId) {
        if (runId === undefined) throw new UsageError('cleanup --target kind needs --run <id> (the run whose namespace to remove)');
        const removed = await cleanupKindRun({ runId });
        return removed ? `removed run ${runId}: its namespace in the kind cluster` : `nothing of run ${runId} found in the kind cluster`;
      },
    };
  },
};
