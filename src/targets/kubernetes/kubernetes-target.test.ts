import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InfrastructureError, UsageError } from '../../errors.ts';
import { silentProgress } from '../../progress/progress.ts';
import { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import { LocalPostgres } from '../../../test/support/local-postgres.ts';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { parseKubeGeneration } from '../kube/kube-generation.ts';
import type { KubeTarget } from '../kube/kube-target.ts';
import { manifestProblems } from '../kube/manifest-validation.ts';
import type { KubeObject } from '../kube/resources.ts';
import { kubernetesDriver } from './kubernetes-driver.ts';
import { assertFaultsAllowed, cleanupKubernetesRun, kubernetesOptionsFromScenario, startKubernetesTarget, type KubernetesDrillOptions } from './kubernetes-target.ts';

let server: LocalPostgres;

beforeAll(async () => {
  server = await LocalPostgres.start({ instanceName: 'unnamed' });
  await server.adminQuery('CREATE DATABASE app OWNER pgdrill_app', 'postgres');
}, 60_000);

afterAll(async () => {
  await server?.destroy();
});

let fake: FakeKubeApi;
let teardowns: TeardownStack;
let target: KubeTarget | undefined;

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  seedClusterBasics(fake);
  installCnpgKinds(fake);
  fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'staging' } });
  simulateCluster(fake, {
    credentials: () => ({ app: { user: server.connection.user, password: server.connection.password }, superuser: { user: server.admin.user, password: server.admin.password } }),
  });
  fake.portForwardHandler = ({ port }) => (port === 5432 ? { port: server.port } : 'refuse');
  teardowns = new TeardownStack();
  target = undefined;
  fake.requests.length = 0;
});

afterEach(async () => {
  await target?.closeEndpoints();
  await fake.close();
});

const options = (allowDestructive: string[] = [], overrides: Partial<KubernetesDrillOptions> = {}): KubernetesDrillOptions => ({
  ...kubernetesOptionsFromScenario({
    runId: 'run-1',
    cluster: { zones: ['a', 'b', 'c'], synchronous: 'strict', dcs: 'per-zone', failsafe: false, etcdApi: 'v3' },
    kubernetes: { namespace: 'staging', allowDestructive },
  }),
  firstBackup: false,
  ...overrides,
});

const start = async (o: KubernetesDrillOptions = options()): Promise<KubeTarget> => {
  target = await startKubernetesTarget({ options: o, progress: silentProgress(), teardowns, config: fake.kubeConfig(), timeouts: { store: 5_000, cluster: 5_000, backup: 5_000 } });
  return target;
};

describe('startKubernetesTarget on an existing cluster (fake API)', () => {
  it('creates only labelled objects in the given namespace, and installs nothing cluster-wide', async () => {
    const t = await start();
    const writes = fake.requests.filter((r) => r.method !== 'GET' && r.method !== 'WS');
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) expect(w.path).toMatch(/\/namespaces\/staging\//);
    for (const w of writes.filter((r) => r.method === 'PATCH')) {
      const body = w.body as KubeObject;
      expect(body.metadata.labels?.['pgdrill.run']).toBe('run-1');
      expect(manifestProblems(body)).toEqual([]);
    }
    const cluster = fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pgdrill-run-1', 'staging') as unknown as KubeObject & { spec: Record<string, unknown> };
    expect(cluster.spec).toMatchObject({ instances: 3, postgresql: { synchronous: { dataDurability: 'required' } } });
    // On a shared cluster the store is not pinned to the control plane.
    expect(JSON.stringify(fake.get('apps/v1', 'Deployment', 'pgdrill-run-1-s3', 'staging'))).not.toContain('node-role.kubernetes.io/control-plane');
    expect(t.instances.map((i) => i.name)).toEqual(['pgdrill-run-1-1', 'pgdrill-run-1-2', 'pgdrill-run-1-3']);
    expect((await t.versions()).kubeContext).toBe('fake');
  });

  it('refuses faults in a namespace not allowed, and keeps backups and restores', async () => {
    const t = await start(options([]));
    expect(t.backups).toBeDefined();
    await expect(t.faults.killInstance('pgdrill-run-1-1')).rejects.toBeInstanceOf(UsageError);
    expect(fake.calls('DELETE')).toHaveLength(0);
  });

  it('runs faults in an allowed namespace', async () => {
    // The kubelet kills the pod's containers: its postmaster goes, a new one starts with the recreated pod.
    fake.onWrite(async ({ verb, object }) => {
      if (verb === 'delete' && object.kind === 'Pod') await server.stop('immediate');
    });
    const t = await start(options(['staging']));
    await t.faults.killInstance('pgdrill-run-1-2');
    await server.resume();
    expect(fake.calls('DELETE').map((c) => c.path)).toEqual(['/api/v1/namespaces/staging/pods/pgdrill-run-1-2']);
  });

  it('teardown deletes exactly what carries the run label', async () => {
    fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-credentials', namespace: 'staging' } });
    fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other-run', namespace: 'staging', labels: { 'pgdrill.run': 'run-2' } } });
    await start();
    await teardowns.runAll();
    const deleted = fake.calls('DELETE').map((c) => c.path.split('/').slice(-2).join('/'));
    expect(deleted).toEqual(expect.arrayContaining(['clusters/pgdrill-run-1', 'objectstores/pgdrill-run-1-store', 'deployments/pgdrill-run-1-s3', 'services/pgdrill-run-1-s3', 'secrets/pgdrill-run-1-s3-credentials']));
    expect(deleted).not.toContain('secrets/app-credentials');
    expect(deleted).not.toContain('secrets/other-run');
    expect(fake.get('v1', 'Secret', 'app-credentials', 'staging')).toBeDefined();
    expect(fake.get('v1', 'Secret', 'other-run', 'staging')).toBeDefined();
    expect(fake.get('v1', 'Namespace', 'staging')).toBeDefined();
    expect(fake.list('v1', 'Pod', 'staging').filter((p) => p.metadata.labels?.['pgdrill.run'] === 'run-1')).toEqual([]);
  });

  it('archives into an existing object store under a prefix of the run, without deploying one', async () => {
    fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's3-creds', namespace: 'staging' }, data: { ACCESS_KEY_ID: 'YWs=', ACCESS_SECRET_KEY: 'c2s=' } });
    const t = await start(options([], { store: { kind: 'existing', destinationPath: 's3://backups/drills', endpointURL: 'https://s3.example.test', credentialsSecret: 's3-creds' } }));
    expect(fake.get('apps/v1', 'Deployment', 'pgdrill-run-1-s3', 'staging')).toBeUndefined();
    const store = fake.get('barmancloud.cnpg.io/v1', 'ObjectStore', 'pgdrill-run-1-store', 'staging') as unknown as KubeObject & { spec: { configuration: Record<string, unknown> } };
    expect(store.spec.configuration).toMatchObject({ destinationPath: 's3://backups/drills/run-1/', endpointURL: 'https://s3.example.test', s3Credentials: { accessKeyId: { name: 's3-creds', key: 'ACCESS_KEY_ID' } } });
    expect(t.secrets()).toContain('sk');
  });

  // AWS Signature Version 4 scopes the signing key to a region: a bucket outside us-east-1 refuses a request signed
  // for us-east-1 (AuthorizationHeaderMalformed), so the archive listing would fail on most real buckets.
  it('signs the WAL listing of an existing store for the region it is given', async () => {
    const authorizations: string[] = [];
    const s3 = http.createServer((req, res) => {
      authorizations.push(String(req.headers.authorization ?? ''));
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end('<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>drills/run-1/pgdrill-run-1/wals/0000000100000000/000000010000000000000001.gz</Key></Contents></ListBucketResult>');
    });
    const port = await new Promise<number>((resolve) => s3.listen(0, '127.0.0.1', () => resolve((s3.address() as net.AddressInfo).port)));
    try {
      fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's3-creds', namespace: 'staging' }, data: { ACCESS_KEY_ID: 'YWs=', ACCESS_SECRET_KEY: 'c2s=' } });
      const t = await start(options([], { store: { kind: 'existing', destinationPath: 's3://backups/drills', endpointURL: `http://127.0.0.1:${port}`, credentialsSecret: 's3-creds', region: 'eu-west-1' } }));
      expect(await t.archivedWal!()).toEqual(['000000010000000000000001']);
      expect(authorizations.at(-1)).toMatch(/^AWS4-HMAC-SHA256 Credential=ak\/\d{8}\/eu-west-1\/s3\/aws4_request, /);
    } finally {
      await new Promise((r) => s3.close(r));
    }
  });

  it('refuses a cluster without CloudNativePG, and a namespace that does not exist', async () => {
    fake.remove('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'objectstores.barmancloud.cnpg.io');
    await expect(start()).rejects.toThrow(/CRD objectstores\.barmancloud\.cnpg\.io is missing on this cluster: install CloudNativePG and plugin-barman-cloud first/);
    const missing = options([], { backupMethod: 'barmanObjectStore' });
    missing.kubernetes = { namespace: 'nope', allowDestructive: [] };
    const error = await start(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toBe('namespace nope does not exist: create it, or name an existing one');
  });
});

describe('cleanup of a run left behind (--keep)', () => {
  it('removes what carries the run label, nothing else', async () => {
    fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kept', namespace: 'staging', labels: { 'pgdrill.run': 'run-5' } } });
    fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'theirs', namespace: 'staging' } });
    expect(await cleanupKubernetesRun({ runId: 'run-5', namespace: 'staging', config: fake.kubeConfig() })).toBe(1);
    expect(fake.get('v1', 'Secret', 'kept', 'staging')).toBeUndefined();
    expect(fake.get('v1', 'Secret', 'theirs', 'staging')).toBeDefined();
  });
});

describe('the destructive-fault guard, before anything starts', () => {
  it('exits 2 for a scenario with faults in a namespace not allowed', () => {
    let error: unknown;
    try {
      assertFaultsAllowed({ namespace: 'prod', allowDestructive: ['staging'] }, ['primary-kill', 'partition']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toBe('refusing to run primary-kill, partition in namespace prod: faults on an existing cluster need --allow-destructive prod');
    expect(() => assertFaultsAllowed({ namespace: 'prod', allowDestructive: [] }, [])).not.toThrow();
    expect(() => assertFaultsAllowed({ namespace: 'staging', allowDestructive: ['staging'] }, ['zone-loss'])).not.toThrow();
  });

  it("the driver's preflight refuses a scenario's faults outside the allow-list, before anything starts (exit 2)", async () => {
    const target = kubernetesDriver.configure({ namespace: 'prod' });
    const plan = { runId: 'run-1', cluster: { zones: ['a', 'b', 'c'], synchronous: 'on' as const, dcs: 'per-zone' as const, failsafe: false, etcdApi: 'v2' as const } };
    await expect(target.preflight({ ...plan, faultKinds: ['primary-kill'] })).rejects.toThrow('need --allow-destructive prod');
    expect([...target.capabilities().primitives].sort()).toEqual(['archiveStall', 'instanceKill', 'partition', 'postgresKill', 'rollingRestart', 'switchover']);
  });
});

describe('--generation on an existing cluster: the installed operator must be the asked one', () => {
  const plan = { runId: 'run-1', faultKinds: [], cluster: { zones: ['a', 'b', 'c'], synchronous: 'on' as const, dcs: 'per-zone' as const, failsafe: false, etcdApi: 'v2' as const } };
  const installOperator = (image: string): void => {
    fake.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cnpg-controller-manager', namespace: 'cnpg-system' },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'manager', image }] } } },
    });
  };
  const preflight = async (generation: string): Promise<unknown> => {
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-kubeconfig-'));
    await writeFile(join(dir, 'config'), fake.kubeConfigText());
    vi.stubEnv('KUBECONFIG', join(dir, 'config'));
    try {
      return await kubernetesDriver.configure({ namespace: 'staging', generation }).preflight(plan).catch((e: unknown) => e);
    } finally {
      vi.unstubAllEnvs();
    }
  };

  it('refuses a mismatched installed operator, or none, before anything is created (exit 3)', async () => {
    installOperator('ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0');
    const error = await preflight('cnpg-1.29.2');
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).exitCode).toBe(3);
    expect((error as Error).message).toBe(
      '--generation asks for CloudNativePG 1.29.2, but deployment cnpg-system/cnpg-controller-manager runs ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0: the kubernetes target installs no operator (upgrade it, or name the installed version)',
    );
    expect(fake.calls('PATCH')).toEqual([]);
    await expect(preflight('cnpg-1.30.0+ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie')).resolves.toBeUndefined();
    fake.remove('apps/v1', 'Deployment', 'cnpg-controller-manager', 'cnpg-system');
    expect(((await preflight('cnpg-1.30.0')) as Error).message).toMatch(/deployment cnpg-system\/cnpg-controller-manager is not there/);
  });

  it("the generation's image is the Cluster's imageName, and the report names the generation", async () => {
    installOperator('ghcr.io/cloudnative-pg/cloudnative-pg:1.29.2');
    const g = parseKubeGeneration('cnpg-1.29.2+ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie');
    const o = options([], { postgresImage: g.postgresImage });
    const t = await start({ ...o, kubernetes: { ...o.kubernetes, operator: g.operator } });
    const cluster = fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pgdrill-run-1', 'staging') as unknown as { spec: { imageName?: string } };
    expect(cluster.spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie');
    expect(await t.versions()).toMatchObject({ stack: g.name, cloudnativePg: 'ghcr.io/cloudnative-pg/cloudnative-pg:1.29.2' });
    // The same check when started without the driver's preflight.
    await target?.closeEndpoints();
    target = undefined;
    const wrong = await start({ ...o, kubernetes: { ...o.kubernetes, operator: parseKubeGeneration('cnpg-1.28.4').operator } }).catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(/^--generation asks for CloudNativePG 1\.28\.4, but deployment cnpg-system\/cnpg-controller-manager runs ghcr\.io\/cloudnative-pg\/cloudnative-pg:1\.29\.2/);
  });
});

/** A cluster whose nodes carry a cloud provider's zone names, as a staging cluster's do. */
const CLOUD_NODES = [
  { name: 'ip-10-0-1-10', zone: 'eu-west-1a', podCidr: '10.244.1.0/24' },
  { name: 'ip-10-0-2-10', zone: 'eu-west-1b', podCidr: '10.244.2.0/24' },
  { name: 'ip-10-0-3-10', zone: 'eu-west-1c', podCidr: '10.244.3.0/24' },
];

describe('zones of a real cluster (topology.kubernetes.io/zone values)', () => {
  beforeEach(async () => {
    await fake.close();
    fake = await FakeKubeApi.start();
    seedClusterBasics(fake, CLOUD_NODES);
    installCnpgKinds(fake);
    fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'staging' } });
    simulateCluster(fake, {
      nodes: CLOUD_NODES,
      credentials: () => ({ app: { user: server.connection.user, password: server.connection.password }, superuser: { user: server.admin.user, password: server.admin.password } }),
    });
    fake.portForwardHandler = ({ port }) => (port === 5432 ? { port: server.port } : 'refuse');
  });

  const mapped = (zoneMap: Record<string, string> | undefined): KubernetesDrillOptions => {
    const o = options(['staging']);
    return { ...o, ...(zoneMap ? { zoneMap } : {}), kubernetes: { ...o.kubernetes, ...(zoneMap ? { zoneMap } : {}) } };
  };

  it('places the instances in the mapped zones and reports them under the scenario zone names', async () => {
    const t = await start(kubernetesOptionsFromScenario({ ...mapped(undefined), runId: 'run-1', cluster: { zones: ['a', 'b', 'c'], synchronous: 'strict', dcs: 'per-zone', failsafe: false, etcdApi: 'v3' }, kubernetes: { namespace: 'staging', allowDestructive: ['staging'], zoneMap: { a: 'eu-west-1a', b: 'eu-west-1b', c: 'eu-west-1c' } } }));
    const cluster = fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pgdrill-run-1', 'staging') as unknown as { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array<{ matchExpressions: Array<{ values: string[] }> }> } } } } };
    expect(cluster.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]!.matchExpressions[0]!.values).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(t.instances.map((i) => i.zone).sort()).toEqual(['a', 'b', 'c']);
    // A zone fault goes to the mapped zone's nodes.
    await t.faults.isolateZone('b');
    expect(fake.calls('GET', /\/nodes$/).map((c) => c.query.labelSelector)).toContain('topology.kubernetes.io/zone=eu-west-1b');
    await t.faults.rejoinZone('b');
  });

  it('refuses, before anything is created, scenario zones the cluster does not have (exit 2, one line, the fix named)', async () => {
    const error = await start(mapped(undefined)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      'the cluster has no schedulable node in zone(s) a, b, c (its zones: eu-west-1a, eu-west-1b, eu-west-1c); map the scenario\'s zones with --zone-map a=eu-west-1a,b=eu-west-1b,c=eu-west-1c',
    );
    expect(fake.calls('PATCH')).toEqual([]);
    const wrong = await start(mapped({ a: 'eu-west-1a', b: 'eu-west-1b', c: 'eu-west-1d' })).catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(/^the cluster has no schedulable node in zone\(s\) c \(eu-west-1d\) \(its zones: /);
  });

  it('the --zone-map flag: parsed and checked against the scenario zones and the cluster in the preflight', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-kubeconfig-'));
    await writeFile(join(dir, 'config'), fake.kubeConfigText());
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = join(dir, 'config');
    try {
      const plan = { runId: 'run-1', faultKinds: [], cluster: { zones: ['a', 'b', 'c'], synchronous: 'on' as const, dcs: 'per-zone' as const, failsafe: false, etcdApi: 'v2' as const } };
      await expect(kubernetesDriver.configure({ namespace: 'staging', zoneMap: 'a=eu-west-1a,b=eu-west-1b,c=eu-west-1c' }).preflight(plan)).resolves.toBeUndefined();
      await expect(kubernetesDriver.configure({ namespace: 'staging', zoneMap: 'a=eu-west-1a,b=eu-west-1b' }).preflight(plan)).rejects.toThrow(
        'the zone map names no cluster zone for scenario zone(s) c: add c=<cluster zone>',
      );
      await expect(kubernetesDriver.configure({ namespace: 'staging' }).preflight(plan)).rejects.toBeInstanceOf(UsageError);
      expect(() => kubernetesDriver.configure({ namespace: 'staging', zoneMap: 'a:eu-west-1a' })).toThrow('--zone-map: "a:eu-west-1a" is not <scenario zone>=<cluster zone>, e.g. a=eu-west-1a');
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });
});

describe('CloudNativePG beside the instances under test', () => {
  it('warns when the operator, the plugin or cert-manager share a node with an instance', async () => {
    const notes: string[] = [];
    const progress = { phase: <T>(_: string, work: () => Promise<T>) => work(), note: (m: string) => void notes.push(m), timings: [] };
    fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cnpg-system' } });
    fake.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'barman-cloud-5f7c-abcde', namespace: 'cnpg-system' }, spec: { nodeName: 'pgdrill-worker' }, status: { phase: 'Running' } });
    fake.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cnpg-controller-manager-6d-xyz', namespace: 'cnpg-system' }, spec: { nodeName: 'pgdrill-control-plane' }, status: { phase: 'Running' } });
    target = await startKubernetesTarget({ options: options(), progress, teardowns, config: fake.kubeConfig(), timeouts: { store: 5_000, cluster: 5_000, backup: 5_000 } });
    expect(notes.filter((n) => n.startsWith('warning:'))).toEqual([
      'warning: cnpg-system/barman-cloud-5f7c-abcde runs on pgdrill-worker with instance pgdrill-run-1-1: a fault on that node takes it too (with the plugin unreachable CloudNativePG does not fail over); move them to nodes no drill touches',
    ]);
  });
});

describe('kube context selection', () => {
  it('refuses a context the kubeconfig does not have (exit 2), before any request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-kubeconfig-'));
    const file = join(dir, 'config');
    await writeFile(file, fake.kubeConfigText());
    const o = options();
    o.kubernetes = { ...o.kubernetes, kubeconfig: file, context: 'production' };
    const error = await startKubernetesTarget({ options: o, progress: silentProgress(), teardowns }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('no context named production in the kubeconfig (contexts: fake)');
    expect(fake.requests).toHaveLength(0);
  });
});
