/**
 * The rolling-restart fault on CloudNativePG, engine-driven: pgdrill sets
 * the restart annotation `kubectl cnpg restart` sets, the (simulated)
 * operator rolls the pods out, and the fault's witness must see it on real
 * PostgreSQL servers standing for the pods: every postmaster restarted,
 * every pod a new one, a former replica the primary, dated by the old
 * primary's demotion. An operator that does nothing, or that restarts the
 * primary without a switchover, leaves the fault unproven (inconclusive).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster, type SimulationOptions } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { testCluster } from '../../../test/fixtures/kube/test-cluster.ts';
import { LocalPostgres } from '../../../test/support/local-postgres.ts';
import { FaultNotInEffect } from '../../faults/errors.ts';
import type { FaultContext } from '../../faults/fault.ts';
import { injectFault } from '../../faults/inject.ts';
import { replicationView } from '../../faults/witness/instance-checks.ts';
import type { HistoryBody } from '../../history/events.ts';
import { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import type { StartedTarget, Topology } from '../target.ts';
import { CLUSTER_RESTART_ANNOTATION } from './cnpg.ts';
import { drillNames } from './drill-names.ts';
import { KubeFaultPrimitives } from './kube-faults.ts';
import { KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import type { ClusterResource } from './manifests/cnpg-types.ts';
import { NetworkFaults } from './network-faults.ts';
import { RESOURCES } from './resources.ts';

const names = drillNames({ runId: 'run-1', namespace: 'pgdrill-run-1', ownNamespace: true });
const PODS = ['pg-1', 'pg-2', 'pg-3'] as const;

let fake: FakeKubeApi;
let kube: KubeRest;
let servers: Record<string, LocalPostgres>;

/** PostgreSQL in the pods: a recreated pod's server restarts; a switchover stops the old primary, promotes, and re-points the others. */
const postgres: NonNullable<SimulationOptions['postgres']> = {
  started: async (instance) => servers[instance]!.restart(),
  switchedOver: async (from, to) => {
    await servers[from]!.stop('fast');
    await servers[to]!.adminQuery('SELECT pg_promote()');
    for (const other of PODS.filter((n) => n !== to)) await servers[other]!.follow(servers[to]!);
  },
};

async function startCluster(options: SimulationOptions, primaryUpdateMethod?: 'restart'): Promise<void> {
  fake = await FakeKubeApi.start();
  kube = new KubeRest(fake.kubeConfig());
  seedClusterBasics(fake);
  installCnpgKinds(fake);
  simulateCluster(fake, options);
  const cluster = testCluster(names);
  if (primaryUpdateMethod) cluster.spec.primaryUpdateMethod = primaryUpdateMethod;
  await kube.apply(RESOURCES.cluster, cluster);
  await waitForObject<ClusterResource>(kube, RESOURCES.cluster, names.cluster, names.namespace, (c) => (c?.status?.currentPrimary ? undefined : 'starting'), {
    timeoutMs: 5_000,
    description: 'simulated cluster up',
  });
}

/** The engine's view: the operator's primary (none while a switch is pending), each server's own answer for the rest. */
async function topology(): Promise<Topology> {
  const status = (fake.get('postgresql.cnpg.io/v1', 'Cluster', names.cluster, names.namespace) as ClusterResource | undefined)?.status;
  const primary = status?.currentPrimary && status.currentPrimary === status.targetPrimary ? status.currentPrimary : null;
  const instances = await Promise.all(
    PODS.map(async (name, i) => {
      const view = await replicationView(servers[name]!.connection, 500);
      const role = !view ? 'unknown' : view.inRecovery ? 'replica' : 'primary';
      const state = !view ? 'down' : view.inRecovery ? (view.receiver === 'streaming' ? 'streaming' : 'running') : 'running';
      return { name, zone: 'abc'[i]!, role, state, timeline: null, lagBytes: null } as const;
    }),
  );
  return { primary, instances };
}

/** A fault that is not in effect is given up on sooner: shorter witness bounds. */
const UNPROVEN = { moment: 3_000, proof: 3_000, healed: 3_000 };

async function rollingRestart(timeouts = { switchover: 5_000, podBack: 5_000 }, bounds = { moment: 20_000, proof: 10_000, healed: 3_000 }) {
  const faults = new KubeFaultPrimitives({
    kube,
    names,
    instances: PODS,
    network: new NetworkFaults(kube, 'run-1', names, PODS, names.storeServer),
    endpoint: (i) => servers[i]!.connection,
    guard: () => undefined,
    timeouts,
  });
  const target: StartedTarget = {
    kind: 'kind',
    runId: 'run-1',
    client: servers['pg-1']!.connection,
    instances: PODS.map((name, i) => ({ name, zone: 'abc'[i]!, connection: servers[name]!.connection })),
    faults,
    topology,
    versions: async () => ({}),
    secrets: () => [],
    teardown: async () => undefined,
  };
  const events: HistoryBody[] = [];
  const context: FaultContext = {
    target,
    faults,
    record: (e) => void events.push(e),
    now: () => ({ t: performance.now(), wall: new Date().toISOString() }),
    bounds,
  };
  const teardowns = new TeardownStack();
  try {
    await injectFault(context, teardowns, { id: 'rolling', kind: 'rolling-restart', target: 'primary' });
    return { events, error: undefined as unknown };
  } catch (error) {
    return { events, error };
  } finally {
    await teardowns.runAll();
  }
}

beforeEach(async () => {
  const primary = await LocalPostgres.start({ instanceName: 'pg-1' });
  servers = { 'pg-1': primary, 'pg-2': await primary.startReplica('pg-2'), 'pg-3': await primary.startReplica('pg-3') };
}, 60_000);

afterEach(async () => {
  await fake?.close();
  for (const name of ['pg-3', 'pg-2', 'pg-1']) await servers[name]?.destroy();
});

describe("rolling-restart through CloudNativePG's own rolling restart", () => {
  it('sets the annotation kubectl cnpg restart sets; replicas, then a switchover, then the former primary; proven on every instance', async () => {
    await startCluster({ postgres });
    const uids = new Map(PODS.map((n) => [n, fake.get('v1', 'Pod', n, names.namespace)!.metadata.uid]));
    const phases: string[] = [];
    const watching = setInterval(() => {
      const phase = (fake.get('postgresql.cnpg.io/v1', 'Cluster', names.cluster, names.namespace)?.status as { phase?: string } | undefined)?.phase;
      if (phase && phases.at(-1) !== phase) phases.push(phase);
    }, 5);
    const { events, error } = await rollingRestart().finally(() => clearInterval(watching));
    expect(error).toBeUndefined();

    // What the plugin writes: a merge patch of the Cluster's metadata, an RFC 3339 time.
    const [patch] = fake.calls('PATCH', /\/clusters\/pg$/).filter((r) => r.contentType === 'application/merge-patch+json');
    expect(patch?.body).toMatchObject({ metadata: { annotations: { [CLUSTER_RESTART_ANNOTATION]: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) } } });

    const applied = events.find((e) => e.type === 'fault-applied') as Extract<HistoryBody, { type: 'fault-applied' }>;
    expect(applied.detail).toMatch(/pg-3 recreated .*, pg-2 recreated .*, switchover pg-1 → pg-2 .*, pg-1 recreated .*; Cluster in healthy state/);
    expect(applied.witness).toMatch(/^pg-1 (refuses connections|is in recovery).*; every instance restarted \(pg-1, .*new incarnations: pg-1 pod uid .*\); pg-2 answers as the primary \(was pg-1\)$/);
    // Every pod is a new one, and the operator went through its phases.
    for (const n of PODS) expect(fake.get('v1', 'Pod', n, names.namespace)!.metadata.uid).not.toBe(uids.get(n));
    expect(phases).toEqual(expect.arrayContaining(['Upgrading cluster', 'Cluster in healthy state']));
    expect(phases.at(-1)).toBe('Cluster in healthy state');
    // The former primary streams from the new one at the end.
    expect((await replicationView(servers['pg-1']!.connection))?.receiver).toBe('streaming');
  }, 60_000);

  it('an operator that ignores the annotation leaves the fault unproven: fault-not-applied, never fault-applied', async () => {
    await startCluster({ postgres, ignoreRestartAnnotation: true });
    const { events, error } = await rollingRestart({ switchover: 1_000, podBack: 1_000 }, UNPROVEN);
    expect(error).toBeInstanceOf(FaultNotInEffect);
    expect(events.map((e) => e.type)).not.toContain('fault-applied');
    expect(events.find((e) => e.type === 'fault-not-applied')).toMatchObject({ reason: expect.stringContaining('did not take effect') });
  }, 60_000);

  it('a rollout that stops after the switchover is not counted: the demotion gave the former primary a new postmaster, but not a new pod', async () => {
    await startCluster({ postgres, rolloutHaltsAfterSwitchover: true });
    const { events, error } = await rollingRestart({ switchover: 1_000, podBack: 1_000 }, UNPROVEN);
    expect(error).toBeInstanceOf(FaultNotInEffect);
    // Dated by the demotion, then not proven: every postmaster is new, pg-2 is the primary, but pg-1's pod is the old one.
    expect(events.find((e) => e.type === 'fault-not-applied')).toMatchObject({ reason: expect.stringMatching(/it was not proven within 3s \(pg-1 (refuses connections|is in recovery)/) });
    expect((fake.get('postgresql.cnpg.io/v1', 'Cluster', names.cluster, names.namespace)?.status as { currentPrimary: string }).currentPrimary).toBe('pg-2');
  }, 60_000);

  it("with the operator's default primaryUpdateMethod (restart) the primary's pod is recreated without a switchover: not counted", async () => {
    await startCluster({ postgres }, 'restart');
    const { events, error } = await rollingRestart(undefined, UNPROVEN);
    expect(error).toBeInstanceOf(FaultNotInEffect);
    expect(events.map((e) => e.type)).not.toContain('fault-applied');
    expect((fake.get('postgresql.cnpg.io/v1', 'Cluster', names.cluster, names.namespace)?.status as { currentPrimary: string }).currentPrimary).toBe('pg-1');
  }, 60_000);
});
