import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources.ts';
import { DEFAULT_STORE } from '../drill-options.ts';
import { drillNames } from '../drill-names.ts';
import { manifestProblems, VALIDATED_KINDS } from '../manifest-validation.ts';
import { renderBackup, renderObjectStore, storeConfiguration } from './backup.ts';
import { renderRestoredCluster, type ArchiveWiring } from './cluster.ts';
import { renderFaultPolicies, type NetworkFacts } from './fault-policies.ts';
import { renderNamespace } from './namespace.ts';
import { renderObjectStoreCopy, renderScratchCluster, renderSecretCopy, type StoreOrigin } from './scratch-restore.ts';
import { testCluster } from '../../../../test/fixtures/kube/test-cluster.ts';
import { renderStoreCredentials, renderStoreDeployment, renderStoreService, storeEndpointURL } from './object-store-server.ts';

const names = drillNames({ runId: 'run-1', namespace: 'pgdrill-run-1', ownNamespace: true });
const configuration = storeConfiguration({
  destinationPath: names.destinationPath,
  endpointURL: storeEndpointURL(names.storeServer, names.namespace),
  credentialsSecret: names.storeCredentials,
});
const wiring = (method: 'plugin' | 'barmanObjectStore'): ArchiveWiring => ({ method, objectStore: names.objectStore, configuration });
const cluster = (overrides: Parameters<typeof testCluster>[1] = {}) => testCluster(names, { archive: wiring('plugin'), ...overrides });

const facts: NetworkFacts = {
  runId: 'run-1',
  names,
  pods: ['pg-1', 'pg-2', 'pg-3'],
  instancePodCidrs: ['10.244.1.5/32', '10.244.2.5/32', '10.244.3.5/32'],
  apiServerCidrs: ['10.96.0.1/32', '172.18.0.2/32'],
  storeApp: names.storeServer,
  clusterServiceCidrs: ['10.96.10.1/32'],
  storeServiceCidrs: ['10.96.20.1/32'],
};

/** Every manifest the Kubernetes targets render, in every variant they render it. */
function everyRenderedManifest(): Array<[string, KubeObject]> {
  const out: Array<[string, KubeObject]> = [];
  for (const synchronous of ['off', 'on', 'strict'] as const) {
    for (const method of ['plugin', 'barmanObjectStore'] as const) {
      out.push([`cluster ${synchronous} ${method}`, cluster({ synchronous, archive: wiring(method), postgresImage: 'ghcr.io/cloudnative-pg/postgresql:17.6', storageClass: 'standard' })]);
      for (const target of [{ kind: 'time', time: '2026-03-01T10:11:12.345Z' }, { kind: 'lsn', lsn: '0/5000060' }, { kind: 'latest' }] as const) {
        out.push([
          `restore ${method} ${target.kind}`,
          renderRestoredCluster({
            runId: 'run-1',
            name: names.restoredCluster('r1'),
            namespace: names.namespace,
            sourceCluster: names.cluster,
            target,
            instances: 1,
            zones: ['a', 'b', 'c'],
            storageSize: '1Gi',
            archive: wiring(method),
          }),
        ]);
      }
      out.push([`backup ${method}`, renderBackup({ runId: 'run-1', name: 'pg-backup-1', namespace: names.namespace, cluster: names.cluster, method })]);
    }
  }
  out.push(['object store', renderObjectStore({ runId: 'run-1', name: names.objectStore, namespace: names.namespace, configuration })]);
  const origins: StoreOrigin[] = [
    { method: 'plugin', objectStore: 'prod-store', serverName: 'pg-main' },
    { method: 'barmanObjectStore', configuration, serverName: 'pg-main' },
  ];
  for (const origin of origins) {
    for (const target of [{ kind: 'time', time: '2026-03-01T10:11:12.345Z' }, { kind: 'latest' }] as const) {
      out.push([`restore-test scratch ${origin.method} ${target.kind}`, renderScratchCluster({ runId: 'run-1', name: 'restore-test', namespace: 'pgdrill-rt-run-1', origin, target, image: 'ghcr.io/cloudnative-pg/postgresql:17.6', storageSize: '20Gi', storageClass: 'fast' })]);
    }
  }
  out.push(['restore-test object store copy', renderObjectStoreCopy('run-1', 'pgdrill-rt-run-1', { ...renderObjectStore({ runId: 'other', name: 'prod-store', namespace: 'prod', configuration }), spec: { configuration, retentionPolicy: '30d' } })]);
  out.push(['restore-test secret copy', renderSecretCopy('run-1', 'pgdrill-rt-run-1', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'prod-s3', namespace: 'prod' }, data: { ACCESS_KEY_ID: 'YWs=' } }, ['ACCESS_KEY_ID']) as KubeObject]);
  for (const flavor of ['rustfs', 'minio'] as const) {
    for (const placement of ['control-plane', 'any'] as const) {
      const options = { ...DEFAULT_STORE, flavor, placement };
      out.push([`store deployment ${flavor} ${placement}`, renderStoreDeployment({ runId: 'run-1', namespace: names.namespace, name: names.storeServer, credentialsSecret: names.storeCredentials, options }) as KubeObject]);
    }
  }
  out.push(['store service', renderStoreService({ runId: 'run-1', namespace: names.namespace, name: names.storeServer }) as KubeObject]);
  out.push(['store credentials', renderStoreCredentials({ runId: 'run-1', namespace: names.namespace, name: names.storeCredentials, accessKeyId: 'ak', secretAccessKey: 'sk' }) as KubeObject]);
  out.push(['namespace', renderNamespace('run-1', names.namespace) as KubeObject]);
  const states = [
    { partitions: [{ pods: ['pg-1'], fromApiServer: true }], archiveStalled: false },
    { partitions: [{ pods: ['pg-1'], fromApiServer: false }], archiveStalled: true },
    { partitions: [], archiveStalled: true },
    { partitions: [{ pods: ['pg-2', 'pg-3'], fromApiServer: true }], archiveStalled: false },
  ];
  for (const [i, state] of states.entries()) {
    for (const policy of renderFaultPolicies(facts, state)) out.push([`fault policy ${i} ${policy.metadata?.name}`, policy as KubeObject]);
    for (const policy of renderFaultPolicies({ ...facts, storeApp: null, storeServiceCidrs: [], instancePodCidrs: ['10.244.1.5/32', 'fd00:10:244:1::5/128'] }, state)) {
      out.push([`fault policy external ${i} ${policy.metadata?.name}`, policy as KubeObject]);
    }
  }
  return out;
}

describe('every manifest pgdrill renders', () => {
  const manifests = everyRenderedManifest();

  it.each(manifests)('%s is valid against its schema', (_label, manifest) => {
    expect(VALIDATED_KINDS).toContain(`${manifest.apiVersion}/${manifest.kind}`);
    expect(manifestProblems(manifest)).toEqual([]);
  });

  it('carries the run label, so teardown finds it', () => {
    for (const [, manifest] of manifests) expect(manifest.metadata.labels?.['pgdrill.run']).toBe('run-1');
  });
});

describe('the validator catches what the API server would silently drop or refuse', () => {
  it('a misspelt field in a Cluster', () => {
    const bad = cluster() as unknown as { spec: { affinity: Record<string, unknown> } };
    bad.spec.affinity.enablePodAntiAfinity = true;
    expect(manifestProblems(bad as unknown as KubeObject).join('\n')).toMatch(/additional properties \(enablePodAntiAfinity\)/);
  });

  it('a value outside an enum in a Cluster', () => {
    const bad = cluster() as unknown as { spec: { postgresql: { synchronous: { dataDurability: string } } } };
    bad.spec.postgresql.synchronous.dataDurability = 'always';
    expect(manifestProblems(bad as unknown as KubeObject).join('\n')).toMatch(/dataDurability: must be equal to one of the allowed values/);
  });

  it('a missing required field in a Backup', () => {
    const bad = renderBackup({ runId: 'run-1', name: 'b', namespace: 'n', cluster: 'pg', method: 'plugin' }) as unknown as { spec: Record<string, unknown> };
    delete bad.spec.cluster;
    expect(manifestProblems(bad as unknown as KubeObject).join('\n')).toMatch(/must have required property 'cluster'/);
  });

  it('a misspelt field in a NetworkPolicy (kubernetes-models alone would let it through)', () => {
    const [policy] = renderFaultPolicies(facts, { partitions: [{ pods: ['pg-1'], fromApiServer: true }], archiveStalled: false });
    const bad = { ...policy, spec: { ...policy!.spec, ingres: [] } };
    expect(manifestProblems(bad as unknown as KubeObject)).toContain('spec.ingres: unknown field');
  });

  it('a wrong type in a Service', () => {
    const bad = renderStoreService({ runId: 'r', namespace: 'n', name: 's' }) as unknown as { spec: { ports: Array<{ port: unknown }> } };
    bad.spec.ports[0]!.port = 'nine thousand';
    expect(manifestProblems(bad as unknown as KubeObject).join('\n')).toMatch(/port must be integer/);
  });

  it('an unknown metadata field', () => {
    const bad = { ...renderNamespace('r', 'n'), metadata: { name: 'n', lables: {} } };
    expect(manifestProblems(bad as unknown as KubeObject)).toContain('metadata.lables: unknown field');
  });
});

describe('the Cluster under test', () => {
  it('has one instance per zone, at most one per zone, only in the scenario zones', () => {
    const c = cluster({ zones: ['a', 'c'] });
    expect(c.spec.instances).toBe(2);
    expect(c.spec.affinity).toMatchObject({ enablePodAntiAffinity: true, topologyKey: 'topology.kubernetes.io/zone', podAntiAffinityType: 'required' });
    expect(c.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]?.matchExpressions).toEqual([
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'c'] },
    ]);
  });

  // CloudNativePG's default primaryUpdateMethod is restart (api/v1/cluster_types.go): the primary's pod recreated without a switchover.
  it('rolls the primary out by a switchover, unsupervised, in a rolling restart or update (valid against the 1.30 schema)', () => {
    const c = cluster();
    expect(c.spec).toMatchObject({ primaryUpdateMethod: 'switchover', primaryUpdateStrategy: 'unsupervised' });
    expect(manifestProblems(c)).toEqual([]);
  });

  it('maps the scenario synchronous mode: off none, on preferred, strict required', () => {
    expect(cluster({ synchronous: 'off' }).spec.postgresql?.synchronous).toBeUndefined();
    expect(cluster({ synchronous: 'on' }).spec.postgresql?.synchronous).toEqual({ method: 'any', number: 1, dataDurability: 'preferred' });
    expect(cluster({ synchronous: 'strict', syncStandbys: 2, syncMethod: 'first' }).spec.postgresql?.synchronous).toEqual({
      method: 'first',
      number: 2,
      dataDurability: 'required',
    });
  });

  it('archives through the plugin, or in-tree with the store embedded', () => {
    expect(cluster().spec.plugins).toEqual([
      { name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'pg-store', serverName: 'pg' } },
    ]);
    expect(cluster().spec.backup).toBeUndefined();
    const inTree = cluster({ archive: wiring('barmanObjectStore') });
    expect(inTree.spec.plugins).toBeUndefined();
    expect(inTree.spec.backup?.barmanObjectStore).toMatchObject({ destinationPath: 's3://pgdrill/', serverName: 'pg', endpointURL: 'http://pg-s3.pgdrill-run-1.svc:9000' });
  });
});

describe('a restored cluster', () => {
  const restore = (target: Parameters<typeof renderRestoredCluster>[0]['target'], method: 'plugin' | 'barmanObjectStore' = 'plugin') =>
    renderRestoredCluster({
      runId: 'run-1',
      name: 'pg-r1',
      namespace: names.namespace,
      sourceCluster: 'pg',
      target,
      instances: 3,
      zones: ['a', 'b', 'c'],
      storageSize: '1Gi',
      archive: wiring(method),
    });

  it('recovers from the source through an external cluster, to a time, an LSN or the end', () => {
    expect(restore({ kind: 'time', time: '2026-03-01T10:11:12.345Z' }).spec.bootstrap).toEqual({
      recovery: { source: 'origin', database: 'app', owner: 'app', recoveryTarget: { targetTime: '2026-03-01 10:11:12.345+00' } },
    });
    expect(restore({ kind: 'lsn', lsn: '0/5000060' }).spec.bootstrap).toMatchObject({ recovery: { recoveryTarget: { targetLSN: '0/5000060' } } });
    expect(restore({ kind: 'latest' }).spec.bootstrap).toEqual({ recovery: { source: 'origin', database: 'app', owner: 'app' } });
    expect(restore({ kind: 'latest' }).spec.externalClusters).toEqual([
      { name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'pg-store', serverName: 'pg' } } },
    ]);
    expect(restore({ kind: 'latest' }, 'barmanObjectStore').spec.externalClusters?.[0]?.barmanObjectStore).toMatchObject({ serverName: 'pg', destinationPath: 's3://pgdrill/' });
  });

  it('never archives into the source archive', () => {
    for (const method of ['plugin', 'barmanObjectStore'] as const) {
      const r = restore({ kind: 'latest' }, method);
      expect(r.spec.plugins).toBeUndefined();
      expect(r.spec.backup).toBeUndefined();
    }
  });
});
