import type { FaultKind } from '../history/events.ts';
import type { Progress } from '../progress/progress.ts';
import type { ClusterSpec } from '../scenario/types.ts';
import { KIND_CAPABILITIES, kindOptionsFromScenario, startKindTarget } from '../targets/kind/index.ts';
import {
  assertFaultsAllowed,
  kubernetesCapabilities,
  kubernetesOptionsFromScenario,
  startKubernetesTarget,
  type KubernetesOptions,
} from '../targets/kubernetes/index.ts';
import { LOCAL_CAPABILITIES, startLocalTarget } from '../targets/local/local-target.ts';
import { DEFAULT_PATRONI, type LocalStackOptions } from '../targets/local/stack-options.ts';
import type { Capability, StartedTarget, TargetKind } from '../targets/target.ts';
import type { TeardownStack } from './teardown-stack.ts';

/** Where and how to start the stack: the target kind and its own settings from the command line. */
export interface TargetChoice {
  kind: TargetKind;
  /** local: client endpoint port and network. */
  local?: Partial<Pick<LocalStackOptions, 'clientPort' | 'subnet'>>;
  /** kubernetes: context, namespace and the namespaces where faults may run. */
  kubernetes?: KubernetesOptions;
}

/** What the chosen target can do, known before anything starts (a scenario needing more is skipped). */
export function targetCapabilities(choice: TargetChoice): ReadonlySet<Capability> {
  switch (choice.kind) {
    case 'local':
      return LOCAL_CAPABILITIES;
    case 'kind':
      return KIND_CAPABILITIES;
    case 'kubernetes':
      return kubernetesCapabilities(kubernetesOf(choice));
  }
}

/** Refuses, before anything starts (exit 2), faults the target must not run (an existing cluster's namespace not allowed). */
export function assertTargetAllows(choice: TargetChoice, faultKinds: readonly FaultKind[]): void {
  if (choice.kind === 'kubernetes') assertFaultsAllowed(kubernetesOf(choice), faultKinds);
}

/** Starts the stack on the chosen target; its removal is registered on `teardowns` before anything is created. */
export async function startTarget(
  choice: TargetChoice,
  runId: string,
  cluster: ClusterSpec,
  progress: Progress,
  teardowns: TeardownStack,
  signal: AbortSignal,
): Promise<StartedTarget> {
  switch (choice.kind) {
    case 'local':
      return startLocalTarget({
        options: {
          runId,
          zones: cluster.zones,
          synchronous: cluster.synchronous,
          syncStandbys: 1,
          dcs: cluster.dcs,
          failsafe: cluster.failsafe,
          etcdApi: cluster.etcdApi,
          patroni: cluster.patroni ?? DEFAULT_PATRONI,
          clientPort: choice.local?.clientPort ?? 0,
          ...(choice.local?.subnet ? { subnet: choice.local.subnet } : {}),
        },
        progress,
        teardowns,
        signal,
      });
    case 'kind':
      return startKindTarget({ options: kindOptionsFromScenario({ runId, cluster }), progress, teardowns, signal });
    case 'kubernetes':
      return startKubernetesTarget({
        options: kubernetesOptionsFromScenario({ runId, cluster, kubernetes: kubernetesOf(choice) }),
        progress,
        teardowns,
        signal,
      });
  }
}

function kubernetesOf(choice: TargetChoice): KubernetesOptions {
  if (!choice.kubernetes) throw new Error('the kubernetes target needs a namespace');
  return choice.kubernetes;
}
