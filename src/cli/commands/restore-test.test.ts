import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { FakeKubeApi } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { installCnpgKinds, seedClusterBasics, simulateCluster } from '../../../test/fixtures/kube/simulated-cluster.ts';
import { restoreTestCommand } from './restore-test.ts';

let fake: FakeKubeApi;
let dir: string;
const savedKubeconfig = process.env.KUBECONFIG;

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  seedClusterBasics(fake);
  installCnpgKinds(fake);
  simulateCluster(fake);
  fake.execHandler = ({ command }) => {
    if (command[0] === 'pg_amcheck') return { code: 0 };
    const sql = command[command.indexOf('-c') + 1] ?? '';
    if (/pg_is_in_recovery/.test(sql)) return { stdout: 'f|1|0/3000060|\n', code: 0 };
    if (/FROM pg_database/.test(sql)) return { stdout: 'postgres\n', code: 0 };
    return { code: 0 };
  };
  dir = mkdtempSync(join(tmpdir(), 'pgdrill-restore-test-cli-'));
  // The kube context comes from the kubeconfig, as for --target kubernetes.
  writeFileSync(join(dir, 'kubeconfig'), fake.kubeConfigText());
  process.env.KUBECONFIG = join(dir, 'kubeconfig');
  writeFileSync(join(dir, 'restore-test.json'), JSON.stringify({ source: { kubernetes: { cluster: 'pg-main', namespace: 'prod', context: 'fake' } } }));
  fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
});

afterEach(async () => {
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
  await fake.close();
});

const putCluster = (spec: Record<string, unknown>): void =>
  void fake.put({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg-main', namespace: 'prod' }, spec: { instances: 1, storage: { size: '1Gi' }, ...spec } });

describe('pgdrill restore-test with a kubernetes source (fake API)', () => {
  it('restores the Cluster named in the config through the kubeconfig context, and passes', async () => {
    putCluster({ backup: { barmanObjectStore: { destinationPath: 's3://b/', s3Credentials: { inheritFromIAMRole: true } } } });
    const code = await restoreTestCommand({ config: join(dir, 'restore-test.json'), reportDir: join(dir, 'reports') });
    expect(code).toBe(0);
    expect(fake.calls('GET', /\/namespaces\/prod\/clusters\/pg-main$/)).toHaveLength(1);
    expect(fake.calls().filter((r) => r.path.includes('/namespaces/prod/') && r.method !== 'GET')).toEqual([]);
    expect(fake.calls('DELETE').map((r) => r.path)).toEqual([expect.stringMatching(/^\/api\/v1\/namespaces\/pgdrill-rt-[0-9a-f]{8}$/)]);
  });

  it('refuses, before anything starts, a Cluster without an object store (exit 2)', async () => {
    putCluster({});
    const error = await restoreTestCommand({ config: join(dir, 'restore-test.json'), reportDir: join(dir, 'reports') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/Cluster prod\/pg-main has no object store to restore from/);
    expect(fake.calls().filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
