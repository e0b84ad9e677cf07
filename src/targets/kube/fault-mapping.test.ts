/**
 * The scenario fault kinds, through the same fault definitions the runner
 * uses (src/faults), on the Kubernetes targets' primitives: which API calls
 * (recorded by the fake API) and docker commands (recorded by the fake
 * runner) each inject and heal makes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultNotInEffect, FaultUnsupportedError } from '../../faults/errors.ts';
import type { FaultContext } from '../../faults/fault.ts';
import { injectFault } from '../../faults/inject.ts';
import type { FaultKind, HistoryBody } from '../../history/events.ts';
import { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import { FakeCommandRunner } from '../../../test/fixtures/kube/fake-command-runner.ts';
import { simulateKindNetwork } from '../../../test/fixtures/kube/fake-kind-network.ts';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { DockerNodeFaults } from '../kind/docker-node-faults.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import type { StartedTarget, Topology } from '../target.ts';
import { KindFaultPrimitives } from '../kind/kind-fault-primitives.ts';
import { drillNames } from './drill-names.ts';
import { KubeFaultPrimitives, type KubeFaultContext } from './kube-faults.ts';
import { KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import type { ClusterResource } from './manifests/cnpg-types.ts';
import { NetworkFaults } from './network-faults.ts';
import { RESOURCES } from './resources.ts';
import { testCluster } from '../../../test/fixtures/kube/test-cluster.ts';

const names = drillNames({ runId: 'run-1', namespace: 'pgdrill-run-1', ownNamespace: true });
const NOWHERE: ConnectionInfo = { host: '127.0.0.1', port: 1, user: 'app', password: 'x', database: 'app' };
const TOPOLOGY: Topology = {
  primary: 'pg-1',
  instances: [
    { name: 'pg-1', zone: 'a', role: 'primary', state: 'running', timeline: 1, lagBytes: 0 },
    { name: 'pg-2', zone: 'b', role: 'sync-replica', state: 'streaming', timeline: 1, lagBytes: 0 },
    { name: 'pg-3', zone: 'c', role: 'replica', state: 'streaming', timeline: 1, lagBytes: 0 },
  ],
};

let fake: FakeKubeApi;
let docker: FakeCommandRunner;

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  const kube = new KubeRest(fake.kubeConfig());
  seedClusterBasics(fake);
  installCnpgKinds(fake);
  simulateCluster(fake);
  await kube.apply(
    RESOURCES.cluster,
    testCluster(names, { name: 'pg' }),
  );
  await waitForObject<ClusterResource>(kube, RESOURCES.cluster, 'pg', names.namespace, (c) => (c?.status?.currentPrimary ? undefined : 'starting'), { timeoutMs: 5_000, description: 'up' });
  fake.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: names.storeServer, namespace: names.namespace }, spec: { clusterIP: '10.96.99.1', selector: { 'app.kubernetes.io/name': names.storeServer } } });
  docker = new FakeCommandRunner().withDockerNodes().on('docker', /^exec .* tc qdisc/, {});
  simulateKindNetwork(docker, fake, { nodes: { 'pgdrill-worker': { ipv4: '172.18.0.3' } } });
  fake.requests.length = 0;
});

afterEach(async () => {
  await fake.close();
});

function target(kind: 'kind' | 'kubernetes'): StartedTarget {
  const kube = new KubeRest(fake.kubeConfig());
  const instances = ['pg-1', 'pg-2', 'pg-3'];
  const context: KubeFaultContext = {
    kube,
    names,
    instances,
    network: new NetworkFaults(kube, 'run-1', names, instances, names.storeServer),
    endpoint: () => NOWHERE,
    guard: () => undefined,
    timeouts: { podBack: 5_000, switchover: 5_000 },
  };
  const faults = kind === 'kind' ? new KindFaultPrimitives(context, new DockerNodeFaults(docker.run)) : new KubeFaultPrimitives(context);
  return {
    kind,
    runId: 'run-1',
    client: NOWHERE,
    instances: instances.map((name, i) => ({ name, zone: ['a', 'b', 'c'][i]!, connection: NOWHERE })),
    faults,
    topology: async () => TOPOLOGY,
    versions: async () => ({}),
    secrets: () => [],
    teardown: async () => undefined,
  };
}

/**
 * What one inject + heal did, as short lines: API writes (not reads), exec
 * and port-forward streams, docker commands. The mapping is what this file
 * checks: where the fakes cannot show a fault's effect to its witness, the
 * fault is not proven (FaultNotInEffect, as a real run would be
 * inconclusive) and its heal still runs from the teardown stack.
 */
async function drive(t: StartedTarget, kind: FaultKind, targetWord: string): Promise<{ inject: string[]; heal: string[]; events: string[]; proven: boolean }> {
  const events: HistoryBody[] = [];
  const context: FaultContext = { target: t, faults: t.faults, record: (e) => events.push(e), now: () => ({ t: performance.now(), wall: new Date().toISOString() }), bounds: { moment: 1_000, proof: 1_000, healed: 1_000 } };
  const lines = (): string[] => [
    // Not the witnesses' own probes across a cut (pg_isready from a peer pod).
    ...fake.requests
      .filter((r) => r.method !== 'GET' && !(r.method === 'WS' && String(r.query.command).includes('pg_isready')))
      .map((r) => `${r.method} ${r.path}${r.query.dryRun ? ' dry-run' : ''}`),
    ...docker.lines('docker').filter((l) => !l.startsWith('docker inspect') && !l.includes('pg_isready')),
  ];
  const teardowns = new TeardownStack();
  let fault: Awaited<ReturnType<typeof injectFault>> | undefined;
  try {
    fault = await injectFault(context, teardowns, { id: 'f1', kind, target: targetWord });
  } catch (error) {
    if (!(error instanceof FaultNotInEffect)) throw error;
  }
  const inject = lines();
  fake.requests.length = 0;
  docker.calls.length = 0;
  if (fault) await fault.heal();
  else await teardowns.runAll();
  return {
    inject,
    heal: lines(),
    events: events.map((e) => `${e.type}${'targets' in e ? ` ${e.targets.join(',')}` : ''}${'outcome' in e ? ` ${e.outcome}` : ''}`),
    proven: fault !== undefined,
  };
}

const PODS = '/api/v1/namespaces/pgdrill-run-1/pods';
const STORE_SERVICE = '/api/v1/namespaces/pgdrill-run-1/services/pg-s3';
const ENDS_REPLICATION = (pods: string[]): string[] => pods.map((p) => `WS ${PODS}/${p}/exec`);
const CONNTRACK_FLUSH: string[] = ['-s', '-d', '-r'].flatMap((flag) =>
  ['pgdrill-control-plane', 'pgdrill-worker', 'pgdrill-worker2', 'pgdrill-worker3'].map((node) => expect.stringMatching(new RegExp(`^docker exec ${node} conntrack -D ${flag} 10\\.244\\.1\\.\\d+$`)) as string),
);
const POLICY = (pod: string): string => `/apis/networking.k8s.io/v1/namespaces/pgdrill-run-1/networkpolicies/pgdrill-run-1-${pod}`;

describe('on kind, every scenario fault kind maps to Kubernetes API calls and docker commands', () => {
  it.each<[FaultKind, string, string[], string[]]>([
    ['primary-kill', 'primary', [`DELETE ${PODS}/pg-1`], []],
    ['replica-kill', 'replica', [`DELETE ${PODS}/pg-2`], []],
    ['postgres-kill', 'primary', [`WS ${PODS}/pg-1/exec`], []],
    ['switchover', 'primary', ['PATCH /apis/postgresql.cnpg.io/v1/namespaces/pgdrill-run-1/clusters/pg/status'], []],
    ['freeze', 'primary', ['docker pause pgdrill-worker'], ['docker unpause pgdrill-worker']],
    ['freeze', 'replica', ['docker pause pgdrill-worker2'], ['docker unpause pgdrill-worker2']],
    ['zone-loss', 'primary-zone', ['docker kill --signal KILL pgdrill-worker'], ['docker start pgdrill-worker']],
    ['zone-loss', 'zone:c', ['docker kill --signal KILL pgdrill-worker3'], ['docker start pgdrill-worker3']],
    // The policy, then what it leaves alone: conntrack entries on every node, replication across the cut.
    ['partition', 'primary', [`PATCH ${POLICY('pg-1')} dry-run`, `PATCH ${POLICY('pg-1')}`, ...ENDS_REPLICATION(['pg-1', 'pg-2', 'pg-3']), ...CONNTRACK_FLUSH], [`DELETE ${POLICY('pg-1')}`]],
    ['partition', 'primary-zone', ['docker network disconnect kind pgdrill-worker'], ['docker network connect kind pgdrill-worker']],
    // The deployed store's Service loses its endpoints (refused at once), no NetworkPolicy.
    ['stalled-archive', 'archive', [`PATCH ${STORE_SERVICE}`], [`PATCH ${STORE_SERVICE}`]],
    ['replica-lag', 'replica', ['docker exec pgdrill-worker2 tc qdisc replace dev eth0 root netem delay 200ms 50ms loss 2%'], ['docker exec pgdrill-worker2 tc qdisc del dev eth0 root']],
  ])('%s (%s)', async (kind, word, inject, heal) => {
    const result = await drive(target('kind'), kind, word);
    expect(result.inject).toEqual(inject);
    expect(result.heal).toEqual(heal);
    expect(result.events.filter((e) => e.startsWith('heal '))).toEqual([expect.stringMatching(/^heal .* healed$/)]);
  });

  it('dcs-loss is not a capability of CloudNativePG targets: the scenario is skipped', async () => {
    await expect(drive(target('kind'), 'dcs-loss', 'dcs-majority')).rejects.toBeInstanceOf(FaultUnsupportedError);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('on an existing cluster, node faults are out and zone partitions use NetworkPolicies', () => {
  it.each<FaultKind>(['zone-loss', 'freeze', 'replica-lag', 'dcs-loss'])('%s is skipped', async (kind) => {
    await expect(drive(target('kubernetes'), kind, kind === 'dcs-loss' ? 'dcs-majority' : kind === 'zone-loss' ? 'primary-zone' : 'replica')).rejects.toBeInstanceOf(FaultUnsupportedError);
    expect(docker.calls).toEqual([]);
  });

  it('partition of a zone', async () => {
    const result = await drive(target('kubernetes'), 'partition', 'zone:b');
    // No node access: no conntrack; replication across the cut is still ended from both sides.
    expect(result.inject).toEqual([`PATCH ${POLICY('pg-2')} dry-run`, `PATCH ${POLICY('pg-2')}`, ...ENDS_REPLICATION(['pg-1', 'pg-2'])]);
    expect(result.heal).toEqual([`DELETE ${POLICY('pg-2')}`]);
    expect(docker.calls).toEqual([]);
  });
});
