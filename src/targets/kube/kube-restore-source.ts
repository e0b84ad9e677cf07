import type { ISecret } from 'kubernetes-models/v1/Secret';
import { InfrastructureError, UsageError } from '../../errors.ts';
import type { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import type { RestoreSource, ScratchRestore } from '../restore-source.ts';
import type { RecoveryTarget } from '../target.ts';
import { applyAllChecked, applyChecked } from './apply.ts';
import { BARMAN_CLOUD_PLUGIN, CNPG_LABELS, FULL_RECOVERY_JOB, POSTGRES_CONTAINER } from './cnpg.ts';
import { clusterReadyProblem } from './kube-backups.ts';
import type { KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import { selectorOf } from './labels.ts';
import { assertManifestValid } from './manifest-validation.ts';
import type { BarmanObjectStoreConfiguration, ClusterResource, ObjectStoreResource } from './manifests/cnpg-types.ts';
import { renderNamespace } from './manifests/namespace.ts';
import { renderObjectStoreCopy, renderScratchCluster, renderSecretCopy, storeSecretRefs, type StoreOrigin } from './manifests/scratch-restore.ts';
import { execInPod, type PodExecResult } from './pod-exec.ts';
import { RESOURCES, type KubeObject } from './resources.ts';
import { removeOwnedNamespace } from './run-removal.ts';

export interface KubeRestoreSourceArgs {
  kube: KubeRest;
  /** The existing Cluster whose backups are restored, and its namespace: only read (GET). */
  cluster: string;
  namespace: string;
  /** The restore test's own run id: it names and labels the scratch namespace. */
  testRunId: string;
  timeouts?: Partial<{ healthy: number; query: number; amcheck: number; removal: number }>;
}

/** The namespace a restore test's scratch Cluster lives in; deleted whole at its end. */
export function scratchNamespace(testRunId: string): string {
  return `pgdrill-rt-${testRunId}`;
}

/** What the source Cluster says about where its backups are, read once with GETs. */
interface SourceStore {
  origin: StoreOrigin;
  /** The plugin's ObjectStore (plugin method). */
  objectStore?: ObjectStoreResource;
  configuration: BarmanObjectStoreConfiguration;
  /** The Secrets the store's configuration reads, and the keys it reads of each. */
  secrets: Array<{ secret: ISecret; keys: string[] }>;
  image?: string;
  storageSize: string;
  storageClass?: string;
}

/**
 * The object store of an existing CloudNativePG Cluster (barman-cloud
 * plugin or in-tree barmanObjectStore), restored into a Cluster of the
 * restore test's own in a scratch namespace. Everything about the source is
 * read here, before anything starts, with GETs only (the Cluster, its
 * ObjectStore, the Secrets its credentials name): a Cluster without an
 * object store, or one whose ObjectStore or Secret is missing, is a
 * UsageError (exit 2). Nothing is ever written to the source's namespace.
 */
export async function openKubeRestoreSource(args: KubeRestoreSourceArgs): Promise<RestoreSource> {
  const { kube, namespace, cluster } = args;
  const store = await readSourceStore(kube, namespace, cluster);
  const context = kube.config.getCurrentContext();
  const how =
    store.origin.method === 'plugin'
      ? `barman-cloud plugin, ObjectStore ${store.origin.objectStore}`
      : 'in-tree barmanObjectStore';
  return {
    description: `the object store of CloudNativePG Cluster ${namespace}/${cluster} (${how}, server ${store.origin.serverName} in ${store.configuration.destinationPath}; kube context ${context})`,
    async versions() {
      return {
        ...(store.image ? { image: store.image } : {}),
        source: `CloudNativePG Cluster ${namespace}/${cluster}`,
        backupMethod: store.origin.method === 'plugin' ? BARMAN_CLOUD_PLUGIN : 'barmanObjectStore',
        kubeContext: context,
      };
    },
    restore: (target, name, teardowns) => restoreIntoScratch(args, store, target, name, teardowns),
  };
}

async function readSourceStore(kube: KubeRest, namespace: string, cluster: string): Promise<SourceStore> {
  const source = await kube.find<ClusterResource>(RESOURCES.cluster, cluster, namespace);
  if (!source) throw new UsageError(`no CloudNativePG Cluster ${namespace}/${cluster} (or CloudNativePG is not installed in that cluster)`, { namespace, cluster });
  const plugin = source.spec.plugins?.find((p) => p.name === BARMAN_CLOUD_PLUGIN && p.enabled !== false && p.parameters?.barmanObjectName);
  let origin: StoreOrigin;
  let configuration: BarmanObjectStoreConfiguration;
  let objectStore: ObjectStoreResource | undefined;
  if (plugin) {
    const storeName = plugin.parameters!.barmanObjectName!;
    // A 404 also when the plugin's API is not served: its ObjectStore cannot exist either.
    objectStore = (await kube.find<ObjectStoreResource>(RESOURCES.objectStore, storeName, namespace)) ?? undefined;
    if (!objectStore) throw new UsageError(`Cluster ${namespace}/${cluster} archives through the barman-cloud plugin to ObjectStore ${storeName}, which does not exist in ${namespace}`, { namespace, cluster });
    configuration = objectStore.spec.configuration;
    // The plugin's own default: the serverName parameter, else the Cluster's name (an ObjectStore's serverName is ignored).
    origin = { method: 'plugin', objectStore: storeName, serverName: plugin.parameters?.serverName || cluster };
  } else if (source.spec.backup?.barmanObjectStore) {
    const { serverName, ...rest } = source.spec.backup.barmanObjectStore;
    configuration = rest;
    // In-tree, serverName defaults to the Cluster's name.
    origin = { method: 'barmanObjectStore', configuration: rest, serverName: serverName || cluster };
  } else {
    throw new UsageError(
      `Cluster ${namespace}/${cluster} has no object store to restore from: neither spec.backup.barmanObjectStore nor a ${BARMAN_CLOUD_PLUGIN} plugin with a barmanObjectName (volume snapshot backups are not restored by pgdrill)`,
      { namespace, cluster },
    );
  }
  const keysBySecret = new Map<string, Set<string>>();
  for (const ref of storeSecretRefs(configuration)) keysBySecret.set(ref.name, (keysBySecret.get(ref.name) ?? new Set()).add(ref.key));
  const secrets: SourceStore['secrets'] = [];
  for (const [name, keys] of keysBySecret) {
    const secret = await kube.find<KubeObject & ISecret>(RESOURCES.secret, name, namespace);
    if (!secret) throw new UsageError(`the object store of Cluster ${namespace}/${cluster} reads Secret ${name}, which does not exist in ${namespace}`, { namespace, secret: name });
    const missing = [...keys].filter((k) => secret.data?.[k] === undefined);
    if (missing.length > 0) throw new UsageError(`Secret ${namespace}/${name} has no key ${missing.join(', ')}, which the object store of Cluster ${cluster} reads`, { namespace, secret: name });
    secrets.push({ secret, keys: [...keys] });
  }
  const image = source.status?.image ?? source.spec.imageName;
  const storageSize = source.spec.storage?.size ?? source.spec.storage?.pvcTemplate?.resources?.requests?.storage ?? '10Gi';
  return {
    origin,
    configuration,
    ...(objectStore ? { objectStore } : {}),
    secrets,
    ...(image ? { image } : {}),
    storageSize,
    ...(source.spec.storage?.storageClass ? { storageClass: source.spec.storage.storageClass } : {}),
  };
}

async function restoreIntoScratch(args: KubeRestoreSourceArgs, store: SourceStore, target: RecoveryTarget, name: string, teardowns: TeardownStack): Promise<ScratchRestore> {
  const { kube, testRunId } = args;
  const namespace = scratchNamespace(testRunId);
  const clusterName = name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'restore';
  const ns = renderNamespace(testRunId, namespace) as KubeObject;
  const contents: KubeObject[] = [
    ...store.secrets.map(({ secret, keys }) => renderSecretCopy(testRunId, namespace, secret, keys) as KubeObject),
    ...(store.objectStore ? [renderObjectStoreCopy(testRunId, namespace, store.objectStore)] : []),
    renderScratchCluster({
      runId: testRunId,
      name: clusterName,
      namespace,
      origin: store.origin,
      target,
      ...(store.image ? { image: store.image } : {}),
      storageSize: store.storageSize,
      ...(store.storageClass ? { storageClass: store.storageClass } : {}),
    }),
  ];
  // Every manifest is checked before the first is created: a bad one leaves nothing behind.
  for (const object of [ns, ...contents]) assertManifestValid(object);
  teardowns.defer(`delete the restore test's scratch namespace ${namespace}`, async () => {
    await removeOwnedNamespace(kube, testRunId, namespace, args.timeouts?.removal ?? 600_000);
  });
  await applyChecked(kube, RESOURCES.namespace, ns);
  await applyAllChecked(kube, contents);
  const ready = await waitForObject<ClusterResource>(kube, RESOURCES.cluster, clusterName, namespace, (c) => clusterReadyProblem(c, 1), {
    timeoutMs: args.timeouts?.healthy ?? 1_800_000,
    description: `scratch Cluster ${namespace}/${clusterName} restored and healthy`,
  });
  const pod = ready.status!.currentPrimary!;
  const psql = (database: string, sql: string, timeoutMs: number): Promise<PodExecResult> =>
    execInPod(kube.config, { namespace, pod, container: POSTGRES_CONTAINER }, ['psql', '-XAtq', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], {
      check: false,
      timeoutMs,
      label: `psql -d ${database}`,
    });
  const rows = async (database: string, sql: string, timeoutMs = args.timeouts?.query ?? 300_000): Promise<string[][]> => {
    const result = await psql(database, sql, timeoutMs);
    if (result.code !== 0) {
      const lines = result.stderr.trim().split('\n');
      throw new InfrastructureError(lines.find((l) => /^(ERROR|FATAL|psql:)/.test(l)) ?? (lines.at(-1) || `psql in pod ${namespace}/${pod} exited with ${result.code ?? 'no status'}`));
    }
    return result.stdout.split('\n').filter((line) => line.length > 0).map((line) => line.split('|'));
  };
  const [state] = await rows('postgres', REACHED_SQL, 30_000);
  if (!state || state[0] !== 'f') throw new InfrastructureError(`scratch instance ${namespace}/${pod} is healthy but still in recovery`);
  const [, timeline, lsn, lastCommit] = state;
  return {
    reached: { timeline: timeline ? Number(timeline) : null, lsn: lsn || null, lastCommitAt: lastCommit || (await lastReplayedCommit(kube, namespace, clusterName)) },
    query: (database, sql) => rows(database, sql),
    async amcheck() {
      const result = await execInPod(kube.config, { namespace, pod, container: POSTGRES_CONTAINER }, ['pg_amcheck', '--all', '--install-missing', '--heapallindexed'], {
        check: false,
        timeoutMs: args.timeouts?.amcheck ?? 900_000,
        label: 'pg_amcheck',
      });
      return { exitCode: result.code, lines: [...result.stdout.split('\n'), ...result.stderr.split('\n')].filter((l) => l.trim().length > 0) };
    },
  };
}

/**
 * Where recovery stopped, asked as postgres over the pod's socket: in
 * recovery, timeline, LSN and the last replayed commit (usually empty:
 * CloudNativePG restarts PostgreSQL after its recovery job, and the job's
 * log stands in, see lastReplayedCommit).
 */
const REACHED_SQL = `SELECT pg_is_in_recovery(),
  CASE WHEN pg_is_in_recovery() THEN '' ELSE (('x' || substring(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int)::text END,
  CASE WHEN pg_is_in_recovery() THEN '' ELSE pg_current_wal_lsn()::text END,
  coalesce(to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '')`;

/**
 * The last commit recovery replayed, from the log of the operator's
 * full-recovery job: PostgreSQL logs "last completed transaction was at log
 * time ..." when redo ends. The instance that runs afterwards was restarted,
 * so pg_last_xact_replay_timestamp() has forgotten it. Null when the job's
 * pod or that line is gone (a pod removed, a log rotated).
 */
export async function lastReplayedCommit(kube: KubeRest, namespace: string, cluster: string): Promise<string | null> {
  try {
    const selector = selectorOf({ [CNPG_LABELS.cluster]: cluster, [CNPG_LABELS.jobRole]: FULL_RECOVERY_JOB });
    const pods = (await kube.list<KubeObject>(RESOURCES.pod, namespace, { labelSelector: selector })).items;
    pods.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
    for (const pod of pods) {
      const log = await kube.podLog(namespace, pod.metadata.name, { container: FULL_RECOVERY_JOB, tailLines: 5000 });
      const found = [...log.matchAll(/last completed transaction was at log time (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d(?::?\d\d)?)/g)].at(-1)?.[1];
      if (found) return pgLogTimeToIso(found);
    }
  } catch {
    // Best effort: without the log the restore test still checks that recovery ended.
  }
  return null;
}

/**
 * A PostgreSQL timestamptz as its log prints it (2026-03-01 10:11:12.345678+00)
 * as ISO 8601 in UTC, rounded up to the millisecond: a commit a fraction
 * after a target must not look as if it were at the target.
 */
export function pgLogTimeToIso(text: string): string | null {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?([+-])(\d\d)(?::?(\d\d))?$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac = '', sign, oh, om = '00'] = m;
  const micros = Number(frac.padEnd(6, '0').slice(0, 6));
  const millis = Math.ceil(micros / 1000);
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), millis) - offsetMinutes * 60_000;
  return new Date(utc).toISOString();
}
