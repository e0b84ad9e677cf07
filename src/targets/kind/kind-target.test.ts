import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InfrastructureError, UsageError } from '../../errors.ts';
import { silentProgress } from '../../progress/progress.ts';
import { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import { LocalPostgres } from '../../../test/support/local-postgres.ts';
import { FakeCommandRunner } from '../../../test/fixtures/kube/fake-command-runner.ts';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { seedClusterBasics, simulateCluster, type ClusterCredentials } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { parseKubeGeneration } from '../kube/kube-generation.ts';
import type { KubeTarget } from '../kube/kube-target.ts';
import { manifestProblems } from '../kube/manifest-validation.ts';
import type { KubeObject } from '../kube/resources.ts';
import { cleanupKindRun, kindOptionsFromScenario, startKindTarget, type KindDrillOptions } from './kind-target.ts';

const manifest = (file: string): string => fileURLToPath(new URL(`../../../test/fixtures/kube/manifests/${file}`, import.meta.url));
const MANIFESTS = {
  cnpg: manifest('cnpg-1.30.0.yaml'),
  certManager: manifest('cert-manager.yaml'),
  barmanCloudPlugin: manifest('plugin-barman-cloud-0.14.0.yaml'),
};

/** A primary with two streaming replicas and a standalone "restored" server: what the fake port-forwards reach. */
let primary: LocalPostgres;
let replicas: LocalPostgres[];
let restored: LocalPostgres;
let restoredReplicas: LocalPostgres[];
let s3: http.Server;
let s3Port: number;
const s3Requests: Array<{ url: string; authorization: string }> = [];

beforeAll(async () => {
  primary = await LocalPostgres.start({ instanceName: 'pg-1', settings: { archive_mode: 'on', archive_command: "'true'" } });
  await primary.adminQuery('CREATE DATABASE app OWNER pgdrill_app', 'postgres');
  // What the Cluster's postInitApplicationSQL grants the app owner.
  await primary.adminQuery('GRANT EXECUTE ON FUNCTION pg_switch_wal() TO pgdrill_app', 'app');
  replicas = [await primary.startReplica('pg-2'), await primary.startReplica('pg-3')];
  // Quorum commit as CloudNativePG configures it for synchronous "any 1", once the standbys stream.
  await primary.setSetting('synchronous_standby_names', `'ANY 1 ("pg-2", "pg-3")'`);
  restored = await LocalPostgres.start({ instanceName: 'pg-r1-1' });
  await restored.adminQuery('CREATE DATABASE app OWNER pgdrill_app', 'postgres');
  // A restore into a cluster: the restored primary's two replicas, streaming from it.
  restoredReplicas = [await restored.startReplica('pg-r1-2'), await restored.startReplica('pg-r1-3')];
  s3 = http.createServer((req, res) => {
    s3Requests.push({ url: req.url ?? '', authorization: String(req.headers.authorization ?? '') });
    res.writeHead(200, { 'Content-Type': 'application/xml' });
    res.end(
      `<ListBucketResult><IsTruncated>false</IsTruncated>${[
        'pg/wals/0000000100000000/000000010000000000000001.gz',
        'pg/wals/0000000100000000/000000010000000000000002.gz',
        'pg/wals/0000000100000000/000000010000000000000002.00000028.backup.gz',
        'pg/base/20260301T100000/data.tar.gz',
      ]
        .map((k) => `<Contents><Key>${k}</Key></Contents>`)
        .join('')}</ListBucketResult>`,
    );
  });
  s3Port = await new Promise((resolve) => s3.listen(0, '127.0.0.1', () => resolve((s3.address() as net.AddressInfo).port)));
}, 120_000);

afterAll(async () => {
  for (const r of replicas ?? []) await r.destroy();
  await primary?.destroy();
  for (const r of restoredReplicas ?? []) await r.destroy();
  await restored?.destroy();
  await new Promise((r) => s3?.close(r));
});

let fake: FakeKubeApi;
let runner: FakeCommandRunner;
let teardowns: TeardownStack;
let target: KubeTarget | undefined;

const credentials = (server: LocalPostgres): ClusterCredentials => ({
  app: { user: server.connection.user, password: server.connection.password },
  superuser: { user: server.admin.user, password: server.admin.password },
});

/** kind's own add-ons, as a fresh kind cluster runs them (unpinned: the scheduler may put them on any node). */
function seedKindAddons(): void {
  for (const [namespace, name] of [['kube-system', 'coredns'], ['local-path-storage', 'local-path-provisioner']] as const) {
    fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    fake.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: { replicas: 1, template: { metadata: { labels: { app: name } }, spec: { tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }], containers: [{ name, image: `${name}:v1` }] } } },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] },
    });
  }
}

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  seedClusterBasics(fake);
  seedKindAddons();
  simulateCluster(fake, { credentials: (cluster) => credentials(cluster === 'pg' ? primary : restored) });
  fake.portForwardHandler = ({ pod, port }) => {
    const servers: Record<string, LocalPostgres | undefined> = {
      'pg-1': primary,
      'pg-2': replicas[0],
      'pg-3': replicas[1],
      'pg-r1-1': restored,
      'pg-r1-2': restoredReplicas[0],
      'pg-r1-3': restoredReplicas[1],
    };
    if (port === 5432 && servers[pod]) return { port: servers[pod]!.port };
    if (port === 9000 && pod.startsWith('pg-s3-')) return { port: s3Port };
    return 'refuse';
  };
  runner = new FakeCommandRunner()
    .withTools()
    .on('kind', /^get clusters$/, { stdout: '' })
    .on('kind', /^create cluster /, {})
    .on('kind', /^get kubeconfig --name pgdrill$/, () => ({ stdout: fake.kubeConfigText() }))
    .on('kind', /^delete cluster --name pgdrill$/, {});
  teardowns = new TeardownStack();
  target = undefined;
});

afterEach(async () => {
  await target?.closeEndpoints();
  await fake.close();
});

const options = (overrides: Partial<KindDrillOptions> = {}): KindDrillOptions => {
  const base = kindOptionsFromScenario({ runId: 'run-1', cluster: { zones: ['a', 'b', 'c'], synchronous: 'on', dcs: 'per-zone', failsafe: false, etcdApi: 'v3' }, kind: { manifests: MANIFESTS } });
  return { ...base, ...overrides };
};

const start = async (o: KindDrillOptions = options()): Promise<KubeTarget> => {
  target = await startKindTarget({ options: o, progress: silentProgress(), teardowns, runner: runner.run, timeouts: { store: 5_000, cluster: 5_000, backup: 5_000, restore: 5_000 } });
  return target;
};

const query = async (connection: pg.ClientConfig, sql: string): Promise<pg.QueryResultRow[]> => {
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
};

describe('startKindTarget against the fake API and a fake docker/kind', () => {
  it('creates the kind cluster from kind-config/, registering its removal first', async () => {
    let registeredBeforeCreate = -1;
    runner.on('kind', /^create cluster /, () => {
      registeredBeforeCreate = teardowns.size;
      return {};
    });
    await start();
    expect(registeredBeforeCreate).toBe(1);
    const create = runner.calls.find((c) => c.line.startsWith('kind create cluster'))!;
    expect(create.args).toEqual(['create', 'cluster', '--name', 'pgdrill', '--config', expect.stringMatching(/kind-config\/three-zones\.yaml$/), '--wait', '180s']);
    expect(runner.lines().slice(0, 3)).toEqual(['docker version --format {{.Server.Version}}', 'kind version', 'kubectl version --client -o json']);
  });

  it('installs the operator, cert-manager and the plugin, each document dry-run before it is applied', async () => {
    await start();
    const applies = fake.calls('PATCH').filter((c) => c.contentType === 'application/apply-patch+yaml');
    const operator = applies.filter((c) => c.path === '/apis/apps/v1/namespaces/cnpg-system/deployments/cnpg-controller-manager');
    expect(operator.map((c) => c.query.dryRun ?? 'applied')).toEqual(['All', 'applied']);
    for (const d of ['cert-manager', 'cert-manager-cainjector', 'cert-manager-webhook']) {
      expect(applies.some((c) => c.path === `/apis/apps/v1/namespaces/cert-manager/deployments/${d}` && !c.query.dryRun)).toBe(true);
    }
    expect(applies.some((c) => c.path === '/apis/apps/v1/namespaces/cnpg-system/deployments/barman-cloud' && !c.query.dryRun)).toBe(true);
    // Every CRD was waited for until established, with a watch, before the next document.
    expect(fake.calls('GET', /customresourcedefinitions$/).some((c) => c.query.watch === 'true')).toBe(true);
  });

  // CloudNativePG 1.30 internal/controller/cluster_controller.go: with the plugin unreachable every reconcile ends in
  // PhaseFailurePlugin, before any failover. A fault never touches the control plane, so all of it runs there.
  it('runs the operator, the plugin, cert-manager, CoreDNS and the volume provisioner on the control plane, which no fault touches', async () => {
    await start();
    const pinned = [
      ['cnpg-system', 'cnpg-controller-manager'],
      ['cnpg-system', 'barman-cloud'],
      ['cert-manager', 'cert-manager'],
      ['cert-manager', 'cert-manager-cainjector'],
      ['cert-manager', 'cert-manager-webhook'],
      ['kube-system', 'coredns'],
      ['local-path-storage', 'local-path-provisioner'],
    ];
    for (const [ns, name] of pinned) {
      const d = fake.get('apps/v1', 'Deployment', name!, ns) as unknown as { spec: { template: { spec: { nodeSelector?: Record<string, string>; tolerations?: unknown[] } } } };
      expect(d.spec.template.spec.nodeSelector, `${ns}/${name}`).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
      expect(d.spec.template.spec.tolerations).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' });
      const pod = fake.list('v1', 'Pod', ns).find((p) => p.metadata.name.startsWith(`${name}-`));
      expect((pod?.spec as { nodeName?: string } | undefined)?.nodeName, `${ns}/${name}`).toBe('pgdrill-control-plane');
    }
    // What CoreDNS tolerated before is kept: a merge patch replaces the whole list.
    expect((fake.get('apps/v1', 'Deployment', 'coredns', 'kube-system')!.spec as { template: { spec: { tolerations: unknown[] } } }).template.spec.tolerations).toContainEqual({ key: 'CriticalAddonsOnly', operator: 'Exists' });
  });

  // CloudNativePG's release manifest (config/manager/manager.yaml) pulls its operator Always; plugin-barman-cloud's keeps
  // its sidecar image base64 in a Secret (SIDECAR_IMAGE), injected later into every instance pod.
  it('air-gapped: loads every image the manifests name, the plugin sidecar included, and nothing pulls', async () => {
    runner.on('kind', /^load docker-image /, {}).on('docker', /^image inspect /, { code: 1 });
    await start(options({ kind: { ...options().kind, airGapped: true } }));
    const loaded = runner.lines('kind').filter((l) => l.startsWith('kind load docker-image')).map((l) => l.split(' ')[3]);
    expect(loaded).toEqual(
      expect.arrayContaining([
        'ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0',
        'ghcr.io/cloudnative-pg/plugin-barman-cloud:v0.14.0',
        'ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v0.14.0',
        'docker.io/rustfs/rustfs:1.0.0-beta.8-glibc',
        'docker.io/library/busybox:1.38.0',
      ]),
    );
    const operator = fake.get('apps/v1', 'Deployment', 'cnpg-controller-manager', 'cnpg-system')!.spec as { template: { spec: { containers: Array<{ imagePullPolicy?: string }> } } };
    expect(operator.template.spec.containers.map((c) => c.imagePullPolicy)).toEqual(['IfNotPresent']);
  });

  it('creates the drill in a namespace of its own: every object valid, all dry-run before the first is stored', async () => {
    await start();
    const drill = fake.calls('PATCH').filter((c) => c.path.includes('/namespaces/pgdrill-run-1/') && c.contentType === 'application/apply-patch+yaml');
    const firstReal = drill.findIndex((c) => !c.query.dryRun);
    const dryRunsBefore = drill.slice(0, firstReal).map((c) => c.path.split('/').slice(-2).join('/'));
    expect(dryRunsBefore).toEqual(['secrets/pg-s3-credentials', 'deployments/pg-s3', 'services/pg-s3', 'objectstores/pg-store', 'clusters/pg']);
    for (const call of drill) expect(manifestProblems(call.body as KubeObject)).toEqual([]);
    const cluster = fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', 'pgdrill-run-1') as unknown as KubeObject & { spec: Record<string, unknown> };
    expect(cluster.spec).toMatchObject({ instances: 3, postgresql: { synchronous: { method: 'any', number: 1, dataDurability: 'preferred' } } });
    expect(fake.get('v1', 'Namespace', 'pgdrill-run-1')?.metadata.labels).toMatchObject({ 'pgdrill.run': 'run-1', 'pgdrill.owned-namespace': 'true' });
    // The first backup: a Backup resource with the plugin method.
    const backups = fake.list('postgresql.cnpg.io/v1', 'Backup', 'pgdrill-run-1');
    expect(backups).toHaveLength(1);
    expect(backups[0]!.spec).toEqual({ cluster: { name: 'pg' }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } });
  });

  it('gives endpoints that reach the instances and the -rw Service, and a topology from the operator and the instances', async () => {
    const t = await start();
    expect(t.instances.map((i) => [i.name, i.zone])).toEqual([
      ['pg-1', 'a'],
      ['pg-2', 'b'],
      ['pg-3', 'c'],
    ]);
    // Each instance reports its own name (set by pgdrill with ALTER SYSTEM), through its own port-forward.
    for (const i of t.instances) expect((await query(i.connection, "SELECT current_setting('pgdrill.instance') AS n"))[0]?.n).toBe(i.name);
    // The client endpoint follows the -rw Service's ready endpoint: the primary.
    expect((await query(t.client, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    const topology = await t.topology();
    expect(topology.primary).toBe('pg-1');
    expect(topology.instances.map((i) => [i.name, i.role, i.state, i.timeline])).toEqual([
      ['pg-1', 'primary', 'running', 1],
      ['pg-2', 'sync-replica', 'streaming', 1],
      ['pg-3', 'sync-replica', 'streaming', 1],
    ]);
    expect(topology.instances[1]!.lagBytes).toEqual(expect.any(Number));
  });

  it('takes backups, lists them, reads the archive from the store and restores into a new Cluster', async () => {
    const t = await start();
    const backup = await t.backups!.backup('full');
    expect(backup).toMatchObject({ type: 'full', walStart: '000000010000000000000002', walStop: '000000010000000000000003' });
    expect((await t.backups!.listBackups()).map((b) => b.id)).toContain(backup.id);
    expect(await t.archivedWal!()).toEqual(['000000010000000000000001', '000000010000000000000002', '000000010000000000000002.00000028.backup']);
    expect(s3Requests.at(-1)?.url).toBe('/pgdrill?list-type=2&prefix=');
    expect(s3Requests.at(-1)?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=pgdrill[0-9a-f]{12}\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);

    const restore = await t.backups!.restore({ target: { kind: 'time', time: '2026-03-01T10:30:00.000Z' }, shape: 'single', name: 'r1' });
    const cluster = fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg-r1', 'pgdrill-run-1') as unknown as KubeObject & { spec: Record<string, unknown> };
    expect(manifestProblems(cluster)).toEqual([]);
    expect(cluster.spec).toMatchObject({
      instances: 1,
      bootstrap: { recovery: { source: 'origin', recoveryTarget: { targetTime: '2026-03-01 10:30:00.000+00' } } },
      externalClusters: [{ name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'pg-store', serverName: 'pg' } } }],
    });
    expect(restore.name).toBe('pg-r1');
    expect(restore.reached.timeline).toBe(1);
    expect((await query(restore.primary, "SELECT current_setting('pgdrill.instance') AS n"))[0]?.n).toBe('pg-r1-1');
    await restore.teardown();
    expect(fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg-r1', 'pgdrill-run-1')).toBeUndefined();
  });

  it('a cluster restore: its replicas stream, and its drill-inside target acts on the restored Cluster only', async () => {
    const t = await start();
    const restore = await t.backups!.restore({ target: { kind: 'latest' }, shape: 'cluster', name: 'r1' });
    expect(restore.target).toBeUndefined();
    await restore.awaitReplicas!(10_000);
    const inside = restore.target!;
    expect(inside.archives).toBe(false);
    expect(inside.backups).toBeUndefined();
    expect(inside.archivedWal).toBeUndefined();
    expect(inside.instances.map((i) => [i.name, i.zone])).toEqual([
      ['pg-r1-1', 'a'],
      ['pg-r1-2', 'b'],
      ['pg-r1-3', 'c'],
    ]);
    // Its client endpoint follows the restored Cluster's -rw Service, not the source's.
    expect((await query(inside.client, "SELECT current_setting('pgdrill.instance') AS n, pg_is_in_recovery() AS r"))[0]).toEqual({ n: 'pg-r1-1', r: false });
    // Its topology is the restored Cluster's status and instances.
    const topology = await inside.topology();
    expect(topology.primary).toBe('pg-r1-1');
    expect(topology.instances.map((i) => [i.name, i.role])).toEqual([
      ['pg-r1-1', 'primary'],
      ['pg-r1-2', 'replica'],
      ['pg-r1-3', 'replica'],
    ]);
    // Only faults on its own pods and status: no network policy, archive stall or node fault that would reach the source.
    expect(Object.keys(inside.faults).sort()).toEqual(['incarnation', 'killInstance', 'killPostgres', 'startInstance', 'switchover']);
    expect(await inside.faults.incarnation!('pg-r1-2')).toBe(`pod uid ${fake.get('v1', 'Pod', 'pg-r1-2', 'pgdrill-run-1')?.metadata.uid}`);
    const patchesBefore = fake.calls('PATCH').length;
    await inside.faults.switchover!('pg-r1-1', 'pg-r1-2');
    expect(fake.calls('PATCH').slice(patchesBefore).map((c) => c.path)).toEqual(['/apis/postgresql.cnpg.io/v1/namespaces/pgdrill-run-1/clusters/pg-r1/status']);
    expect((fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg-r1', 'pgdrill-run-1')?.status as { currentPrimary: string }).currentPrimary).toBe('pg-r1-2');
    expect((fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', 'pgdrill-run-1')?.status as { currentPrimary: string }).currentPrimary).toBe('pg-1');
    // Its teardown (the inner drill's) removes the restored Cluster and nothing of the source; the restore's own teardown after it does nothing more.
    const clientPort = inside.client.port;
    await inside.teardown();
    await restore.teardown();
    expect(fake.calls('DELETE').map((c) => c.path)).toEqual(['/apis/postgresql.cnpg.io/v1/namespaces/pgdrill-run-1/clusters/pg-r1']);
    expect(fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', 'pgdrill-run-1')).toBeDefined();
    await expect(query({ ...inside.client, port: clientPort }, 'SELECT 1')).rejects.toThrow();
    expect((await query(t.client, 'SELECT 1 AS one'))[0]?.one).toBe(1);
  });

  it('switches over through the operator and reports the new primary', async () => {
    const t = await start();
    await t.faults.switchover('pg-1', 'pg-2');
    const status = fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', 'pgdrill-run-1')?.status as { currentPrimary: string };
    expect(status.currentPrimary).toBe('pg-2');
  });

  it('reports versions and every secret of the run', async () => {
    const t = await start();
    const versions = await t.versions();
    expect(versions).toMatchObject({
      kind: '0.32.0',
      docker: '27.3.1',
      kubernetes: 'v1.33.1',
      cloudnativePg: 'ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0',
      barmanCloudPlugin: 'ghcr.io/cloudnative-pg/plugin-barman-cloud:v0.14.0',
      postgresImage: 'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie',
      backupMethod: 'plugin',
      objectStoreImage: 'docker.io/rustfs/rustfs:1.0.0-beta.8-glibc',
    });
    expect(versions.postgres).toMatch(/^PostgreSQL 15/);
    const secrets = t.secrets();
    expect(secrets).toContain(primary.connection.password);
    expect(secrets).toContain(primary.admin.password);
    const storeSecret = fake.get('v1', 'Secret', 'pg-s3-credentials', 'pgdrill-run-1')?.data as Record<string, string>;
    expect(secrets).toContain(Buffer.from(storeSecret.ACCESS_SECRET_KEY!, 'base64').toString());
  });

  it("--generation: installs that operator release, names the generation's image in the Cluster, and reports both", async () => {
    const g = parseKubeGeneration('cnpg-1.29.2');
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-manifests-'));
    // A stand-in for the 1.29.2 release manifest: the fixture with that operator image.
    await writeFile(join(dir, 'cnpg-1.29.2.yaml'), (await readFile(MANIFESTS.cnpg, 'utf8')).replaceAll(':1.30.0', ':1.29.2'));
    const base = options();
    const t = await start({ ...base, postgresImage: g.postgresImage, kind: { ...base.kind, operator: g.operator, manifests: { ...MANIFESTS, cnpg: join(dir, 'cnpg-1.29.2.yaml') } } });
    const cluster = fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', 'pgdrill-run-1') as unknown as { spec: { imageName?: string } };
    expect(cluster.spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie');
    expect(await t.versions()).toMatchObject({ stack: 'cnpg-1.29.2+ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie', cloudnativePg: 'ghcr.io/cloudnative-pg/cloudnative-pg:1.29.2' });
  });

  it('deletes the kind cluster it created at teardown, and closes its endpoints', async () => {
    const t = await start();
    const port = t.client.port;
    await teardowns.runAll();
    expect(runner.lines('kind').at(-1)).toBe('kind delete cluster --name pgdrill');
    await expect(query({ ...t.client, port }, 'SELECT 1')).rejects.toThrow();
    // The target's own teardown after the stack's: nothing more happens.
    await t.teardown();
    expect(runner.lines('kind').filter((l) => l.startsWith('kind delete'))).toHaveLength(1);
  });

  it('reuses an existing kind cluster by name and removes only the run namespace', async () => {
    runner.on('kind', /^get clusters$/, { stdout: 'other\npgdrill\n' });
    await start();
    expect(runner.lines('kind').some((l) => l.startsWith('kind create'))).toBe(false);
    await teardowns.runAll();
    expect(runner.lines('kind').some((l) => l.startsWith('kind delete'))).toBe(false);
    expect(fake.calls('DELETE').map((c) => c.path)).toEqual(['/api/v1/namespaces/pgdrill-run-1']);
  });

  it('loads images into the nodes for air-gapped runs and reports their digests', async () => {
    runner.on('kind', /^load docker-image /, {}).on('docker', /^image inspect /, { stdout: '["docker.io/rustfs/rustfs@sha256:aaaa"]\n' });
    const t = await start({ ...options(), kind: { ...options().kind, loadImages: ['docker.io/rustfs/rustfs:1.0.0-rc.5-glibc'] } });
    expect(runner.lines('kind')).toContain('kind load docker-image docker.io/rustfs/rustfs:1.0.0-rc.5-glibc --name pgdrill');
    expect((await t.versions())['image docker.io/rustfs/rustfs:1.0.0-rc.5-glibc']).toBe('docker.io/rustfs/rustfs@sha256:aaaa');
  });

  it('uses the in-tree barmanObjectStore when asked, without cert-manager or the plugin', async () => {
    await start({ ...options(), backupMethod: 'barmanObjectStore' });
    expect(fake.calls('PATCH').some((c) => c.path.includes('/cert-manager/'))).toBe(false);
    expect(fake.calls('PATCH', /objectstores/)).toHaveLength(0);
    const cluster = fake.get('postgresql.cnpg.io/v1', 'Cluster', 'pg', 'pgdrill-run-1') as unknown as KubeObject & { spec: { backup?: unknown; plugins?: unknown } };
    expect(cluster.spec.plugins).toBeUndefined();
    expect(cluster.spec.backup).toMatchObject({ barmanObjectStore: { destinationPath: 's3://pgdrill/', endpointURL: 'http://pg-s3.pgdrill-run-1.svc:9000' } });
    expect(fake.list('postgresql.cnpg.io/v1', 'Backup', 'pgdrill-run-1')[0]?.spec).toEqual({ cluster: { name: 'pg' }, method: 'barmanObjectStore' });
  });
});

describe('cleanup of a run left behind', () => {
  it('deletes the run namespace in the kind cluster, and refuses a namespace pgdrill did not create', async () => {
    fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pgdrill-run-7', labels: { 'pgdrill.run': 'run-7', 'pgdrill.owned-namespace': 'true' } } });
    fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pgdrill-run-8' } });
    runner.on('kind', /^get clusters$/, { stdout: 'pgdrill\n' });
    expect(await cleanupKindRun({ runId: 'run-7', runner: runner.run })).toBe(true);
    expect(fake.get('v1', 'Namespace', 'pgdrill-run-7')).toBeUndefined();
    await expect(cleanupKindRun({ runId: 'run-8', runner: runner.run })).rejects.toThrow('namespace pgdrill-run-8 was not created by run run-8: left as it is');
    expect(await cleanupKindRun({ runId: 'run-9', runner: runner.run })).toBe(false);
  });
});

describe('refusals before anything starts', () => {
  it('a scenario zone missing from the kind config: exit 2, no command run', async () => {
    const error = await startKindTarget({
      options: kindOptionsFromScenario({ runId: 'run-1', cluster: { zones: ['a', 'd'], synchronous: 'off', dcs: 'per-zone', failsafe: false, etcdApi: 'v3' } }),
      progress: silentProgress(),
      teardowns,
      runner: runner.run,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/has no worker in zone\(s\) d \(its zones: a, b, c\)/);
    expect(runner.calls).toHaveLength(0);
  });

  it('kind missing: exit 3 naming what to install, nothing registered or created', async () => {
    const noKind = new FakeCommandRunner()
      .on('docker', /^version/, { stdout: '27.3.1\n' })
      .on('kubectl', /^version/, { stdout: '{"clientVersion":{"gitVersion":"v1.32.4"}}' });
    const error = await startKindTarget({ options: options(), progress: silentProgress(), teardowns, runner: noKind.run }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/kind is not installed: install kind v0\.30\.0 or newer/);
    expect(teardowns.size).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('an existing kind cluster when reuse is refused: exit 2', async () => {
    runner.on('kind', /^get clusters$/, { stdout: 'pgdrill\n' });
    const error = await start({ ...options(), kind: { ...options().kind, reuseCluster: false } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
  });
});
