import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioForTarget } from '../../scenario/for-target.ts';
import { listScenarios, loadScenario } from '../../scenario/load.ts';
import type { Scenario } from '../../scenario/types.ts';
import { KIND_CONFIGS } from './kind-cluster.ts';
import { CNPG_FAILOVER_BUDGET_MS, expectedKindRto, goDuration, kindNodeTimings, readKindNodeTimings } from './node-timings.ts';

const SHIPPED = resolve(import.meta.dirname, '../../../scenarios');

/** How long each fault that stops, pauses or cuts off the primary's node lasts in a scenario as kind runs it, with its RTO gate. */
function nodeFaultWindows(scenario: Scenario): Array<{ fault: string; heldMs: number; rtoLimitS: number | undefined }> {
  const windows: Array<{ fault: string; heldMs: number; rtoLimitS: number | undefined }> = [];
  const rto = scenario.thresholds.find((t) => t.metric === 'rto_seconds' && (t.op === '<=' || t.op === '<'))?.limit;
  scenario.steps.forEach((step, i) => {
    if (step.kind !== 'inject') return;
    const onNode = step.fault === 'zone-loss' || step.fault === 'freeze' || (step.fault === 'partition' && String(step.target).includes('zone'));
    if (!onNode || !String(step.target).startsWith('primary')) return;
    let heldMs = 0;
    for (const next of scenario.steps.slice(i + 1)) {
      if (next.kind === 'heal' && (next.all || next.ids.includes(step.id))) break;
      if (next.kind === 'wait') heldMs += next.ms;
    }
    windows.push({ fault: `${scenario.name}: ${step.fault}`, heldMs, rtoLimitS: rto });
  });
  return windows;
}

describe('node faults on kind last long enough for CloudNativePG to fail over', () => {
  // CloudNativePG 1.30 internal/controller/cluster_controller.go (evaluatePodReadinessGuards) defers a failover while the
  // primary pod is Ready; its docs/src/failover.md, "Detection of node-level failures": the node lifecycle controller flips
  // that condition after node-monitor-grace-period (50s since Kubernetes 1.32) plus up to one node-monitor-period.
  it('every shipped kind config declares the node unreachable within 17 s, tolerating two missed lease renewals', async () => {
    for (const config of Object.values(KIND_CONFIGS)) {
      const timings = await readKindNodeTimings(config);
      expect(timings, config).toMatchObject({ gracePeriodMs: 15_000, monitorPeriodMs: 2_000, leaseDurationMs: 20_000, renewIntervalMs: 5_000, notReadyWithinMs: 17_000 });
      expect(timings.gracePeriodMs).toBeGreaterThanOrEqual(3 * timings.renewIntervalMs);
    }
  });

  it('every shipped node fault on the primary is held, on kind, until the node is unreachable and the failover is done, and its RTO gate allows that', async () => {
    const timings = await readKindNodeTimings(KIND_CONFIGS.threeZones);
    const failoverWithinMs = timings.notReadyWithinMs + CNPG_FAILOVER_BUDGET_MS;
    const windows = [];
    for (const listing of await listScenarios(SHIPPED)) {
      const { scenario } = await loadScenario(listing.file, { scenariosDir: SHIPPED });
      windows.push(...nodeFaultWindows(scenarioForTarget(scenario, 'kind')));
    }
    expect(windows.map((w) => w.fault)).toEqual(expect.arrayContaining(['zone-loss: zone-loss', 'freeze: freeze', 'partition-halves: partition']));
    for (const w of windows) {
      expect(w.heldMs, `${w.fault} is healed before CloudNativePG can fail over`).toBeGreaterThanOrEqual(failoverWithinMs);
      expect(w.rtoLimitS! * 1000, `${w.fault}: its RTO gate is below what kind can do`).toBeGreaterThanOrEqual(failoverWithinMs);
    }
  });

  it("falls back to Kubernetes' defaults, and reads kubeadm's two extraArgs forms", () => {
    expect(kindNodeTimings({})).toMatchObject({ gracePeriodMs: 50_000, monitorPeriodMs: 5_000, renewIntervalMs: 10_000, notReadyWithinMs: 55_000 });
    const v1beta4 = kindNodeTimings({
      kubeadmConfigPatches: ['kind: ClusterConfiguration\ncontrollerManager:\n  extraArgs:\n    - name: node-monitor-grace-period\n      value: 1m0s\n'],
    });
    expect(v1beta4.gracePeriodMs).toBe(60_000);
    expect(goDuration('1m30s')).toBe(90_000);
  });
});

describe('the switchover gate where the engine is CloudNativePG', () => {
  // CloudNativePG 1.30 tests/e2e/fastswitchover_test.go: writes must resume within maxSwitchoverTime, 20 s.
  it("is CloudNativePG's own budget on kind and kubernetes, and the local one stays as it was", async () => {
    const { scenario } = await loadScenario('switchover', { scenariosDir: SHIPPED });
    const gate = (target: string) => scenarioForTarget(scenario, target).thresholds.find((t) => t.metric === 'rto_seconds')?.expression;
    expect([gate('kind'), gate('kubernetes'), gate('local')]).toEqual(['rto_seconds <= 20', 'rto_seconds <= 20', 'rto_seconds <= 15']);
  });
});

describe('the RTO kind-config/ predicts, reported beside the measured one', () => {
  it('for a node lost under the primary: grace + one look of the node controller + the failover budget; a switchover: 20 s', async () => {
    const timings = await readKindNodeTimings(KIND_CONFIGS.threeZones);
    expect(expectedKindRto(timings, { kind: 'zone-loss', hitsPrimary: true })).toEqual({
      maxSeconds: 47,
      basis: 'node-monitor-grace-period 15 + node-monitor-period 2 (the node declared unreachable, its pods not Ready) + CloudNativePG failover 30',
    });
    expect(expectedKindRto(timings, { kind: 'freeze', hitsPrimary: false })).toBeNull();
    expect(expectedKindRto(timings, { kind: 'switchover', hitsPrimary: true })?.maxSeconds).toBe(20);
  });
});
