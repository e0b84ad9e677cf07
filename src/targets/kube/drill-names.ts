import { UsageError } from '../../errors.ts';

/**
 * Names of everything a run creates in its namespace. On kind the run has a
 * namespace of its own, so the cluster is simply `pg` (pods pg-1, pg-2,
 * ...); in a shared namespace every name carries the run id.
 */
export interface DrillNames {
  namespace: string;
  cluster: string;
  /** barmancloud.cnpg.io ObjectStore (plugin method). */
  objectStore: string;
  /** Deployment and Service of the deployed S3 store. */
  storeServer: string;
  /** Secret with ACCESS_KEY_ID / ACCESS_SECRET_KEY. */
  storeCredentials: string;
  /** Bucket and prefix the cluster archives into (s3://bucket/prefix/). */
  destinationPath: string;
  /** A restored cluster beside the one under test. */
  restoredCluster(name: string): string;
  /** The NetworkPolicy pgdrill keeps on one instance pod while network faults are active. */
  faultPolicy(pod: string): string;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function drillNames(args: { runId: string; namespace: string; ownNamespace: boolean; destinationPath?: string }): DrillNames {
  const cluster = args.ownNamespace ? 'pg' : `pgdrill-${args.runId}`;
  if (!DNS_LABEL.test(cluster)) throw new UsageError(`cluster name ${cluster} is not a DNS label: start the run id with a letter`);
  const base = args.destinationPath ?? 's3://pgdrill/';
  const destinationPath = args.destinationPath ? `${base.replace(/\/?$/, '/')}${args.runId}/` : base;
  return {
    namespace: args.namespace,
    cluster,
    objectStore: `${cluster}-store`,
    storeServer: `${cluster}-s3`,
    storeCredentials: `${cluster}-s3-credentials`,
    destinationPath,
    restoredCluster(name: string): string {
      const restored = `${cluster}-${name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 50).replace(/-+$/, '');
      if (!DNS_LABEL.test(restored)) throw new UsageError(`restore name "${name}" does not make a valid cluster name (${restored})`);
      return restored;
    },
    faultPolicy(pod: string): string {
      return `pgdrill-${args.runId}-${pod}`.slice(0, 63).replace(/-+$/, '');
    },
  };
}

/** The namespace pgdrill creates for a run on kind. */
export function runNamespace(runId: string): string {
  return `pgdrill-${runId}`;
}
