import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InfrastructureError, UsageError } from '../../errors.ts';
import { silentProgress } from '../../progress/progress.ts';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { validateClusterOptions, KUBE_CLUSTER_DEFAULTS, type KubeClusterOptions } from './drill-options.ts';
import { parseKubeGeneration } from './kube-generation.ts';
import { KubeApiError, KubeRest } from './kube-rest.ts';
import { applyReleaseManifest, installOperators, retryWhileWebhookStarts, rolloutProblem, type DeploymentObject } from './operator-install.ts';

const fixture = (file: string): string => fileURLToPath(new URL(`../../../test/fixtures/kube/manifests/${file}`, import.meta.url));
const SOURCES = { cnpg: fixture('cnpg-1.30.0.yaml'), certManager: fixture('cert-manager.yaml'), barmanCloudPlugin: fixture('plugin-barman-cloud-0.14.0.yaml') };

let fake: FakeKubeApi;
let kube: KubeRest;

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  kube = new KubeRest(fake.kubeConfig());
  seedClusterBasics(fake);
  simulateCluster(fake);
  fake.requests.length = 0;
});

afterEach(async () => {
  await fake.close();
});

describe('installing the operators from release manifests', () => {
  it('applies every document server-side, each after its own dry run, resolving kinds by discovery', async () => {
    expect(await applyReleaseManifest(kube, SOURCES.cnpg, silentProgress())).toBe(6);
    const applies = fake.calls('PATCH').map((c) => `${c.query.dryRun ? 'dry-run' : 'apply'} ${c.path}`);
    expect(applies).toEqual([
      'dry-run /api/v1/namespaces/cnpg-system',
      'apply /api/v1/namespaces/cnpg-system',
      'dry-run /apis/apiextensions.k8s.io/v1/customresourcedefinitions/clusters.postgresql.cnpg.io',
      'apply /apis/apiextensions.k8s.io/v1/customresourcedefinitions/clusters.postgresql.cnpg.io',
      'dry-run /apis/apiextensions.k8s.io/v1/customresourcedefinitions/backups.postgresql.cnpg.io',
      'apply /apis/apiextensions.k8s.io/v1/customresourcedefinitions/backups.postgresql.cnpg.io',
      'dry-run /api/v1/namespaces/cnpg-system/serviceaccounts/cnpg-manager',
      'apply /api/v1/namespaces/cnpg-system/serviceaccounts/cnpg-manager',
      'dry-run /apis/rbac.authorization.k8s.io/v1/clusterroles/cnpg-manager',
      'apply /apis/rbac.authorization.k8s.io/v1/clusterroles/cnpg-manager',
      'dry-run /apis/apps/v1/namespaces/cnpg-system/deployments/cnpg-controller-manager',
      'apply /apis/apps/v1/namespaces/cnpg-system/deployments/cnpg-controller-manager',
    ]);
    for (const c of fake.calls('PATCH')) expect(c.query).toMatchObject({ fieldManager: 'pgdrill', force: 'true' });
  });

  it('leaves components that already run the pinned versions as they are', async () => {
    await installOperators(kube, { backupMethod: 'plugin', sources: SOURCES }, silentProgress());
    fake.requests.length = 0;
    await installOperators(kube, { backupMethod: 'plugin', sources: SOURCES }, silentProgress());
    expect(fake.calls('PATCH')).toEqual([]);
  });

  // kubectl's pkg/polymorphichelpers/rollout_status.go: rolled out = generation observed, every replica
  // updated, no old replica left, every updated replica available.
  it('waits for the operator rollout to finish, not for an older operator that is still available (a reused cluster)', async () => {
    fake.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cnpg-controller-manager', namespace: 'cnpg-system' },
      spec: { replicas: 1, template: { metadata: { labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, spec: { containers: [{ name: 'manager', image: 'ghcr.io/cloudnative-pg/cloudnative-pg:1.29.2' }] } } },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] },
    });
    await installOperators(kube, { backupMethod: 'barmanObjectStore', sources: SOURCES }, silentProgress());
    const d = fake.get('apps/v1', 'Deployment', 'cnpg-controller-manager', 'cnpg-system') as unknown as DeploymentObject;
    expect(d.metadata.generation).toBe(2);
    expect(d.status).toMatchObject({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
  });

  it('tells each stage of a rollout apart, as kubectl rollout status does', () => {
    const d = (generation: number, status: DeploymentObject['status']): DeploymentObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'op', generation }, spec: { replicas: 2 }, status });
    expect(rolloutProblem(d(3, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 'op')).toBe('op: its new spec is not observed yet');
    expect(rolloutProblem(d(3, { observedGeneration: 3, replicas: 3, updatedReplicas: 1, availableReplicas: 2 }), 'op')).toBe('op: 1 of 2 new replicas updated');
    expect(rolloutProblem(d(3, { observedGeneration: 3, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }), 'op')).toBe('op: 1 old replicas pending termination');
    expect(rolloutProblem(d(3, { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }), 'op')).toBe('op: 1 of 2 updated replicas available');
    expect(rolloutProblem(d(3, { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 'op')).toBeUndefined();
    expect(() => rolloutProblem(d(3, { observedGeneration: 3, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }), 'op')).toThrow(/exceeded its progress deadline/);
  });

  // A stand-in of another release's manifest: the 1.30.0 fixture with the operator image of that version.
  const releaseManifest = async (version: string): Promise<string> => (await readFile(SOURCES.cnpg, 'utf8')).replaceAll(':1.30.0', `:${version}`);
  const operatorImage = (): string | undefined =>
    (fake.get('apps/v1', 'Deployment', 'cnpg-controller-manager', 'cnpg-system') as unknown as DeploymentObject | undefined)?.spec?.template?.spec?.containers?.[0]?.image;

  it("installs the asked generation's operator from its release manifest URL, and leaves it when it already runs", async () => {
    const operator = parseKubeGeneration('cnpg-1.29.2').operator;
    const text = await releaseManifest('1.29.2');
    const fetched: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      fetched.push(url);
      return new Response(text);
    });
    try {
      await installOperators(kube, { backupMethod: 'barmanObjectStore', operator }, silentProgress());
      expect(fetched).toEqual(['https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-1.29/releases/cnpg-1.29.2.yaml']);
      expect(operatorImage()).toBe('ghcr.io/cloudnative-pg/cloudnative-pg:1.29.2');
      fake.requests.length = 0;
      await installOperators(kube, { backupMethod: 'barmanObjectStore', operator }, silentProgress());
      expect([fetched.length, fake.calls('PATCH')]).toEqual([1, []]);
    } finally {
      vi.unstubAllGlobals();
    }
    // Another generation on the same (reused) cluster replaces it.
    await installOperators(kube, { backupMethod: 'barmanObjectStore', sources: SOURCES }, silentProgress());
    expect(operatorImage()).toBe('ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0');
  });

  it("refuses a manifest file that installs another release than the generation's (exit 3)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-manifest-'));
    await writeFile(join(dir, 'cnpg.yaml'), await releaseManifest('1.28.4'));
    const operator = parseKubeGeneration('cnpg-1.29.1').operator;
    const error = await installOperators(kube, { backupMethod: 'barmanObjectStore', operator, sources: { cnpg: join(dir, 'cnpg.yaml') } }, silentProgress()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toBe(`${join(dir, 'cnpg.yaml')} installed ghcr.io/cloudnative-pg/cloudnative-pg:1.28.4, not CloudNativePG 1.29.1`);
  });

  it('installs neither cert-manager nor the plugin for the in-tree method', async () => {
    await installOperators(kube, { backupMethod: 'barmanObjectStore', sources: SOURCES }, silentProgress());
    expect(fake.calls('PATCH').some((c) => c.path.includes('cert-manager') || c.path.includes('barman'))).toBe(false);
  });

  it('says what to do when a manifest cannot be read', async () => {
    await expect(applyReleaseManifest(kube, '/nonexistent/cnpg.yaml', silentProgress())).rejects.toBeInstanceOf(UsageError);
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-manifest-'));
    await writeFile(join(dir, 'empty.yaml'), '# nothing\n');
    await expect(applyReleaseManifest(kube, join(dir, 'empty.yaml'), silentProgress())).rejects.toBeInstanceOf(InfrastructureError);
  });

  it('retries while an admission webhook is still starting, and only then', async () => {
    let calls = 0;
    const webhook = new KubeApiError(500, 'InternalError', 'Internal error occurred: failed calling webhook "mcluster.cnpg.io": connection refused', 'PATCH', '/x');
    const result = await retryWhileWebhookStarts(async () => {
      calls += 1;
      if (calls < 2) throw webhook;
      return 'ok';
    }, 10_000);
    expect([result, calls]).toEqual(['ok', 2]);
    const invalid = new KubeApiError(422, 'Invalid', 'spec.instances: Invalid value', 'PATCH', '/x');
    await expect(retryWhileWebhookStarts(async () => Promise.reject(invalid), 10_000)).rejects.toBe(invalid);
  });
});

describe('cluster options are checked before anything starts (exit 2)', () => {
  const base: KubeClusterOptions = { ...KUBE_CLUSTER_DEFAULTS, runId: 'run-1', zones: ['a', 'b', 'c'], synchronous: 'on' };
  const refusal = (o: Partial<KubeClusterOptions>): string => {
    try {
      validateClusterOptions({ ...base, ...o });
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('accepts the defaults', () => expect(refusal({})).toBe('accepted'));
  it('needs a standby zone per synchronous standby', () =>
    expect(refusal({ zones: ['a'], synchronous: 'strict' })).toBe('synchronous replication with 1 standby(s) needs at least 2 zones (one instance per zone; got 1)'));
  it('rejects a zone that is not a label value', () => expect(refusal({ zones: ['Zone A'] })).toMatch(/zone name "Zone A" is invalid/));
  it('rejects a storage size that is not a quantity', () => expect(refusal({ storageSize: 'big' })).toMatch(/not a Kubernetes quantity/));
});
