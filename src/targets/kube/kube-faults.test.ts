import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InfrastructureError, UsageError } from '../../errors.ts';
import { LocalPostgres } from '../../workload/testing/local-postgres.ts';
import { PrimitiveUnsupportedError } from '../errors.ts';
import { FakeCommandRunner } from '../../../test/fixtures/kube/fake-command-runner.ts';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { DockerNodeFaults } from '../kind/docker-node-faults.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import { drillNames } from './drill-names.ts';
import { KubeFaultPrimitives, type NodeFaults } from './kube-faults.ts';
import { KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import { manifestProblems } from './manifest-validation.ts';
import { storeConfiguration } from './manifests/backup.ts';
import { renderCluster } from './manifests/cluster.ts';
import type { ClusterResource } from './manifests/cnpg-types.ts';
import { NetworkFaults } from './network-faults.ts';
import { RESOURCES, type KubeObject } from './resources.ts';

const names = drillNames({ runId: 'run-1', namespace: 'pgdrill-run-1', ownNamespace: true });
const PODS = ['pg-1', 'pg-2', 'pg-3'];
const NOWHERE: ConnectionInfo = { host: '127.0.0.1', port: 1, user: 'app', password: 'x', database: 'app' };

let fake: FakeKubeApi;
let kube: KubeRest;
let docker: FakeCommandRunner;

async function startCluster(): Promise<void> {
  const cluster = renderCluster({
    runId: 'run-1',
    name: names.cluster,
    namespace: names.namespace,
    zones: ['a', 'b', 'c'],
    synchronous: 'on',
    syncStandbys: 1,
    syncMethod: 'any',
    storageSize: '1Gi',
    archive: { method: 'plugin', objectStore: names.objectStore, configuration: storeConfiguration({ destinationPath: names.destinationPath, credentialsSecret: names.storeCredentials }) },
  });
  await kube.apply(RESOURCES.cluster, cluster);
  fake.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: names.storeServer, namespace: names.namespace }, spec: { clusterIP: '10.96.99.1' } });
  await waitForObject<ClusterResource>(kube, RESOURCES.cluster, names.cluster, names.namespace, (c) => (c?.status?.currentPrimary ? undefined : 'starting'), {
    timeoutMs: 5_000,
    description: 'simulated cluster up',
  });
}

function primitives(options: { nodes?: NodeFaults | null; endpoint?: (i: string) => ConnectionInfo; allowed?: boolean; storeApp?: string | null } = {}): KubeFaultPrimitives {
  return new KubeFaultPrimitives({
    kube,
    names,
    instances: PODS,
    network: new NetworkFaults(kube, 'run-1', names, PODS, options.storeApp === undefined ? names.storeServer : options.storeApp),
    nodes: options.nodes === undefined ? new DockerNodeFaults(docker.run) : options.nodes,
    endpoint: options.endpoint ?? (() => NOWHERE),
    guard: (action) => {
      if (options.allowed === false) throw new UsageError(`refusing ${action}`);
    },
    timeouts: { killed: 600, podBack: 5_000, switchover: 5_000 },
  });
}

/** The fault policies stored right now, by name. */
function storedPolicies(): Map<string, KubeObject & { spec: Record<string, unknown> }> {
  return new Map(fake.list('networking.k8s.io/v1', 'NetworkPolicy', names.namespace).map((p) => [p.metadata.name, p as unknown as KubeObject & { spec: Record<string, unknown> }]));
}

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  kube = new KubeRest(fake.kubeConfig());
  docker = new FakeCommandRunner();
  seedClusterBasics(fake);
  installCnpgKinds(fake);
  simulateCluster(fake);
  await startCluster();
  fake.requests.length = 0;
});

afterEach(async () => {
  await fake.close();
});

describe('instance faults map to pod API calls', () => {
  it('primary kill deletes the pod with grace period 0, and its heal waits for the operator to bring it back', async () => {
    const faults = primitives();
    await faults.killInstance('pg-1');
    const [del] = fake.calls('DELETE');
    expect(del).toMatchObject({ path: '/api/v1/namespaces/pgdrill-run-1/pods/pg-1', body: { gracePeriodSeconds: 0, propagationPolicy: 'Background' } });
    await faults.startInstance('pg-1');
    expect(fake.get('v1', 'Pod', 'pg-1', names.namespace)?.status).toMatchObject({ phase: 'Running' });
    // The heal waited with a watch on that one pod.
    expect(fake.calls('GET', /\/pods$/).some((c) => c.query.watch === 'true' && c.query.fieldSelector === 'metadata.name=pg-1')).toBe(true);
  });

  it('postgres kill sends SIGKILL to every postgres process through exec in the postgres container', async () => {
    await primitives().killPostgres('pg-2');
    const [exec] = fake.calls('WS');
    expect(exec?.path).toBe('/api/v1/namespaces/pgdrill-run-1/pods/pg-2/exec');
    expect(exec?.query.container).toBe('postgres');
    const [sh, flag, script] = exec?.query.command as string[];
    expect([sh, flag]).toEqual(['sh', '-c']);
    expect(script).toContain('kill -KILL');
    expect(script).toContain('= postgres ]');
  });

  it('switchover writes what kubectl cnpg promote writes, through the status subresource, and waits for the new primary', async () => {
    await primitives().switchover('pg-1', 'pg-2');
    const [patch] = fake.calls('PATCH', /\/clusters\/pg\/status$/);
    expect(patch?.contentType).toBe('application/merge-patch+json');
    expect(patch?.body).toMatchObject({
      metadata: { resourceVersion: expect.any(String) },
      status: { targetPrimary: 'pg-2', phase: 'Switchover in progress', phaseReason: 'Switching over to pg-2', targetPrimaryTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/) },
    });
    expect((fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', names.namespace)?.status as { currentPrimary: string }).currentPrimary).toBe('pg-2');
  });

  it('switchover retries on a conflict (the operator updated the status in between)', async () => {
    let conflicts = 1;
    fake.failWith = (r) => (r.method === 'PATCH' && r.path.endsWith('/status') && conflicts-- > 0 ? [409, 'Conflict', 'the object has been modified'] : undefined);
    await primitives().switchover('pg-1', 'pg-3');
    expect(fake.calls('PATCH', /\/status$/)).toHaveLength(2);
  });

  it('switchover refuses when the operator has another primary', async () => {
    await expect(primitives().switchover('pg-2', 'pg-3')).rejects.toThrow(/current primary is pg-1/);
    expect(fake.calls('PATCH')).toHaveLength(0);
  });

  it('fencing sets and clears the cnpg.io/fencedInstances annotation', async () => {
    const faults = primitives();
    await faults.fenceInstances(['pg-2']);
    await faults.fenceInstances(['pg-3']);
    expect(fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', names.namespace)?.metadata.annotations?.['cnpg.io/fencedInstances']).toBe('["pg-2","pg-3"]');
    await faults.unfenceInstances(['pg-2', 'pg-3']);
    expect(fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', names.namespace)?.metadata.annotations?.['cnpg.io/fencedInstances']).toBeUndefined();
  });
});

describe('node faults map to docker commands on the kind nodes', () => {
  it('freeze pauses the node of the instance, thaw unpauses it only when paused', async () => {
    docker.on('docker', /^pause /, {}).on('docker', /^unpause /, {}).on('docker', /^inspect --format \{\{json \.State\}\}/, { stdout: '{"Running":true,"Paused":true}' });
    const faults = primitives();
    await faults.freezeInstance('pg-2');
    await faults.thawInstance('pg-2');
    expect(docker.lines('docker')).toEqual(['docker pause pgdrill-worker2', 'docker inspect --format {{json .State}} pgdrill-worker2', 'docker unpause pgdrill-worker2']);
  });

  it('zone loss kills every node of the zone, and its heal starts them', async () => {
    docker.on('docker', /^kill /, {}).on('docker', /^start /, {}).on('docker', /^inspect/, { stdout: '{"Running":false,"Paused":false}' });
    const faults = primitives();
    await faults.stopZone('b');
    await faults.startZone('b');
    expect(docker.lines('docker')).toEqual(['docker kill --signal KILL pgdrill-worker2', 'docker inspect --format {{json .State}} pgdrill-worker2', 'docker start pgdrill-worker2']);
    expect(fake.calls('GET', /\/nodes$/)[0]?.query).toEqual({ labelSelector: 'topology.kubernetes.io/zone=b' });
  });

  it('zone partition disconnects the zone nodes from the kind network and reconnects them with the same addresses', async () => {
    docker
      .on('docker', /^inspect --format \{\{json \.NetworkSettings\.Networks\}\}/, { stdout: '{"kind":{"IPAddress":"172.18.0.4","GlobalIPv6Address":"fc00:f853:ccd:e793::4"}}' })
      .on('docker', /^network /, {});
    const faults = primitives();
    await faults.isolateZone('c');
    await faults.rejoinZone('c');
    expect(docker.lines('docker').slice(1)).toEqual([
      'docker network disconnect kind pgdrill-worker3',
      'docker network connect --ip 172.18.0.4 --ip6 fc00:f853:ccd:e793::4 kind pgdrill-worker3',
    ]);
  });

  it('replica lag adds netem on the node, falls back to tbf, and removes it at heal', async () => {
    docker
      .on('docker', /tc qdisc replace .* netem/, { code: 2, stderr: 'Error: Specified qdisc kind is unknown.' })
      .on('docker', /tc qdisc replace .* tbf/, {})
      .on('docker', /tc qdisc del/, {})
      .on('docker', /^inspect/, { stdout: '{"Running":true,"Paused":false}' });
    const faults = primitives();
    expect(await faults.degradeLink('pg-3')).toBe('tbf: 64 kbit/s rate limit (netem unavailable: Error: Specified qdisc kind is unknown.) on the node of pg-3');
    await faults.restoreLink('pg-3');
    expect(docker.lines('docker')).toContain('docker exec pgdrill-worker3 tc qdisc del dev eth0 root');
  });

  it('without node access (an existing cluster) node faults are unsupported, not crashes', async () => {
    const faults = primitives({ nodes: null });
    await expect(faults.stopZone('a')).rejects.toBeInstanceOf(PrimitiveUnsupportedError);
    await expect(faults.freezeInstance('pg-1')).rejects.toBeInstanceOf(PrimitiveUnsupportedError);
    await expect(faults.degradeLink('pg-1')).rejects.toBeInstanceOf(PrimitiveUnsupportedError);
    // Heals of what never happened are no-ops.
    await faults.startZone('a');
    await faults.thawInstance('pg-1');
    await faults.restoreLink('pg-1');
  });

  it('the consensus-store fault does not exist on CloudNativePG', async () => {
    const faults = primitives();
    expect(faults.dcsMembers()).toEqual([]);
    await expect(faults.stopDcsMembers()).rejects.toBeInstanceOf(PrimitiveUnsupportedError);
  });
});

describe('network faults are NetworkPolicies, one per restricted pod, validated and dry-run before they are stored', () => {
  it('a partition of the primary cuts it from its peers and the API server; rejoin removes the policy', async () => {
    const faults = primitives();
    await faults.isolateInstances(['pg-1'], { fromDcs: true });
    const policies = storedPolicies();
    expect([...policies.keys()]).toEqual(['pgdrill-run-1-pg-1']);
    const policy = policies.get('pgdrill-run-1-pg-1')!;
    expect(manifestProblems(policy as unknown as KubeObject)).toEqual([]);
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'pg', 'cnpg.io/instanceName': 'pg-1' } });
    const egress = JSON.stringify(policy.spec.egress);
    expect(egress).toContain('"values":["pg-1"]');
    // The API server is out of reach too (except list of the outside ipBlock), and so are the cluster's Service IPs.
    expect(egress).toContain('"10.96.0.1/32"');
    expect(egress).toContain('"172.18.0.2/32"');
    const patches = fake.calls('PATCH', /networkpolicies/);
    expect(patches.map((p) => p.query.dryRun ?? 'applied')).toEqual(['All', 'applied']);
    await faults.rejoinInstances(['pg-1']);
    expect(storedPolicies().size).toBe(0);
  });

  it('a stalled archive keeps the store out of every instance egress, composed with an active partition', async () => {
    const faults = primitives();
    await faults.isolateInstances(['pg-2'], { fromDcs: false });
    await faults.stallArchive();
    let policies = storedPolicies();
    expect([...policies.keys()].sort()).toEqual(['pgdrill-run-1-pg-1', 'pgdrill-run-1-pg-2', 'pgdrill-run-1-pg-3']);
    for (const p of policies.values()) expect(JSON.stringify(p.spec.egress)).toContain('{"key":"app.kubernetes.io/name","operator":"NotIn","values":["pg-s3"]}');
    // pg-2 is still partitioned: its peers are only itself; the others reach the whole cluster.
    expect(JSON.stringify(policies.get('pgdrill-run-1-pg-2')!.spec.ingress)).toContain('"values":["pg-2"]');
    expect(policies.get('pgdrill-run-1-pg-1')!.spec.ingress).toEqual([{}]);
    await faults.rejoinInstances(['pg-2']);
    policies = storedPolicies();
    expect(policies.get('pgdrill-run-1-pg-2')!.spec.ingress).toEqual([{}]);
    await faults.resumeArchive();
    expect(storedPolicies().size).toBe(0);
  });

  it('without node access, a zone partition isolates the zone instances by NetworkPolicy', async () => {
    const faults = primitives({ nodes: null });
    await faults.isolateZone('a');
    expect([...storedPolicies().keys()]).toEqual(['pgdrill-run-1-pg-1']);
    await faults.rejoinZone('a');
    expect(storedPolicies().size).toBe(0);
    expect(docker.calls).toHaveLength(0);
  });
});

describe('the namespace guard of the kubernetes target', () => {
  it('refuses every fault before any call when the namespace is not allowed, and lets heals run', async () => {
    const faults = primitives({ nodes: null, allowed: false });
    for (const inject of [
      () => faults.killInstance('pg-1'),
      () => faults.killPostgres('pg-1'),
      () => faults.switchover('pg-1', 'pg-2'),
      () => faults.isolateInstances(['pg-1'], { fromDcs: true }),
      () => faults.isolateZone('a'),
      () => faults.stallArchive(),
      () => faults.fenceInstances(['pg-1']),
    ]) {
      await expect(inject()).rejects.toBeInstanceOf(UsageError);
    }
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    await faults.rejoinInstances(['pg-1']);
    await faults.resumeArchive();
  });
});

describe('a killed instance must stop answering before the kill counts as applied', () => {
  let server: LocalPostgres;

  beforeAll(async () => {
    server = await LocalPostgres.start({ instanceName: 'pg-1' });
  }, 60_000);

  afterAll(async () => {
    await server?.destroy();
  });

  it('returns once the old postmaster is gone', async () => {
    fake.onWrite(async ({ verb, object }) => {
      if (verb === 'delete' && object.metadata.name === 'pg-1') await server.stop('immediate');
    });
    await primitives({ endpoint: () => server.connection }).killInstance('pg-1');
    await server.resume();
  });

  it('fails when the instance still answers after its bound', async () => {
    const error = await primitives({ endpoint: () => server.connection })
      .killInstance('pg-2')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toBe('instance pg-2 still answers 0.6s after its pod was deleted');
  });
});
