import { readFile } from 'node:fs/promises';
import { loadAllYaml, loadYaml } from '@kubernetes/client-node';
import { UsageError } from '../../errors.ts';
import type { FaultKind } from '../../history/events.ts';
import type { ExpectedRto } from '../target.ts';

/**
 * How fast a kind cluster notices a node that stopped (killed, paused, cut
 * off), as its config sets it, with Kubernetes' defaults where it does not.
 * CloudNativePG fails over only once the primary pod is not Ready in the
 * API (its evaluatePodReadinessGuards), and for a node that stopped only the
 * node lifecycle controller flips that condition: after
 * node-monitor-grace-period without a heartbeat, checked every
 * node-monitor-period. The heartbeat is the node Lease, renewed every
 * quarter of nodeLeaseDurationSeconds (kubelet's
 * nodeLeaseRenewIntervalFraction).
 */
export interface NodeTimings {
  gracePeriodMs: number;
  monitorPeriodMs: number;
  leaseDurationMs: number;
  /** How often the kubelet renews its Lease. */
  renewIntervalMs: number;
  /** At most this long after a node stops, it is NotReady and its pods not Ready: the grace period and one look of the controller. */
  notReadyWithinMs: number;
}

/** Kubernetes' defaults: node-monitor-grace-period 50s since 1.32 (kubernetes/kubernetes#126287), node-monitor-period 5s, a 40s node lease. */
export const KUBERNETES_NODE_DEFAULTS = { gracePeriodMs: 50_000, monitorPeriodMs: 5_000, leaseDurationMs: 40_000 } as const;

/**
 * What CloudNativePG takes, after the primary pod stops being Ready, to have
 * a new primary serving writes: the budget of its own fast-failover e2e test
 * (tests/e2e/fastfailover_test.go, maxFailoverTime 10s; 30s where it knows
 * the environment is slow, which a shared CI runner is).
 */
export const CNPG_FAILOVER_BUDGET_MS = 30_000;

interface KindConfigShape {
  kubeadmConfigPatches?: string[];
  nodes?: Array<{ kubeadmConfigPatches?: string[] }>;
}

/** Reads the node timings a kind config sets (its kubeadmConfigPatches), the defaults for what it leaves out. */
export async function readKindNodeTimings(configPath: string): Promise<NodeTimings> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read kind config ${configPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return kindNodeTimings(loadYaml<KindConfigShape>(text));
}

export function kindNodeTimings(config: KindConfigShape): NodeTimings {
  const patches = [...(config.kubeadmConfigPatches ?? []), ...(config.nodes?.[0]?.kubeadmConfigPatches ?? [])].flatMap(
    (p) => loadAllYaml(p) as Array<Record<string, unknown> | null>,
  );
  let gracePeriodMs: number = KUBERNETES_NODE_DEFAULTS.gracePeriodMs;
  let monitorPeriodMs: number = KUBERNETES_NODE_DEFAULTS.monitorPeriodMs;
  let leaseDurationMs: number = KUBERNETES_NODE_DEFAULTS.leaseDurationMs;
  for (const patch of patches) {
    if (patch?.kind === 'ClusterConfiguration') {
      const args = extraArgs((patch.controllerManager as { extraArgs?: unknown } | undefined)?.extraArgs);
      if (args['node-monitor-grace-period']) gracePeriodMs = goDuration(args['node-monitor-grace-period']);
      if (args['node-monitor-period']) monitorPeriodMs = goDuration(args['node-monitor-period']);
    }
    if (patch?.kind === 'KubeletConfiguration' && typeof patch.nodeLeaseDurationSeconds === 'number') leaseDurationMs = patch.nodeLeaseDurationSeconds * 1000;
  }
  return { gracePeriodMs, monitorPeriodMs, leaseDurationMs, renewIntervalMs: leaseDurationMs / 4, notReadyWithinMs: gracePeriodMs + monitorPeriodMs };
}

/** A Go duration as Kubernetes flags take it ("15s", "1m30s", "500ms"). */
export function goDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new UsageError(`"${text}" is not a duration such as 15s`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
  return parts.reduce((ms, p) => ms + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}

/** kubeadm's extraArgs: a map (v1beta3) or a list of name/value pairs (v1beta4). */
function extraArgs(value: unknown): Record<string, string> {
  if (Array.isArray(value)) return Object.fromEntries(value.map((a: { name: string; value: string }) => [a.name, String(a.value)]));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  return {};
}

/** CloudNativePG's own budget for writes to resume after a switchover (tests/e2e/fastswitchover_test.go, maxSwitchoverTime). */
export const CNPG_SWITCHOVER_BUDGET_S = 20;

/**
 * What a kind cluster's configuration predicts at most, for the faults
 * whose path it decides: a node that stops under the primary (zone loss,
 * freeze) is unreachable within the grace period and one look of the node
 * lifecycle controller, then CloudNativePG fails over within its budget; a
 * switchover within CloudNativePG's. Other faults: no prediction.
 */
export function expectedKindRto(timings: NodeTimings, fault: { kind: FaultKind; hitsPrimary: boolean }): ExpectedRto | null {
  const s = (ms: number): number => Math.round(ms) / 1000;
  if ((fault.kind === 'zone-loss' || fault.kind === 'freeze') && fault.hitsPrimary) {
    return {
      maxSeconds: s(timings.notReadyWithinMs + CNPG_FAILOVER_BUDGET_MS),
      basis: `node-monitor-grace-period ${s(timings.gracePeriodMs)} + node-monitor-period ${s(timings.monitorPeriodMs)} (the node declared unreachable, its pods not Ready) + CloudNativePG failover ${s(CNPG_FAILOVER_BUDGET_MS)}`,
    };
  }
  if (fault.kind === 'switchover') return { maxSeconds: CNPG_SWITCHOVER_BUDGET_S, basis: `CloudNativePG's switchover budget ${CNPG_SWITCHOVER_BUDGET_S} (its fast-switchover e2e test)` };
  return null;
}
