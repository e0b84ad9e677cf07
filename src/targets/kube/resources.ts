import { BARMAN_CLOUD_API_VERSION, CNPG_API_VERSION } from './cnpg.ts';

/** Where a kind lives in the REST API. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  /** Plural resource name in URLs (pods, clusters, ...). */
  plural: string;
  namespaced: boolean;
}

const ref = (apiVersion: string, kind: string, plural: string, namespaced = true): ResourceRef => ({ apiVersion, kind, plural, namespaced });

/** The kinds pgdrill itself reads and writes (release manifests resolve theirs through discovery). */
export const RESOURCES = {
  namespace: ref('v1', 'Namespace', 'namespaces', false),
  node: ref('v1', 'Node', 'nodes', false),
  pod: ref('v1', 'Pod', 'pods'),
  secret: ref('v1', 'Secret', 'secrets'),
  configMap: ref('v1', 'ConfigMap', 'configmaps'),
  persistentVolumeClaim: ref('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  service: ref('v1', 'Service', 'services'),
  endpointSlice: ref('discovery.k8s.io/v1', 'EndpointSlice', 'endpointslices'),
  deployment: ref('apps/v1', 'Deployment', 'deployments'),
  networkPolicy: ref('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies'),
  crd: ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
  cluster: ref(CNPG_API_VERSION, 'Cluster', 'clusters'),
  backup: ref(CNPG_API_VERSION, 'Backup', 'backups'),
  objectStore: ref(BARMAN_CLOUD_API_VERSION, 'ObjectStore', 'objectstores'),
} as const satisfies Record<string, ResourceRef>;

const BY_KIND = new Map(Object.values(RESOURCES).map((r) => [`${r.apiVersion}/${r.kind}`, r]));

/** The ref of a kind pgdrill renders, or undefined for kinds it only meets in release manifests. */
export function knownResource(apiVersion: string, kind: string): ResourceRef | undefined {
  return BY_KIND.get(`${apiVersion}/${kind}`);
}

/** /api/v1 for the core group, /apis/<group>/<version> for the others. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Collection or object path; `namespace` is required for namespaced kinds. */
export function resourcePath(r: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let path = groupVersionPath(r.apiVersion);
  if (r.namespaced) {
    if (!namespace) throw new Error(`${r.kind} is namespaced: a namespace is needed`);
    path += `/namespaces/${encodeURIComponent(namespace)}`;
  }
  path += `/${r.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

/** The smallest shape every object has. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    /** Counts changes of the spec (the API server sets it; controllers report the one they saw as status.observedGeneration). */
    generation?: number;
  };
}

export interface KubeList<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}
