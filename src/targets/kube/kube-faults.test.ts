import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InfrastructureError, UsageError } from '../../errors.ts';
import { LocalPostgres } from '../../../test/support/local-postgres.ts';
import { FakeCommandRunner } from '../../../test/fixtures/kube/fake-command-runner.ts';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { simulateKindNetwork } from '../../../test/fixtures/kube/fake-kind-network.ts';
import { simulateEndpointSlices } from '../../../test/fixtures/kube/fake-endpoints-controller.ts';
import type { FakeKubelet } from '../../../test/fixtures/kube/fake-kubelet.ts';
import { FakePodNetwork } from '../../../test/fixtures/kube/fake-pod-network.ts';
import { ipBlockAdmits, type PolicyShape } from '../../../test/fixtures/kube/policy-peers.ts';
import { PrimitiveUnsupportedError } from '../errors.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { DockerNodeFaults } from '../kind/docker-node-faults.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import { drillNames } from './drill-names.ts';
import { postmasterStart } from './instance-sql.ts';
import { implementedGroups } from '../fault-primitives.ts';
import { KindFaultPrimitives } from '../kind/kind-fault-primitives.ts';
import { KubeFaultPrimitives, type KubeFaultContext } from './kube-faults.ts';
import { KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import { manifestProblems } from './manifest-validation.ts';
import type { ClusterResource } from './manifests/cnpg-types.ts';
import { NetworkFaults } from './network-faults.ts';
import { RESOURCES, type KubeObject } from './resources.ts';
import { testCluster } from '../../../test/fixtures/kube/test-cluster.ts';

const names = drillNames({ runId: 'run-1', namespace: 'pgdrill-run-1', ownNamespace: true });
const PODS = ['pg-1', 'pg-2', 'pg-3'];
const NOWHERE: ConnectionInfo = { host: '127.0.0.1', port: 1, user: 'app', password: 'x', database: 'app' };

let fake: FakeKubeApi;
let kube: KubeRest;
let docker: FakeCommandRunner;
let kubelet: FakeKubelet;

async function startCluster(): Promise<void> {
  const cluster = testCluster(names);
  await kube.apply(RESOURCES.cluster, cluster);
  fake.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: names.storeServer, namespace: names.namespace }, spec: { clusterIP: '10.96.99.1' } });
  await waitForObject<ClusterResource>(kube, RESOURCES.cluster, names.cluster, names.namespace, (c) => (c?.status?.currentPrimary ? undefined : 'starting'), {
    timeoutMs: 5_000,
    description: 'simulated cluster up',
  });
}

function primitives(options: { endpoint?: (i: string) => ConnectionInfo; allowed?: boolean; storeApp?: string | null } = {}): KindFaultPrimitives {
  return new KindFaultPrimitives(apiContext(options), new DockerNodeFaults(docker.run));
}

function apiContext(options: { endpoint?: (i: string) => ConnectionInfo; allowed?: boolean; storeApp?: string | null } = {}): KubeFaultContext {
  return {
    kube,
    names,
    instances: PODS,
    network: new NetworkFaults(kube, 'run-1', names, PODS, options.storeApp === undefined ? names.storeServer : options.storeApp),
    endpoint: options.endpoint ?? (() => NOWHERE),
    guard: (action) => {
      if (options.allowed === false) throw new UsageError(`refusing ${action}`);
    },
    timeouts: { killed: 600, podBack: 5_000, switchover: 5_000 },
  };
}

/** The fault policies stored right now, by name. */
function storedPolicies(): Map<string, KubeObject & { spec: Record<string, unknown> }> {
  return new Map(fake.list('networking.k8s.io/v1', 'NetworkPolicy', names.namespace).map((p) => [p.metadata.name, p as unknown as KubeObject & { spec: Record<string, unknown> }]));
}

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  kube = new KubeRest(fake.kubeConfig());
  docker = new FakeCommandRunner().withNodeConntrack();
  seedClusterBasics(fake);
  installCnpgKinds(fake);
  ({ kubelet } = simulateCluster(fake));
  await startCluster();
  fake.requests.length = 0;
});

afterEach(async () => {
  await fake.close();
});

describe('instance faults map to pod API calls', () => {
  // CloudNativePG's e2e deletes with quickDeletionPeriod = 1 (tests/e2e/suite_test.go).
  it('primary kill deletes exactly that pod with grace period 1, and its heal waits for the operator to bring it back', async () => {
    const faults = primitives();
    const uid = fake.get('v1', 'Pod', 'pg-1', names.namespace)?.metadata.uid as string;
    await faults.killInstance('pg-1');
    const [del] = fake.calls('DELETE');
    expect(del).toMatchObject({ path: '/api/v1/namespaces/pgdrill-run-1/pods/pg-1', body: { gracePeriodSeconds: 1, propagationPolicy: 'Background', preconditions: { uid } } });
    // It returned once the old pod was gone from the API.
    expect(kubelet.containerEnded(uid)).toBe(true);
    await faults.startInstance('pg-1');
    expect(fake.get('v1', 'Pod', 'pg-1', names.namespace)?.status).toMatchObject({ phase: 'Running' });
    // Back as a new pod.
    expect(fake.get('v1', 'Pod', 'pg-1', names.namespace)?.metadata.uid).not.toBe(uid);
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

  // The instance manager (PID 1) exits when the postmaster dies, and the kubelet restarts the container
  // (CloudNativePG internal/cmd/manager/instance/run/lifecycle/lifecycle.go): the exec session dies with it.
  it.each<[string, number | null]>([
    ['exits 137 (SIGKILL) as the container goes down', 137],
    ['closes without an exit status', null],
  ])('postgres kill counts as done when the exec stream %s', async (_what, code) => {
    fake.execHandler = () => ({ code });
    await expect(primitives().killPostgres('pg-1')).resolves.toBeUndefined();
  });

  it('postgres kill still fails when the command itself fails in the pod', async () => {
    fake.execHandler = () => ({ code: 126, stderr: 'sh: permission denied' });
    await expect(primitives().killPostgres('pg-1')).rejects.toThrow(/exited with 126/);
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

  // As CloudNativePG's self-fencing e2e (tests/e2e/self_fencing_test.go): plain disconnect and connect.
  it('zone partition takes the zone nodes off the kind network; its heal reconnects them and waits until they are Ready', async () => {
    const network = simulateKindNetwork(docker, fake, { nodes: { 'pgdrill-worker3': { ipv4: '172.18.0.4', ipv6: 'fc00:f853:ccd:e793::4' } } });
    const faults = primitives();
    await faults.isolateZone('c');
    await waitForObject<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(
      kube,
      RESOURCES.node,
      'pgdrill-worker3',
      undefined,
      (n) => (n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True') ? undefined : 'still Ready'),
      { timeoutMs: 2_000, description: 'node NotReady' },
    );
    await faults.rejoinZone('c');
    expect(docker.lines('docker').filter((l) => l.startsWith('docker network'))).toEqual(['docker network disconnect kind pgdrill-worker3', 'docker network connect kind pgdrill-worker3']);
    // Back on the network (with whatever address Docker gave it) and Ready when the heal returns.
    expect(network.address('pgdrill-worker3')).not.toBeNull();
    expect((fake.get('v1', 'Node', 'pgdrill-worker3')?.status as { conditions: Array<{ type: string; status: string }> }).conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True' }),
    );
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

  it('without node access (an existing cluster) the node-level groups are simply not there', () => {
    const apiOnly = new KubeFaultPrimitives(apiContext());
    // rollingRestart in its engine-driven form: the operator's own rolling restart (kube-rolling-restart.test.ts).
    expect([...implementedGroups(apiOnly)].sort()).toEqual(['archiveStall', 'instanceKill', 'partition', 'postgresKill', 'rollingRestart', 'switchover']);
    expect([...implementedGroups(primitives())].sort()).toEqual(['archiveStall', 'freeze', 'instanceKill', 'link', 'partition', 'postgresKill', 'rollingRestart', 'switchover', 'zoneStop']);
  });

  it('the consensus-store fault does not exist on CloudNativePG: no dcs group on either kube target', () => {
    expect(implementedGroups(KindFaultPrimitives.prototype).has('dcs')).toBe(false);
    expect(implementedGroups(KubeFaultPrimitives.prototype).has('dcs')).toBe(false);
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

  it('a stalled archive of an external store keeps it out of every instance egress, composed with an active partition', async () => {
    const faults = primitives({ storeApp: null });
    await faults.isolateInstances(['pg-2'], { fromDcs: false });
    await faults.stallArchive();
    let policies = storedPolicies();
    expect([...policies.keys()].sort()).toEqual(['pgdrill-run-1-pg-1', 'pgdrill-run-1-pg-2', 'pgdrill-run-1-pg-3']);
    // Outside the cluster only the API server stays reachable (no 0.0.0.0/0 ipBlock).
    for (const p of policies.values()) expect(JSON.stringify(p.spec.egress)).not.toContain('0.0.0.0/0');
    // pg-2 is still partitioned: its peers are only itself; the others reach the whole cluster.
    expect(JSON.stringify(policies.get('pgdrill-run-1-pg-2')!.spec.ingress)).toContain('"values":["pg-2"]');
    expect(policies.get('pgdrill-run-1-pg-1')!.spec.ingress).toEqual([{}]);
    await faults.rejoinInstances(['pg-2']);
    policies = storedPolicies();
    expect(policies.get('pgdrill-run-1-pg-2')!.spec.ingress).toEqual([{}]);
    await faults.resumeArchive();
    expect(storedPolicies().size).toBe(0);
  });

  // barman-cloud sets only read_timeout on its S3 client (barman/cloud_providers/aws_s3.py): dropped SYNs
  // wait out botocore's 60 s connect timeout and its retries. A Service without endpoints is refused at once
  // by kube-proxy (kubernetes/kubernetes#17359).
  it('a stalled archive of the deployed store leaves its Service without endpoints, keeps the store pod and its data, and the heal brings the endpoint back', async () => {
    const storeLabels = { 'app.kubernetes.io/name': names.storeServer };
    fake.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: names.storeServer, namespace: names.namespace }, spec: { clusterIP: '10.96.99.1', selector: storeLabels } });
    fake.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${names.storeServer}-7d9f-x2`, namespace: names.namespace, labels: storeLabels }, status: { phase: 'Running', podIP: '10.244.0.7' } });
    const slices = simulateEndpointSlices(fake, names.namespace, [names.storeServer]);
    expect(slices.endpoints(names.storeServer)).toEqual([`${names.storeServer}-7d9f-x2`]);
    const faults = primitives();
    await faults.stallArchive();
    expect(slices.endpoints(names.storeServer)).toEqual([]);
    expect(fake.get('v1', 'Pod', `${names.storeServer}-7d9f-x2`, names.namespace)).toBeDefined();
    // No NetworkPolicy: its drops would only make the archiver wait.
    expect(storedPolicies().size).toBe(0);
    await faults.resumeArchive();
    expect(slices.endpoints(names.storeServer)).toEqual([`${names.storeServer}-7d9f-x2`]);
    expect((fake.get('v1', 'Service', names.storeServer, names.namespace)?.spec as { selector: unknown }).selector).toEqual(storeLabels);
  });

  // Pod IPs outside the nodes' spec.podCIDR, as under Calico IPAM, the AWS VPC CNI or Cilium's cluster pool;
  // ipBlocks match pod IPs too (kube-network-policies pkg/networkpolicy/networkpolicy.go, evaluateIPBlocks).
  it('a partition cuts the peers by their actual pod IPs, wherever the network plugin put them, and still admits the kubelet', async () => {
    const calico: Record<string, string> = { 'pg-1': '192.168.171.4', 'pg-2': '192.168.34.9', 'pg-3': '192.168.201.17' };
    for (const [name, ip] of Object.entries(calico)) {
      const pod = fake.get('v1', 'Pod', name, names.namespace)!;
      fake.put({ ...pod, status: { ...(pod.status as object), podIP: ip, podIPs: [{ ip }] } });
    }
    await primitives().isolateInstances(['pg-1'], { fromDcs: true });
    const policy = storedPolicies().get('pgdrill-run-1-pg-1')! as unknown as PolicyShape;
    for (const peer of ['pg-2', 'pg-3']) {
      expect(ipBlockAdmits(policy, 'ingress', calico[peer]!), `${peer} → pg-1`).toBe(false);
      expect(ipBlockAdmits(policy, 'egress', calico[peer]!), `pg-1 → ${peer}`).toBe(false);
    }
    // The kubelet's probes come from the node's address.
    expect(ipBlockAdmits(policy, 'ingress', '172.18.0.3')).toBe(true);
  });

  // Cilium's NetworkPolicy documentation: ipBlock selects node IPs (and so the API server) only with
  // policy-cidr-match-mode=nodes, from 1.15; cilium/cilium#20550.
  it('on Cilium without policy-cidr-match-mode=nodes the NetworkPolicy faults are refused (the scenario is skipped), with it they run', async () => {
    fake.put({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'ciliumnetworkpolicies.cilium.io' } });
    const refused = await primitives().isolateInstances(['pg-1'], { fromDcs: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PrimitiveUnsupportedError);
    expect((refused as Error).message).toMatch(/Cilium .*policy-cidr-match-mode .*API server/);
    expect(storedPolicies().size).toBe(0);
    fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cilium-config', namespace: 'kube-system' }, data: { 'policy-cidr-match-mode': 'nodes' } });
    const faults = primitives();
    await faults.isolateInstances(['pg-1'], { fromDcs: false });
    expect([...storedPolicies().keys()]).toEqual(['pgdrill-run-1-pg-1']);
  });

  it('without node access, a zone partition isolates the zone instances by NetworkPolicy', async () => {
    const faults = new KubeFaultPrimitives(apiContext());
    await faults.isolateZone('a');
    expect([...storedPolicies().keys()]).toEqual(['pgdrill-run-1-pg-1']);
    await faults.rejoinZone('a');
    expect(storedPolicies().size).toBe(0);
    expect(docker.calls).toHaveLength(0);
  });
});

// kind's kindnetd builds kube-network-policies' dataplane without StrictMode (kind
// images/kindnetd/cmd/kindnetd/main.go): only new connections are judged, established ones pass by conntrack.
describe('a NetworkPolicy partition also ends the connections established before it', () => {
  const primaryNow = (): string => (fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', names.namespace)?.status as { currentPrimary: string }).currentPrimary;

  it('on kind: replication across the cut is down, the isolated pod conntrack entries are gone on every node, and a new connection fails', async () => {
    docker.withDockerNodes();
    const network = new FakePodNetwork(fake, names.namespace, primaryNow).establish(PODS).install(docker);
    expect(network.streaming('pg-2') && network.streaming('pg-3') && network.apiWatch('pg-1')).toBe(true);
    const faults = primitives();
    await faults.isolateInstances(['pg-1'], { fromDcs: true });
    // What a user of the drill needs: no replica streams from the cut-off primary, its API watch is cut too.
    expect(network.streaming('pg-2')).toBe(false);
    expect(network.streaming('pg-3')).toBe(false);
    expect(network.apiWatch('pg-1')).toBe(false);
    expect(await faults.cutEvidence({ instances: ['pg-1'] })).toMatch(/pg-2 → pg-1 no answer/);
    const ip = (fake.get('v1', 'Pod', 'pg-1', names.namespace)?.status as { podIP: string }).podIP;
    for (const node of ['pgdrill-control-plane', 'pgdrill-worker', 'pgdrill-worker2', 'pgdrill-worker3']) {
      expect(network.flushed).toEqual(expect.arrayContaining([`${node} -s ${ip}`, `${node} -d ${ip}`, `${node} -r ${ip}`]));
    }
    expect(network.terminated).toEqual(['pg-1 walsender pg-2,pg-3', 'pg-2 walreceiver', 'pg-3 walreceiver']);
    // Healed: the walreceivers' next attempts get through.
    await faults.rejoinInstances(['pg-1']);
    expect(await faults.rejoinedEvidence({ instances: ['pg-1'] })).toMatch(/pg-2 → pg-1 answers/);
  });

  it('a replica cut off: only its own replication ends, the others keep streaming', async () => {
    docker.withDockerNodes();
    const network = new FakePodNetwork(fake, names.namespace, primaryNow).establish(PODS).install(docker);
    await primitives().isolateInstances(['pg-3'], { fromDcs: false });
    expect(network.streaming('pg-3')).toBe(false);
    expect(network.streaming('pg-2')).toBe(true);
    expect(network.terminated).toEqual(['pg-1 walsender pg-3', 'pg-3 walreceiver']);
  });

  it('without node access (an existing cluster): replication across the cut still ends; conntrack is not touched', async () => {
    const network = new FakePodNetwork(fake, names.namespace, primaryNow).establish(PODS).install();
    await new KubeFaultPrimitives(apiContext()).isolateInstances(['pg-1'], { fromDcs: true });
    expect(network.streaming('pg-2') || network.streaming('pg-3')).toBe(false);
    expect(docker.calls).toEqual([]);
  });
});

describe('the namespace guard of the kubernetes target', () => {
  it('refuses every fault before any call when the namespace is not allowed, and lets heals run', async () => {
    const faults = new KubeFaultPrimitives(apiContext({ allowed: false }));
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

  // Force deletion (grace 0) leaves the containers running for terminationGracePeriodSeconds:
  // kubernetes/kubernetes#115819 and #120449; CloudNativePG sets it from stopDelay (1800 s).
  it('returns once the old postmaster is gone: the container of the deleted pod has ended, not merely the API object', async () => {
    kubelet.onContainerEnd(async ({ name }) => {
      if (name === 'pg-1') await server.stop('immediate');
    });
    await primitives({ endpoint: () => server.connection }).killInstance('pg-1');
    expect(await postmasterStart(server.connection)).toBeNull();
    await server.resume();
  });

  it('fails when the instance still answers after its bound', async () => {
    const error = await primitives({ endpoint: () => server.connection })
      .killInstance('pg-2')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toBe('instance pg-2: its old postmaster still answers 0.6s after its pod was deleted');
  });
});
