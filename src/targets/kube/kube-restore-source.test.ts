import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InfrastructureError, UsageError } from '../../errors.ts';
import { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import { silentProgress } from '../../progress/progress.ts';
import type { RestoreTestConfig } from '../../runner/restore-test-config.ts';
import { runRestoreTest } from '../../runner/restore-test.ts';
import { FakeKubeApi, type ExecAnswer } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { simulateNamespaceTermination } from '../../../test/fixtures/kube/simulated-namespaces.ts';
import { KubeRest } from './kube-rest.ts';
import { openKubeRestoreSource, pgLogTimeToIso, scratchNamespace } from './kube-restore-source.ts';
import { manifestProblems } from './manifest-validation.ts';
import type { ClusterResource, ObjectStoreResource } from './manifests/cnpg-types.ts';
import type { KubeObject } from './resources.ts';

const SOURCE_NS = 'prod';
const TEST_RUN = 'rt1';
const SCRATCH_NS = scratchNamespace(TEST_RUN);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let fake: FakeKubeApi;
let kube: KubeRest;
let teardowns: TeardownStack;
/** What psql answers in the scratch pod, by a fragment of the SQL. */
let answers: Array<[RegExp, ExecAnswer]>;

const s3Credentials = {
  accessKeyId: { name: 'prod-s3', key: 'ACCESS_KEY_ID' },
  secretAccessKey: { name: 'prod-s3', key: 'ACCESS_SECRET_KEY' },
};

/** The source as a user's cluster has it: put directly (no request recorded), as something pgdrill found there. */
function seedSource(kind: 'plugin' | 'in-tree' | 'snapshots' | 'none', overrides: { pluginServerName?: string } = {}): void {
  fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SOURCE_NS } });
  const spec: Record<string, unknown> = {
    instances: 3,
    imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie',
    storage: { size: '20Gi', storageClass: 'fast' },
    bootstrap: { initdb: { database: 'shop', owner: 'shop' } },
  };
  if (kind === 'plugin') {
    spec.plugins = [
      { name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'prod-store', ...(overrides.pluginServerName ? { serverName: overrides.pluginServerName } : {}) } },
    ];
    fake.put({
      apiVersion: 'barmancloud.cnpg.io/v1',
      kind: 'ObjectStore',
      metadata: { name: 'prod-store', namespace: SOURCE_NS },
      spec: {
        configuration: { destinationPath: 's3://prod-backups/pg/', endpointURL: 'https://s3.example.test', endpointCA: { name: 'prod-ca', key: 'ca.crt' }, s3Credentials, wal: { compression: 'gzip' } },
        retentionPolicy: '30d',
        instanceSidecarConfiguration: { retentionPolicyIntervalSeconds: 1800, env: [{ name: 'AWS_REQUEST_CHECKSUM_CALCULATION', value: 'when_required' }] },
      },
    });
    fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'prod-ca', namespace: SOURCE_NS }, type: 'kubernetes.io/tls', data: { 'ca.crt': b64('CA'), 'tls.crt': b64('CRT'), 'tls.key': b64('KEY') } });
  }
  if (kind === 'in-tree') {
    spec.backup = { barmanObjectStore: { destinationPath: 's3://prod-backups/intree/', serverName: 'pg-main-v2', s3Credentials, wal: { compression: 'gzip' } }, retentionPolicy: '30d' };
  }
  if (kind === 'snapshots') spec.backup = { volumeSnapshot: { className: 'csi-snapclass' } };
  fake.put({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg-main', namespace: SOURCE_NS }, spec, status: { phase: 'Cluster in healthy state', image: 'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie' } });
  fake.put({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'prod-s3', namespace: SOURCE_NS },
    type: 'Opaque',
    data: { ACCESS_KEY_ID: b64('AKIAPROD'), ACCESS_SECRET_KEY: b64('prod-secret-key'), ADMIN_TOKEN: b64('not-for-the-scratch') },
  });
  fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg-main-superuser', namespace: SOURCE_NS }, data: { password: b64('superuser-password') } });
}

function sourceObjects(): string {
  return JSON.stringify(fake.objectsIn(SOURCE_NS).map((o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } })));
}

const open = (): ReturnType<typeof openKubeRestoreSource> =>
  openKubeRestoreSource({ kube, cluster: 'pg-main', namespace: SOURCE_NS, testRunId: TEST_RUN, timeouts: { healthy: 3_000, removal: 3_000 } });

const config = (target = 'latest'): RestoreTestConfig => ({
  file: 'restore-test.json',
  source: { kind: 'kubernetes', cluster: 'pg-main', namespace: SOURCE_NS },
  stanza: 'pgdrill',
  target,
  assertions: [{ name: 'orders exist', database: 'shop', sql: 'SELECT count(*) > 0 FROM orders', expect: [['t']] }],
  thresholds: [],
});

async function restoreTest(target = 'latest') {
  const source = await open();
  return runRestoreTest({
    config: config(target),
    source,
    runId: TEST_RUN,
    reportDir: mkdtempSync(join(tmpdir(), 'pgdrill-kube-rt-')),
    progress: silentProgress(),
    signal: new AbortController().signal,
    teardowns,
  });
}

function scratchCluster(): ClusterResource {
  const patch = fake.calls('PATCH', /\/namespaces\/pgdrill-rt-rt1\/clusters\/restore-test$/).find((r) => r.query.dryRun === undefined);
  expect(patch).toBeDefined();
  return patch!.body as ClusterResource;
}

/** The operator's full-recovery job pod, made when the scratch Cluster is created, its log ending redo at `lastCommit`. */
function recoveryJobLogs(lastCommit: string): void {
  fake.onWrite(({ verb, object }) => {
    if (verb !== 'apply' || object.kind !== 'Cluster' || object.metadata.namespace !== SCRATCH_NS) return;
    const labels = { 'cnpg.io/cluster': object.metadata.name, 'cnpg.io/jobRole': 'full-recovery', 'pgdrill.run': TEST_RUN };
    fake.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${object.metadata.name}-1-full-recovery-x7k2p`, namespace: SCRATCH_NS, labels }, spec: {}, status: { phase: 'Succeeded' } });
  });
  const record = (message: string): string => JSON.stringify({ level: 'info', logger: 'postgres', msg: 'record', record: { error_severity: 'LOG', message } });
  fake.podLogs = ({ namespace, pod, container }) =>
    namespace === SCRATCH_NS && pod.endsWith('-full-recovery-x7k2p') && container === 'full-recovery'
      ? [record('restored log file "000000010000000000000007" from archive'), record(`recovery stopping before commit of transaction 812, time 2026-03-01 10:11:13.5+00`), record(`last completed transaction was at log time ${lastCommit}`), record('selected new timeline ID: 2'), ''].join('\n')
      : undefined;
}

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  kube = new KubeRest(fake.kubeConfig());
  teardowns = new TeardownStack();
  seedClusterBasics(fake);
  installCnpgKinds(fake);
  fake.requireNamespaces = true;
  answers = [
    [/pg_is_in_recovery/, { stdout: 'f|2|0/7000060|\n', code: 0 }],
    [/FROM pg_database/, { stdout: 'postgres\nshop\n', code: 0 }],
    [/FROM pg_tables/, { stdout: 'public.orders\n', code: 0 }],
    [/count\(\*\) FROM public\.orders/, { stdout: '1200\n', code: 0 }],
    [/count\(\*\) > 0 FROM orders/, { stdout: 't\n', code: 0 }],
  ];
  fake.execHandler = ({ namespace, container, command }) => {
    if (namespace !== SCRATCH_NS || container !== 'postgres') return { stderr: 'exec outside the scratch pod', code: 126 };
    if (command[0] === 'pg_amcheck') return { code: 0 };
    const sql = command[command.indexOf('-c') + 1] ?? '';
    const database = command[command.indexOf('-d') + 1];
    if (/FROM pg_tables/.test(sql) && database !== 'shop') return { code: 0 };
    return answers.find(([pattern]) => pattern.test(sql))?.[1] ?? { stderr: `ERROR:  no canned answer for ${sql}`, code: 1 };
  };
});

afterEach(async () => {
  await teardowns.runAll();
  await fake.close();
});

describe('the kubernetes restore source (fake API)', () => {
  it('restores the plugin store into a scratch namespace, and sends nothing but GETs to the source namespace', async () => {
    seedSource('plugin');
    simulateCluster(fake);
    simulateNamespaceTermination(fake);
    const before = sourceObjects();
    const outcome = await restoreTest();
    expect(outcome.result.verdict).toBe('pass');
    expect(outcome.result.metrics.restore_row_count).toBe(1200);

    const toSource = fake.requests.filter((r) => r.path.includes(`/namespaces/${SOURCE_NS}/`) || r.path.endsWith(`/namespaces/${SOURCE_NS}`));
    expect(toSource.map((r) => r.method)).toEqual(toSource.map(() => 'GET'));
    expect(toSource.map((r) => r.path).sort()).toEqual([
      '/api/v1/namespaces/prod/secrets/prod-ca',
      '/api/v1/namespaces/prod/secrets/prod-s3',
      '/apis/barmancloud.cnpg.io/v1/namespaces/prod/objectstores/prod-store',
      '/apis/postgresql.cnpg.io/v1/namespaces/prod/clusters/pg-main',
    ]);
    expect(sourceObjects()).toBe(before);

    // Every write went to the scratch namespace (or created it), each object valid and labelled as the test's own.
    const writes = fake.requests.filter((r) => r.method !== 'GET' && r.method !== 'WS');
    for (const w of writes) expect(w.path).toMatch(/\/namespaces\/pgdrill-rt-rt1(\/|$)/);
    for (const w of writes.filter((r) => r.method === 'PATCH')) {
      const body = w.body as KubeObject;
      expect(manifestProblems(body)).toEqual([]);
      expect(body.metadata.labels?.['pgdrill.run']).toBe(TEST_RUN);
    }
    // The scratch's queries ran in its own pod's postgres container.
    const execs = fake.calls('WS');
    expect(execs.length).toBeGreaterThan(0);
    for (const e of execs) {
      expect(e.path).toBe('/api/v1/namespaces/pgdrill-rt-rt1/pods/restore-test-1/exec');
      expect(e.query.container).toBe('postgres');
    }

    // The scratch namespace and everything in it are gone after the test.
    expect(fake.calls('DELETE').map((r) => r.path)).toEqual(['/api/v1/namespaces/pgdrill-rt-rt1']);
    expect(fake.get('v1', 'Namespace', SCRATCH_NS)).toBeUndefined();
    expect(fake.objectsIn(SCRATCH_NS)).toEqual([]);
  });

  it('copies only the Secret keys and the ObjectStore the recovery reads, without the retention policy', async () => {
    seedSource('plugin');
    simulateCluster(fake);
    const source = await open();
    await source.restore({ kind: 'latest' }, 'restore-test', teardowns);
    const secrets = fake.list('v1', 'Secret', SCRATCH_NS).filter((s) => s.metadata.labels?.['pgdrill.part'] === 'store');
    expect(Object.fromEntries(secrets.map((s) => [s.metadata.name, Object.keys(s.data as object).sort()]))).toEqual({ 'prod-s3': ['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY'], 'prod-ca': ['ca.crt'] });
    for (const s of secrets) expect(s.type).toBe('Opaque');
    expect(fake.get('v1', 'Secret', 'pg-main-superuser', SCRATCH_NS)).toBeUndefined();
    const store = fake.get('barmancloud.cnpg.io/v1', 'ObjectStore', 'prod-store', SCRATCH_NS) as unknown as ObjectStoreResource;
    expect(store.spec.configuration).toEqual((fake.get('barmancloud.cnpg.io/v1', 'ObjectStore', 'prod-store', SOURCE_NS) as unknown as ObjectStoreResource).spec.configuration);
    expect(store.spec.retentionPolicy).toBeUndefined();
    expect(store.spec.instanceSidecarConfiguration).toEqual({ env: [{ name: 'AWS_REQUEST_CHECKSUM_CALCULATION', value: 'when_required' }] });
    // The namespace came first: with requireNamespaces the fake refuses content in a namespace that does not exist.
    const firstWrite = fake.requests.find((r) => r.method === 'PATCH');
    expect(firstWrite?.path).toBe('/api/v1/namespaces/pgdrill-rt-rt1');
  });

  it('renders a recovery Cluster that reads the plugin store and can write to nothing', async () => {
    seedSource('plugin');
    simulateCluster(fake);
    await (await open()).restore({ kind: 'latest' }, 'restore-test', teardowns);
    const c = scratchCluster();
    expect(manifestProblems(c as unknown as KubeObject)).toEqual([]);
    expect(c.spec.backup).toBeUndefined();
    expect(c.spec.plugins).toBeUndefined();
    expect(JSON.stringify(c.spec)).not.toContain('isWALArchiver');
    expect(c.spec.instances).toBe(1);
    expect(c.spec.bootstrap).toEqual({ recovery: { source: 'origin' } });
    // serverName given: the plugin would default it to the scratch Cluster's own name.
    expect(c.spec.externalClusters).toEqual([{ name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'prod-store', serverName: 'pg-main' } } }]);
    expect(c.spec).toMatchObject({ imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie', storage: { size: '20Gi', storageClass: 'fast' } });
  });

  it("takes the plugin's serverName parameter when the source sets one", async () => {
    seedSource('plugin', { pluginServerName: 'pg-main-2025' });
    simulateCluster(fake);
    await (await open()).restore({ kind: 'latest' }, 'restore-test', teardowns);
    expect(scratchCluster().spec.externalClusters?.[0]?.plugin?.parameters?.serverName).toBe('pg-main-2025');
  });

  it('renders an in-tree source as an external barmanObjectStore, to a target time', async () => {
    seedSource('in-tree');
    simulateCluster(fake);
    await (await open()).restore({ kind: 'time', time: '2026-03-01T10:11:12.345Z' }, 'restore-test', teardowns);
    const c = scratchCluster();
    expect(manifestProblems(c as unknown as KubeObject)).toEqual([]);
    expect(c.spec.backup).toBeUndefined();
    expect(c.spec.plugins).toBeUndefined();
    expect(c.spec.bootstrap).toEqual({ recovery: { source: 'origin', recoveryTarget: { targetTime: '2026-03-01 10:11:12.345+00' } } });
    expect(c.spec.externalClusters).toEqual([{ name: 'origin', barmanObjectStore: { destinationPath: 's3://prod-backups/intree/', serverName: 'pg-main-v2', s3Credentials, wal: { compression: 'gzip' } } }]);
    expect(fake.get('barmancloud.cnpg.io/v1', 'ObjectStore', 'prod-store', SCRATCH_NS)).toBeUndefined();
    expect(Object.keys(fake.get('v1', 'Secret', 'prod-s3', SCRATCH_NS)?.data as object).sort()).toEqual(['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY']);
  });

  it.each(['none', 'snapshots'] as const)('refuses a Cluster with no object store (%s: UsageError), having created nothing', async (kind) => {
    seedSource(kind);
    const error = await open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/Cluster prod\/pg-main has no object store to restore from/);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('refuses a missing Cluster, a missing ObjectStore and a missing Secret (UsageError)', async () => {
    await expect(open()).rejects.toThrow(/no CloudNativePG Cluster prod\/pg-main/);
    seedSource('plugin');
    fake.remove('barmancloud.cnpg.io/v1', 'ObjectStore', 'prod-store', SOURCE_NS);
    await expect(open()).rejects.toThrow(/ObjectStore prod-store, which does not exist in prod/);
    seedSource('in-tree');
    fake.remove('v1', 'Secret', 'prod-s3', SOURCE_NS);
    const error = await open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/reads Secret prod-s3, which does not exist in prod/);
  });

  it('a scratch that never becomes healthy makes the restore test inconclusive, and its namespace is deleted', async () => {
    seedSource('plugin');
    simulateCluster(fake, { neverHealthy: /^restore-test$/ });
    simulateNamespaceTermination(fake);
    let teardownsWhenCreated = -1;
    fake.failWith = (req) => {
      if (req.method === 'PATCH' && req.path === '/api/v1/namespaces/pgdrill-rt-rt1' && req.query.dryRun === undefined) teardownsWhenCreated = teardowns.size;
      return undefined;
    };
    const outcome = await restoreTest();
    expect(outcome.result.verdict).toBe('inconclusive');
    expect(outcome.result.verdictReasons.join(' ')).toMatch(/scratch Cluster pgdrill-rt-rt1\/restore-test restored and healthy: not reached/);
    expect(teardownsWhenCreated).toBe(1);
    expect(fake.calls('DELETE').map((r) => r.path)).toEqual(['/api/v1/namespaces/pgdrill-rt-rt1']);
    expect(fake.get('v1', 'Namespace', SCRATCH_NS)).toBeUndefined();
    expect(teardowns.size).toBe(0);
  });

  it("a query's failure carries the server's message", async () => {
    seedSource('plugin');
    simulateCluster(fake);
    const scratch = await (await open()).restore({ kind: 'latest' }, 'restore-test', teardowns);
    answers.unshift([/FROM missing/, { stderr: 'ERROR:  relation "missing" does not exist\nLINE 1: SELECT 1 FROM missing\n', code: 1 }]);
    const error = await scratch.query('shop', 'SELECT 1 FROM missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toBe('ERROR:  relation "missing" does not exist');
    expect(scratch.reached).toEqual({ timeline: 2, lsn: '0/7000060', lastCommitAt: null });
  });

  it('takes the last replayed commit from the recovery job\'s log, and a commit after the target time misses it', async () => {
    seedSource('plugin');
    simulateCluster(fake);
    recoveryJobLogs('2026-03-01 10:11:12.000400+00');
    const missed = await restoreTest('2026-03-01T10:11:12.000Z');
    expect(missed.result.evidence?.restoreTest?.reached.lastCommitAt).toBe('2026-03-01T10:11:12.001Z');
    expect(missed.result.metrics.restore_target_missed).toBe(1);
    expect(missed.result.verdict).toBe('fail');
    const held = await restoreTest('2026-03-01T10:11:12.5Z');
    expect(held.result.metrics.restore_target_missed).toBe(0);
    expect(held.result.verdict).toBe('pass');
  });

  it('reads PostgreSQL log times in any offset, rounded up to the millisecond', () => {
    expect(pgLogTimeToIso('2026-03-01 10:11:12.345678+00')).toBe('2026-03-01T10:11:12.346Z');
    expect(pgLogTimeToIso('2026-03-01 12:11:12+02')).toBe('2026-03-01T10:11:12.000Z');
    expect(pgLogTimeToIso('2026-03-01 04:41:12.5-05:30')).toBe('2026-03-01T10:11:12.500Z');
    expect(pgLogTimeToIso('yesterday')).toBeNull();
  });
});
