import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { LocalPostgres } from '../../../test/support/local-postgres.ts';
import { readRestoredInstances } from '../../runner/restore-read.ts';
import type { ConnectionInfo, InstanceEndpoint } from '../endpoints.ts';
import type { RestoredCluster } from '../target.ts';
import { drillNames } from './drill-names.ts';
import { KubeBackups, type ClusterEndpoints, type KubeBackupsContext } from './kube-backups.ts';
import { KubeRest } from './kube-rest.ts';
import { storeConfiguration } from './manifests/backup.ts';

/**
 * The source a restore archives from, and the restored Cluster's servers: a
 * primary with two streaming replicas (pg-r1-2, pg-r1-3: their
 * application_name in its pg_stat_replication).
 */
let source: LocalPostgres;
let restoredPrimary: LocalPostgres;
let restoredReplicas: LocalPostgres[];

beforeAll(async () => {
  source = await LocalPostgres.start({ instanceName: 'pg-1', settings: { archive_mode: 'on', archive_command: "'true'" } });
  await source.adminQuery('GRANT EXECUTE ON FUNCTION pg_switch_wal() TO pgdrill_app', 'pgdrill');
  restoredPrimary = await LocalPostgres.start({ instanceName: 'pg-r1-1' });
  restoredReplicas = [await restoredPrimary.startReplica('pg-r1-2'), await restoredPrimary.startReplica('pg-r1-3')];
}, 120_000);

afterAll(async () => {
  for (const r of restoredReplicas ?? []) await r.destroy();
  await restoredPrimary?.destroy();
  await source?.destroy();
});

const names = drillNames({ runId: 'run-1', namespace: 'pgdrill-run-1', ownNamespace: true });
/** Nothing listens on port 1: an instance pgdrill cannot reach. */
const UNREACHABLE = 1;

let fake: FakeKubeApi;
let opened: string[][];
let closed: number;
let releaseReplicas: () => void;
let restored: RestoredCluster | undefined;

/** Stands in for the port-forwards: each pod name reaches the server the test gives it. */
const endpoints: ClusterEndpoints = {
  async open(_cluster, instances) {
    opened.push([...instances]);
    const servers: Record<string, LocalPostgres | undefined> = { 'pg-r1-1': restoredPrimary, 'pg-r1-2': restoredReplicas[0], 'pg-r1-3': restoredReplicas[1] };
    const connection = (name: string, superuser: boolean): ConnectionInfo => {
      const server = servers[name];
      if (!server) return { ...restoredPrimary.connection, port: UNREACHABLE };
      return superuser ? server.admin : server.connection;
    };
    const app: InstanceEndpoint[] = instances.map((name) => ({ name, zone: 'a', connection: connection(name, false) }));
    return { app, superuser: new Map(instances.map((name) => [name, connection(name, true)])), close: async () => void (closed += 1) };
  },
};

const backups = (zones: string[], extra: Partial<KubeBackupsContext> = {}): KubeBackups =>
  new KubeBackups({
    kube: new KubeRest(fake.kubeConfig()),
    runId: 'run-1',
    names,
    zones,
    method: 'plugin',
    archive: { method: 'plugin', objectStore: names.objectStore, configuration: storeConfiguration({ destinationPath: names.destinationPath, credentialsSecret: names.storeCredentials }) },
    storageSize: '1Gi',
    primary: async () => source.connection,
    endpoints,
    timeouts: { restore: 5_000 },
    ...extra,
  });

const pods = (): string[] => fake.list('v1', 'Pod', names.namespace).map((p) => p.metadata.name).sort();

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  seedClusterBasics(fake);
  installCnpgKinds(fake);
  fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: names.namespace } });
  opened = [];
  closed = 0;
  restored = undefined;
  const replicasCreated = new Promise<void>((resolve) => (releaseReplicas = resolve));
  // The restored Cluster's operator: primary first, the replicas only when the test says.
  simulateCluster(fake, { replicasAfter: (cluster) => (cluster === 'pg-r1' ? replicasCreated : undefined) });
});

afterEach(async () => {
  releaseReplicas();
  await restored?.teardown();
  await fake.close();
});

describe('KubeBackups: a restore into a cluster', () => {
  it('returns once the restored primary accepts writes, before the operator has created its replicas', async () => {
    restored = await backups(['a', 'b', 'c']).restore({ target: { kind: 'latest' }, shape: 'cluster', name: 'r1' });
    // restore_seconds ends here: only the primary exists yet.
    expect(pods()).toEqual(['pg-r1-1']);
    expect(restored.instances.map((i) => i.name)).toEqual(['pg-r1-1']);
    expect(restored.primary.port).toBe(restoredPrimary.port);
    expect((await restoredPrimary.adminQuery<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    expect(restored.awaitReplicas).toBeTypeOf('function');
  });

  it('awaitReplicas resolves only once every other instance streams on the restored primary, then lists them', async () => {
    restored = await backups(['a', 'b', 'c']).restore({ target: { kind: 'latest' }, shape: 'cluster', name: 'r1' });
    let done = false;
    const waiting = restored.awaitReplicas!(10_000).then(() => void (done = true));
    await new Promise((r) => setTimeout(r, 1_200));
    // The replicas do not exist yet: restore_ha_seconds must not end.
    expect(done).toBe(false);
    releaseReplicas();
    await waiting;
    expect(restored.instances.map((i) => i.name)).toEqual(['pg-r1-1', 'pg-r1-2', 'pg-r1-3']);
    // Both replicas streamed on the primary itself (the server side), not only in the Cluster's status.
    const streaming = await restoredPrimary.adminQuery<{ name: string; state: string }>('SELECT application_name AS name, state FROM pg_stat_replication ORDER BY 1');
    expect(streaming).toEqual([
      { name: 'pg-r1-2', state: 'streaming' },
      { name: 'pg-r1-3', state: 'streaming' },
    ]);
  });

  it('a replica the Cluster counts healthy that does not stream on the primary: awaitReplicas rejects naming it, and it is read as unread, not skipped', async () => {
    // Four zones: pg-r1-4 is in the Cluster's status, ready, but no walreceiver of that name reaches the primary.
    restored = await backups(['a', 'b', 'c', 'd']).restore({ target: { kind: 'latest' }, shape: 'cluster', name: 'r1' });
    releaseReplicas();
    await expect(restored.awaitReplicas!(2_500)).rejects.toThrow(/restored cluster pg-r1: replicas not streaming within 2\.5s: pg-r1-4 not connected on pg-r1-1/);
    expect(restored.instances.map((i) => i.name)).toEqual(['pg-r1-1', 'pg-r1-2', 'pg-r1-3', 'pg-r1-4']);
    const rows = await readRestoredInstances(restored, { rowCount: 0, checksum: 'x' });
    expect(rows.find((r) => r.name === 'pg-r1-4')).toMatchObject({ matches: null });
  });

  it('replicas that never appear: awaitReplicas rejects, and the instances it expected are still listed (unread)', async () => {
    restored = await backups(['a', 'b', 'c']).restore({ target: { kind: 'latest' }, shape: 'cluster', name: 'r1' });
    await expect(restored.awaitReplicas!(1_500)).rejects.toThrow(/replicas not streaming within 1\.5s: 1 of 3 instances created/);
    expect(restored.instances.map((i) => i.name)).toEqual(['pg-r1-1', 'pg-r1-2', 'pg-r1-3']);
  });

  it('a drill-inside target that cannot be built says why, instead of passing for a target kind that cannot drill', async () => {
    const restoredTarget = async (): Promise<never> => {
      throw new Error('no Secret pg-r1-app yet');
    };
    restored = await backups(['a', 'b', 'c'], { restoredTarget }).restore({ target: { kind: 'latest' }, shape: 'cluster', name: 'r1' });
    releaseReplicas();
    await restored.awaitReplicas!(10_000);
    expect(restored.target).toBeUndefined();
    expect(restored.targetProblem).toBe('the restored cluster pg-r1 could not be made a target: no Secret pg-r1-app yet');
  });

  it('a single restore has no awaitReplicas; teardown closes its endpoints and deletes the restored Cluster only', async () => {
    restored = await backups(['a', 'b', 'c']).restore({ target: { kind: 'latest' }, shape: 'single', name: 'r1' });
    expect(restored.awaitReplicas).toBeUndefined();
    expect(opened).toEqual([['pg-r1-1']]);
    await restored.teardown();
    restored = undefined;
    expect(closed).toBe(1);
    expect(fake.calls('DELETE').map((c) => c.path)).toEqual([`/apis/postgresql.cnpg.io/v1/namespaces/${names.namespace}/clusters/pg-r1`]);
  });
});
