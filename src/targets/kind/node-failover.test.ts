import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../../../test/fixtures/kube/fake-command-runner.ts';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { simulateNodeLifecycle, type NodeLifecycle } from '../../../test/fixtures/kube/simulated-node-lifecycle.ts';
import { scenarioForTarget } from '../../scenario/for-target.ts';
import { loadScenario } from '../../scenario/load.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import { drillNames } from '../kube/drill-names.ts';
import { KubeRest } from '../kube/kube-rest.ts';
import { waitForObject } from '../kube/kube-watch.ts';
import type { ClusterResource } from '../kube/manifests/cnpg-types.ts';
import { NetworkFaults } from '../kube/network-faults.ts';
import { RESOURCES } from '../kube/resources.ts';
import { DockerNodeFaults } from './docker-node-faults.ts';
import { KIND_CONFIGS } from './kind-cluster.ts';
import { KindFaultPrimitives } from './kind-fault-primitives.ts';
import { readKindNodeTimings } from './node-timings.ts';
import { testCluster } from '../../../test/fixtures/kube/test-cluster.ts';

/** The simulation runs 100 times faster than a real kind cluster: 15 s of grace are 150 ms. */
const SCALE = 100;
const SHIPPED = resolve(import.meta.dirname, '../../../scenarios');
const names = drillNames({ runId: 'run-1', namespace: 'pgdrill-run-1', ownNamespace: true });
const NOWHERE: ConnectionInfo = { host: '127.0.0.1', port: 1, user: 'app', password: 'x', database: 'app' };

let fake: FakeKubeApi;
let kube: KubeRest;
let docker: FakeCommandRunner;
let faults: KindFaultPrimitives;

async function start(graceMs: number): Promise<NodeLifecycle> {
  const lifecycle = simulateNodeLifecycle(fake, docker, { graceMs });
  const cluster = testCluster(names);
  await kube.apply(RESOURCES.cluster, cluster);
  await waitForObject<ClusterResource>(kube, RESOURCES.cluster, names.cluster, names.namespace, (c) => (c?.status?.currentPrimary ? undefined : 'starting'), {
    timeoutMs: 5_000,
    description: 'simulated cluster up',
  });
  const instances = ['pg-1', 'pg-2', 'pg-3'];
  faults = new KindFaultPrimitives(
    { kube, names, instances, network: new NetworkFaults(kube, 'run-1', names, instances, null), endpoint: () => NOWHERE, guard: () => undefined },
    new DockerNodeFaults(docker.run),
  );
  return lifecycle;
}

const primary = (): string | undefined => (fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', names.namespace)?.status as { currentPrimary?: string } | undefined)?.currentPrimary;

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  kube = new KubeRest(fake.kubeConfig());
  docker = new FakeCommandRunner().withDockerNodes();
  seedClusterBasics(fake);
  installCnpgKinds(fake);
  simulateCluster(fake);
});

afterEach(async () => {
  await fake.close();
});

describe('a node fault on kind, against a simulated node lifecycle controller and operator (time scaled 1:100)', () => {
  // CloudNativePG 1.30 docs/src/failover.md "Detection of node-level failures" and evaluatePodReadinessGuards: no failover
  // while the primary pod is Ready; the node lifecycle controller flips it after node-monitor-grace-period.
  it('zone-loss, held as its scenario holds it on kind, outlasts kind-config/ grace period: the operator fails over before the heal', async () => {
    const timings = await readKindNodeTimings(KIND_CONFIGS.threeZones);
    const lifecycle = await start(timings.notReadyWithinMs / SCALE);
    const { scenario } = await loadScenario('zone-loss', { scenariosDir: SHIPPED });
    const steps = scenarioForTarget(scenario, 'kind').steps;
    const held = steps[steps.findIndex((s) => s.kind === 'inject') + 1]!;
    expect(held.kind).toBe('wait');

    await faults.stopZone('a');
    // The node still counts as Ready: the operator keeps the old primary.
    expect(primary()).toBe('pg-1');
    await sleep((held.kind === 'wait' ? held.ms : 0) / SCALE);
    const beforeHeal = primary();
    await faults.startZone('a');
    expect(beforeHeal).not.toBe('pg-1');
    expect(lifecycle.failovers).toEqual([{ from: 'pg-1', to: beforeHeal }]);
  });

  it('a node back before the grace period ends: nothing fails over, the node never turns NotReady', async () => {
    const lifecycle = await start(150);
    await faults.freezeInstance('pg-1');
    await sleep(60);
    await faults.thawInstance('pg-1');
    await sleep(150);
    expect(primary()).toBe('pg-1');
    expect(lifecycle.failovers).toEqual([]);
    expect([...lifecycle.notReady]).toEqual([]);
  });

  it('a node off the network past the grace period: NotReady, its pods not Ready, a replica elsewhere promoted; Ready again once back', async () => {
    const lifecycle = await start(100);
    docker.on('docker', /^inspect --format \{\{json \.NetworkSettings\.Networks\}\}/, { stdout: '{"kind":{"IPAddress":"172.18.0.3"}}' });
    await faults.isolateZone('a');
    await sleep(200);
    const node = fake.get('v1', 'Node', 'pgdrill-worker')!;
    expect((node.status as { conditions: Array<{ type: string; status: string }> }).conditions).toContainEqual({ type: 'Ready', status: 'Unknown' });
    expect((fake.get('v1', 'Pod', 'pg-1', names.namespace)!.status as { conditions: unknown[] }).conditions).toContainEqual({ type: 'Ready', status: 'False' });
    expect(primary()).toBe('pg-2');
    await faults.rejoinZone('a');
    expect([...lifecycle.notReady]).toEqual([]);
    expect((fake.get('v1', 'Pod', 'pg-1', names.namespace)!.status as { conditions: unknown[] }).conditions).toContainEqual({ type: 'Ready', status: 'True' });
  });
});
