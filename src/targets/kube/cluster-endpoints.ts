import { InfrastructureError } from '../../errors.ts';
import type { ConnectionInfo, InstanceEndpoint } from '../endpoints.ts';
import { APP_DATABASE, CNPG_LABELS, POSTGRES_PORT, ZONE_LABEL } from './cnpg.ts';
import type { KubeRest } from './kube-rest.ts';
import type { ClusterEndpoints } from './kube-backups.ts';
import { PortForwardProxy } from './port-forward-proxy.ts';
import { RESOURCES, type KubeObject } from './resources.ts';

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}
interface EndpointSliceObject extends KubeObject {
  endpoints?: Array<{ conditions?: { ready?: boolean; terminating?: boolean }; targetRef?: { kind?: string; name?: string } }>;
}
interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
}

export interface ClusterCredentials {
  app: { user: string; password: string };
  superuser: { user: string; password: string };
}

/** The passwords the operator generated for a cluster (Secrets `<cluster>-app` and `<cluster>-superuser`). */
export async function readClusterCredentials(kube: KubeRest, namespace: string, cluster: string): Promise<ClusterCredentials> {
  const read = async (suffix: string): Promise<{ user: string; password: string }> => {
    const secret = await kube.get<SecretObject>(RESOURCES.secret, `${cluster}-${suffix}`, namespace);
    const field = (key: string): string => {
      const value = secret.data?.[key];
      if (!value) throw new InfrastructureError(`secret ${cluster}-${suffix} has no ${key}`);
      return Buffer.from(value, 'base64').toString('utf8');
    };
    return { user: field('username'), password: field('password') };
  };
  return { app: await read('app'), superuser: await read('superuser') };
}

/**
 * Direct endpoints (one local port per instance, tunnelled to the pod) and
 * the client endpoint that follows the `-rw` Service: each new connection
 * goes to the pod the Service's EndpointSlice lists as ready right now.
 */
export class KubeEndpoints implements ClusterEndpoints {
  private readonly proxies: PortForwardProxy[] = [];

  constructor(
    private readonly kube: KubeRest,
    private readonly namespace: string,
    /** The scenario's name of a cluster zone (zone-map.ts); default: the same. */
    private readonly scenarioZone: (clusterZone: string) => string = (z) => z,
  ) {}

  /** The pod the `<cluster>-rw` Service sends new connections to, or null when it has no ready endpoint. */
  async rwPod(cluster: string): Promise<string | null> {
    const slices = await this.kube.list<EndpointSliceObject>(RESOURCES.endpointSlice, this.namespace, {
      labelSelector: `kubernetes.io/service-name=${cluster}-rw`,
    });
    for (const slice of slices.items) {
      for (const e of slice.endpoints ?? []) {
        if (e.conditions?.ready !== false && e.targetRef?.kind === 'Pod' && e.targetRef.name) return e.targetRef.name;
      }
    }
    return null;
  }

  async openClient(cluster: string, credentials: { user: string; password: string }): Promise<ConnectionInfo> {
    const proxy = await PortForwardProxy.start({
      config: this.kube.config,
      namespace: this.namespace,
      port: POSTGRES_PORT,
      resolvePod: () => this.rwPod(cluster),
      label: `the ${cluster}-rw Service`,
    });
    this.proxies.push(proxy);
    return { host: proxy.host, port: proxy.port, user: credentials.user, password: credentials.password, database: APP_DATABASE };
  }

  async openInstances(
    cluster: string,
    instances: readonly string[],
    credentials: ClusterCredentials,
  ): Promise<{ app: InstanceEndpoint[]; superuser: Map<string, ConnectionInfo>; proxies: PortForwardProxy[] }> {
    const zones = await this.zonesOf(instances);
    const app: InstanceEndpoint[] = [];
    const superuser = new Map<string, ConnectionInfo>();
    const opened: PortForwardProxy[] = [];
    for (const name of instances) {
      const proxy = await PortForwardProxy.start({
        config: this.kube.config,
        namespace: this.namespace,
        port: POSTGRES_PORT,
        resolvePod: async () => name,
        label: `instance ${name}`,
      });
      opened.push(proxy);
      this.proxies.push(proxy);
      app.push({ name, zone: zones.get(name) ?? 'unknown', connection: { host: proxy.host, port: proxy.port, ...credentials.app, database: APP_DATABASE } });
      superuser.set(name, { host: proxy.host, port: proxy.port, ...credentials.superuser, database: APP_DATABASE });
    }
    return { app, superuser, proxies: opened };
  }

  /** ClusterEndpoints, for restored clusters: their own credentials, closed with the restore. */
  async open(cluster: string, instances: readonly string[]): Promise<{ app: InstanceEndpoint[]; superuser: Map<string, ConnectionInfo>; close(): Promise<void> }> {
    const credentials = await readClusterCredentials(this.kube, this.namespace, cluster);
    const { app, superuser, proxies } = await this.openInstances(cluster, instances, credentials);
    return {
      app,
      superuser,
      close: async () => {
        for (const p of proxies) await p.close();
      },
    };
  }

  /** Zone of each instance, from its pod's node labels. */
  async zonesOf(instances: readonly string[]): Promise<Map<string, string>> {
    const zones = new Map<string, string>();
    const nodeZones = new Map<string, string>();
    const nodes = await this.kube.list<KubeObject>(RESOURCES.node);
    for (const n of nodes.items) nodeZones.set(n.metadata.name, this.scenarioZone(n.metadata.labels?.[ZONE_LABEL] ?? 'unknown'));
    for (const name of instances) {
      const pod = await this.kube.find<PodObject>(RESOURCES.pod, name, this.namespace);
      if (pod?.spec?.nodeName) zones.set(name, nodeZones.get(pod.spec.nodeName) ?? 'unknown');
    }
    return zones;
  }

  async closeAll(): Promise<void> {
    for (const p of this.proxies.splice(0)) await p.close();
  }
}

/** Label selector of a cluster's instance pods. */
export function instancePodSelector(cluster: string): string {
  return `${CNPG_LABELS.cluster}=${cluster},${CNPG_LABELS.podRole}=instance`;
}
