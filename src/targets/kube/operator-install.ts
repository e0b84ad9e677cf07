import { readFile } from 'node:fs/promises';
import { loadAllYaml } from '@kubernetes/client-node';
import { InfrastructureError, UsageError } from '../../errors.ts';
import type { Progress } from '../../progress/progress.ts';
import {
  BARMAN_CLOUD_PLUGIN_VERSION,
  CERT_MANAGER_DEPLOYMENTS,
  CERT_MANAGER_NAMESPACE,
  OPERATOR_DEPLOYMENT,
  OPERATOR_NAMESPACE,
  PLUGIN_DEPLOYMENT,
  RELEASE_MANIFESTS,
  type BackupMethod,
} from './cnpg.ts';
import { PINNED_OPERATOR, type OperatorRelease } from './kube-generation.ts';
import { isNotFound, KubeApiError, type KubeRest } from './kube-rest.ts';
import { waitForObject } from './kube-watch.ts';
import { groupVersionPath, RESOURCES, type KubeObject, type ResourceRef } from './resources.ts';

/** Where each release manifest comes from: the pinned release URL, or a local file (air-gapped runs). */
export interface ReleaseManifestSources {
  cnpg: string;
  certManager: string;
  barmanCloudPlugin: string;
}

export const DEFAULT_MANIFEST_SOURCES: ReleaseManifestSources = { ...RELEASE_MANIFESTS };

export interface DeploymentObject extends KubeObject {
  spec?: {
    replicas?: number;
    template?: { metadata?: Record<string, unknown>; spec?: { containers?: Array<{ name: string; image: string; imagePullPolicy?: string; env?: unknown[] }>; [k: string]: unknown } };
    [k: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
  };
}

interface CrdObject extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/**
 * Installs a CloudNativePG release (the pinned one unless `operator` names
 * another) and, for the plugin backup method, cert-manager and
 * plugin-barman-cloud, as their guides do: each release manifest applied
 * server-side, then a wait for the deployments. A component whose
 * deployment already runs the asked version is left as it is (a reused kind
 * cluster); one that runs another is replaced by the asked release's
 * manifest, and must then run the asked version.
 */
export async function installOperators(
  kube: KubeRest,
  options: {
    backupMethod: BackupMethod;
    /** The CloudNativePG release to install; its manifest is the cnpg source unless `sources.cnpg` names a file. */
    operator?: OperatorRelease;
    sources?: Partial<ReleaseManifestSources>;
    timeoutMs?: number;
    /** Changes each release manifest object before its dry run (kind: pinned to the control plane; air-gapped: no image pulls). */
    prepare?: (object: KubeObject) => KubeObject;
  },
  progress: Progress,
  signal?: AbortSignal,
): Promise<void> {
  const operator = options.operator ?? PINNED_OPERATOR;
  const sources = operatorSources(operator, options.sources);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const wait = (namespace: string, name: string): Promise<DeploymentObject> => waitForDeployment(kube, namespace, name, timeoutMs, progress, signal);

  if (await runsVersion(kube, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT, operator.version)) {
    progress.note(`CloudNativePG ${operator.version} already installed`);
  } else {
    await progress.phase(`install CloudNativePG ${operator.version}`, async () => {
      await applyReleaseManifest(kube, sources.cnpg, progress, signal, options.prepare);
      await wait(OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT);
    });
    // A manifest given as a file may be another release's: the drill would report a generation that did not run.
    if (!(await runsVersion(kube, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT, operator.version))) {
      const image = await deploymentImage(kube, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT);
      throw new InfrastructureError(`${sources.cnpg} installed ${image ?? 'no operator image'}, not CloudNativePG ${operator.version}`);
    }
  }
  if (options.backupMethod !== 'plugin') return;

  if (await deploymentExists(kube, CERT_MANAGER_NAMESPACE, CERT_MANAGER_DEPLOYMENTS[0])) {
    progress.note('cert-manager already installed');
  } else {
    await progress.phase('install cert-manager', async () => {
      await applyReleaseManifest(kube, sources.certManager, progress, signal, options.prepare);
      for (const d of CERT_MANAGER_DEPLOYMENTS) await wait(CERT_MANAGER_NAMESPACE, d);
    });
  }
  if (await runsVersion(kube, OPERATOR_NAMESPACE, PLUGIN_DEPLOYMENT, BARMAN_CLOUD_PLUGIN_VERSION)) {
    progress.note(`plugin-barman-cloud ${BARMAN_CLOUD_PLUGIN_VERSION} already installed`);
  } else {
    await progress.phase(`install plugin-barman-cloud ${BARMAN_CLOUD_PLUGIN_VERSION}`, async () => {
      // cert-manager's webhook may refuse the plugin's Certificates for a few seconds after it is available.
      await retryWhileWebhookStarts(() => applyReleaseManifest(kube, sources.barmanCloudPlugin, progress, signal, options.prepare), 120_000, signal);
      await wait(OPERATOR_NAMESPACE, PLUGIN_DEPLOYMENT);
    });
  }
}

/** Each release manifest's source: the operator release's own manifest, the pinned others, and any given as files. */
export function operatorSources(operator: OperatorRelease, overrides: Partial<ReleaseManifestSources> = {}): ReleaseManifestSources {
  return { ...DEFAULT_MANIFEST_SOURCES, cnpg: operator.manifest, ...overrides };
}

/** Reads a manifest from a URL or a file and applies every document in it, each dry-run first. */
export async function applyReleaseManifest(
  kube: KubeRest,
  source: string,
  progress: Progress,
  signal?: AbortSignal,
  prepare: (object: KubeObject) => KubeObject = (o) => o,
): Promise<number> {
  const documents = (await readManifestObjects(source)).map(prepare);
  if (documents.length === 0) throw new InfrastructureError(`${source} holds no Kubernetes object`);
  const discovery = new Discovery(kube);
  for (const object of documents) {
    signal?.throwIfAborted();
    const ref = await discovery.resolve(object.apiVersion, object.kind);
    await kube.apply(ref, object, { dryRun: true });
    await kube.apply(ref, object);
    if (object.kind === 'CustomResourceDefinition') {
      await waitForObject<CrdObject>(kube, RESOURCES.crd, object.metadata.name, undefined, (crd) =>
        crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? undefined : `CRD ${object.metadata.name} not established`,
      { timeoutMs: 60_000, description: `CRD ${object.metadata.name} established`, ...(signal ? { signal } : {}) });
      discovery.forget(object.apiVersion);
    }
  }
  progress.note(`applied ${documents.length} objects from ${source}`);
  return documents.length;
}

/** Every Kubernetes object of a release manifest (a URL or a local file). */
export async function readManifestObjects(source: string): Promise<KubeObject[]> {
  const text = await readManifest(source);
  return (loadAllYaml(text) as Array<KubeObject | null>).filter((d): d is KubeObject => !!d && typeof d === 'object' && !!d.kind);
}

async function readManifest(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, { signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      throw new InfrastructureError(
        `could not download ${source}: ${error instanceof Error ? error.message : String(error)} (for air-gapped runs, give the manifest as a local file)`,
      );
    }
    if (!response.ok) throw new InfrastructureError(`could not download ${source}: HTTP ${response.status}`);
    return response.text();
  }
  try {
    return await readFile(source, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the manifest ${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Maps kinds to REST resources with the API's discovery documents (release manifests hold kinds pgdrill never renders). */
export class Discovery {
  private readonly cache = new Map<string, Promise<Array<{ name: string; kind: string; namespaced: boolean }>>>();

  constructor(private readonly kube: KubeRest) {}

  async resolve(apiVersion: string, kind: string): Promise<ResourceRef> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const resources = await this.resources(apiVersion);
      const found = resources.find((r) => r.kind === kind && !r.name.includes('/'));
      if (found) return { apiVersion, kind, plural: found.name, namespaced: found.namespaced };
      // A CRD applied a moment ago may not be served yet.
      this.forget(apiVersion);
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new InfrastructureError(`the API server does not serve ${kind} in ${apiVersion}`);
  }

  forget(apiVersion: string): void {
    this.cache.delete(apiVersion);
  }

  private resources(apiVersion: string): Promise<Array<{ name: string; kind: string; namespaced: boolean }>> {
    let entry = this.cache.get(apiVersion);
    if (!entry) {
      entry = this.kube
        .request<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>({ method: 'GET', path: groupVersionPath(apiVersion) })
        .then((list) => list.resources, (error: unknown) => {
          if (isNotFound(error)) return [];
          throw error;
        });
      this.cache.set(apiVersion, entry);
    }
    return entry;
  }
}

/**
 * Until the deployment is rolled out, judged as `kubectl rollout status`
 * does (kubectl's pkg/polymorphichelpers/rollout_status.go): the controller
 * has observed the current generation, every desired replica is updated, no
 * old replica is left, and every updated replica is available. "Available"
 * alone is not enough: on a reused cluster an older operator stays available
 * in the middle of its rollout.
 */
export async function waitForDeployment(kube: KubeRest, namespace: string, name: string, timeoutMs: number, progress: Progress, signal?: AbortSignal): Promise<DeploymentObject> {
  return waitForObject<DeploymentObject>(kube, RESOURCES.deployment, name, namespace, (d) => rolloutProblem(d, `deployment ${namespace}/${name}`), {
    timeoutMs,
    description: `deployment ${namespace}/${name} rolled out`,
    onProblem: (p) => progress.note(p),
    ...(signal ? { signal } : {}),
  });
}

/** Why a deployment is not rolled out yet, or undefined when it is. Throws when its progress deadline passed (kubectl fails then too). */
export function rolloutProblem(d: DeploymentObject | null | undefined, label: string): string | undefined {
  if (!d) return `${label} not created yet`;
  const generation = d.metadata.generation ?? 0;
  const status = d.status ?? {};
  if ((status.observedGeneration ?? 0) < generation) return `${label}: its new spec is not observed yet`;
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') throw new InfrastructureError(`${label} exceeded its progress deadline`);
  const desired = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  if (updated < desired) return `${label}: ${updated} of ${desired} new replicas updated`;
  if ((status.replicas ?? 0) > updated) return `${label}: ${(status.replicas ?? 0) - updated} old replicas pending termination`;
  if ((status.availableReplicas ?? 0) < updated) return `${label}: ${status.availableReplicas ?? 0} of ${updated} updated replicas available`;
  return undefined;
}

async function deploymentExists(kube: KubeRest, namespace: string, name: string): Promise<boolean> {
  return (await kube.find(RESOURCES.deployment, name, namespace)) !== null;
}

/** True when the deployment exists and one of its containers runs the image tag of this version. */
export async function runsVersion(kube: KubeRest, namespace: string, name: string, version: string): Promise<boolean> {
  const d = await kube.find<DeploymentObject>(RESOURCES.deployment, name, namespace);
  const images = d?.spec?.template?.spec?.containers?.map((c) => c.image) ?? [];
  return images.some((image) => new RegExp(`:v?${version.replace(/\./g, '\\.')}(@|$)`).test(image));
}

/** The image of a deployment's first container, for reports. */
export async function deploymentImage(kube: KubeRest, namespace: string, name: string): Promise<string | null> {
  const d = await kube.find<DeploymentObject>(RESOURCES.deployment, name, namespace);
  return d?.spec?.template?.spec?.containers?.[0]?.image ?? null;
}

/**
 * Admission webhooks answer 500 "failed calling webhook" while their pods
 * start; retries only that, with a bound.
 */
export async function retryWhileWebhookStarts<T>(work: () => Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    try {
      return await work();
    } catch (error) {
      const webhookNotReady = error instanceof KubeApiError && error.status >= 500 && /webhook/i.test(error.apiMessage);
      if (!webhookNotReady || performance.now() > deadline) throw error;
      signal?.throwIfAborted();
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

