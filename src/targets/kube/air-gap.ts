import type { DeploymentObject } from './operator-install.ts';
import type { KubeObject } from './resources.ts';

interface ContainerShape {
  image?: string;
  imagePullPolicy?: string;
  env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
}

interface PodSpecShape {
  containers?: ContainerShape[];
  initContainers?: ContainerShape[];
}

function podSpecOf(object: KubeObject): PodSpecShape | undefined {
  if (object.kind !== 'Deployment') return undefined;
  return (object as DeploymentObject).spec?.template?.spec as PodSpecShape | undefined;
}

/**
 * A release manifest's Deployment that uses the images already on the node
 * (`kind load docker-image`) instead of pulling: CloudNativePG's manifest
 * sets `imagePullPolicy: Always` on its operator (config/manager/manager.yaml),
 * which would ignore a loaded image and fail without a registry.
 */
export function withoutImagePulls(object: KubeObject): KubeObject {
  const spec = podSpecOf(object);
  if (!spec) return object;
  const local = (containers: ContainerShape[] | undefined): ContainerShape[] | undefined => containers?.map((c) => ({ ...c, imagePullPolicy: 'IfNotPresent' }));
  const d = object as DeploymentObject;
  return {
    ...d,
    spec: {
      ...d.spec,
      template: {
        ...d.spec!.template,
        spec: { ...spec, ...(spec.containers ? { containers: local(spec.containers) } : {}), ...(spec.initContainers ? { initContainers: local(spec.initContainers) } : {}) },
      },
    },
  } as KubeObject;
}

/**
 * Every image the release manifests run: their Deployments' containers, and
 * the images a Deployment is told to start through an environment variable
 * taken from a Secret, as plugin-barman-cloud's SIDECAR_IMAGE (its manifest
 * keeps the sidecar it injects into each instance pod base64-encoded in a
 * Secret: the image appears nowhere else).
 */
export function releaseImages(objects: readonly KubeObject[]): string[] {
  const images = new Set<string>();
  const secrets = new Map(objects.filter((o) => o.kind === 'Secret').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o as KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> }]));
  for (const object of objects) {
    const spec = podSpecOf(object);
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      if (c.image) images.add(c.image);
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref || !/IMAGE/.test(e.name)) continue;
        const secret = secrets.get(`${object.metadata.namespace}/${ref.name}`);
        const value = secret?.stringData?.[ref.key] ?? (secret?.data?.[ref.key] !== undefined ? Buffer.from(secret.data[ref.key]!.replace(/\s+/g, ''), 'base64').toString('utf8') : undefined);
        if (value?.trim()) images.add(value.trim());
      }
    }
  }
  return [...images];
}
