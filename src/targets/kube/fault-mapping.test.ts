/**
 * The scenario fault kinds, through the same fault definitions the runner
 * uses (src/faults), on the Kubernetes targets' primitives: which API calls
 * (recorded by the fake API) and docker commands (recorded by the fake
 * runner) each inject and heal makes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultUnsupportedError } from '../../faults/errors.ts';
import type { FaultContext } from '../../faults/fault.ts';
import { injectFault } from '../../faults/inject.ts';
import type { FaultKind, HistoryBody } from '../../history/events.ts';
import { TeardownStack } from '../../runner/teardown-stack.ts';
import { FakeCommandRunner } from '../../../test/fixtures/kube/fake-command-runner.ts';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { DockerNodeFaults } from '../kind/docker-node-faults.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import type { Capability, StartedTarget, Topology } from '../target.ts';
import { KIND_CAPABILITIES, KUBERNETES_CAPABILITIES } from './capabilities.ts';
import { drillNames } from './drill-names.ts';
import { KubeFaultPrimitives } from './kube-faults.ts';
import { KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import { storeConfiguration } from './manifests/backup.ts';
import { renderCluster } from './manifests/cluster.ts';
import type { ClusterResource } from './manifests/cnpg-types.ts';
import { NetworkFaults } from './network-faults.ts';
import { RESOURCES } from './resources.ts';

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
    renderCluster({
      runId: 'run-1',
      name: 'pg',
      namespace: names.namespace,
      zones: ['a', 'b', 'c'],
      synchronous: 'on',
      syncStandbys: 1,
      syncMethod: 'any',
      storageSize: '1Gi',
      archive: { method: 'plugin', objectStore: names.objectStore, configuration: storeConfiguration({ destinationPath: names.destinationPath, credentialsSecret: names.storeCredentials }) },
    }),
  );
  await waitForObject<ClusterResource>(kube, RESOURCES.cluster, 'pg', names.namespace, (c) => (c?.status?.currentPrimary ? undefined : 'starting'), { timeoutMs: 5_000, description: 'up' });
  docker = new FakeCommandRunner().withDockerNodes({ 'pgdrill-worker': { IPAddress: '172.18.0.3' } }).on('docker', /^exec .* tc qdisc/, {});
  fake.requests.length = 0;
});

afterEach(async () => {
  await fake.close();
});

function target(kind: 'kind' | 'kubernetes'): StartedTarget {
  const kube = new KubeRest(fake.kubeConfig());
  const instances = ['pg-1', 'pg-2', 'pg-3'];
  const faults = new KubeFaultPrimitives({
    kube,
    names,
    instances,
    network: new NetworkFaults(kube, 'run-1', names, instances, names.storeServer),
    nodes: kind === 'kind' ? new DockerNodeFaults(docker.run) : null,
    endpoint: () => NOWHERE,
    guard: () => undefined,
    timeouts: { podBack: 5_000, switchover: 5_000 },
  });
  return {
    kind,
    runId: 'run-1',
    client: NOWHERE,
    instances: [],
    capabilities: kind === 'kind' ? KIND_CAPABILITIES : (KUBERNETES_CAPABILITIES as ReadonlySet<Capability>),
    faults,
    topology: async () => TOPOLOGY,
    versions: async () => ({}),
    secrets: () => [],
    teardown: async () => undefined,
  };
}

/** What one inject + heal did, as short lines: API writes (not reads), exec and port-forward streams, docker commands. */
async function drive(t: StartedTarget, kind: FaultKind, targetWord: string): Promise<{ inject: string[]; heal: string[]; events: string[] }> {
  const events: HistoryBody[] = [];
  const context: FaultContext = { target: t, record: (e) => events.push(e) };
  const lines = (): string[] => [
    ...fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}${r.query.dryRun ? ' dry-run' : ''}`),
    ...docker.lines('docker').filter((l) => !l.startsWith('docker inspect')),
  ];
  const fault = await injectFault(context, new TeardownStack(), { id: 'f1', kind, target: targetWord });
  const inject = lines();
  fake.requests.length = 0;
  docker.calls.length = 0;
  await fault.heal();
  return { inject, heal: lines(), events: events.map((e) => `${e.type}${'targets' in e ? ` ${e.targets.join(',')}` : ''}${'outcome' in e ? ` ${e.outcome}` : ''}`) };
}

const PODS = '/api/v1/namespaces/pgdrill-run-1/pods';
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
    ['partition', 'primary', [`PATCH ${POLICY('pg-1')} dry-run`, `PATCH ${POLICY('pg-1')}`], [`DELETE ${POLICY('pg-1')}`]],
    ['partition', 'primary-zone', ['docker network disconnect kind pgdrill-worker'], ['docker network connect --ip 172.18.0.3 kind pgdrill-worker']],
    [
      'stalled-archive',
      'archive',
      ['pg-1', 'pg-2', 'pg-3'].flatMap((p) => [`PATCH ${POLICY(p)} dry-run`, `PATCH ${POLICY(p)}`]),
      ['pg-1', 'pg-2', 'pg-3'].map((p) => `DELETE ${POLICY(p)}`),
    ],
    ['replica-lag', 'replica', ['docker exec pgdrill-worker2 tc qdisc replace dev eth0 root netem delay 200ms 50ms loss 2%'], ['docker exec pgdrill-worker2 tc qdisc del dev eth0 root']],
  ])('%s (%s)', async (kind, word, inject, heal) => {
    const result = await drive(target('kind'), kind, word);
    expect(result.inject).toEqual(inject);
    expect(result.heal).toEqual(heal);
    expect(result.events.at(-1)).toMatch(/^heal .* healed$/);
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
    expect(result.inject).toEqual([`PATCH ${POLICY('pg-2')} dry-run`, `PATCH ${POLICY('pg-2')}`]);
    expect(result.heal).toEqual([`DELETE ${POLICY('pg-2')}`]);
    expect(docker.calls).toEqual([]);
  });
});
