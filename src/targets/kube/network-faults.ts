import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { CNPG_LABELS } from './cnpg.ts';
import type { DrillNames } from './drill-names.ts';
import { drillLabels, selectorOf } from './labels.ts';
import { applyChecked } from './apply.ts';
import type { KubeRest } from './kube-rest.ts';
import { renderFaultPolicies, type NetworkFacts, type NetworkFaultState } from './manifests/fault-policies.ts';
import { RESOURCES, type KubeObject } from './resources.ts';

interface NodeObject extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[] };
}
interface ServiceObject extends KubeObject {
  spec?: { clusterIP?: string; clusterIPs?: string[] };
}
interface EndpointSliceObject extends KubeObject {
  endpoints?: Array<{ addresses: string[] }>;
}

/**
 * Partitions and a stalled archive as NetworkPolicies. Keeps the set of
 * active network faults and, after every change, makes the cluster's
 * policies exactly what that set renders (one per restricted pod; see
 * fault-policies.ts for why not one per fault).
 */
export class NetworkFaults {
  private partitions: Array<{ pods: string[]; fromApiServer: boolean }> = [];
  private archiveStalled = false;
  private facts: NetworkFacts | undefined;

  constructor(
    private readonly kube: KubeRest,
    private readonly runId: string,
    private readonly names: DrillNames,
    /** Instance pods of the cluster under test. */
    private readonly pods: readonly string[],
    /** The store's app label value when pgdrill deployed it, null for a store outside the cluster. */
    private readonly storeApp: string | null,
  ) {}

  get state(): NetworkFaultState {
    return { partitions: this.partitions.map((p) => ({ ...p })), archiveStalled: this.archiveStalled };
  }

  async isolate(pods: readonly string[], fromApiServer: boolean): Promise<void> {
    this.partitions.push({ pods: [...pods], fromApiServer });
    await this.sync();
  }

  /** Removes the partition(s) of exactly these pods. */
  async rejoin(pods: readonly string[]): Promise<void> {
    const key = [...pods].sort().join(',');
    this.partitions = this.partitions.filter((p) => [...p.pods].sort().join(',') !== key);
    await this.sync();
  }

  async stallArchive(): Promise<void> {
    this.archiveStalled = true;
    await this.sync();
  }

  async resumeArchive(): Promise<void> {
    this.archiveStalled = false;
    await this.sync();
  }

  /** The policies the current state renders (for tests and status). */
  async render(): Promise<INetworkPolicy[]> {
    return renderFaultPolicies(await this.networkFacts(), this.state);
  }

  private async sync(): Promise<void> {
    const wanted = await this.render();
    for (const policy of wanted) await applyChecked(this.kube, RESOURCES.networkPolicy, policy as KubeObject);
    const existing = await this.kube.list(RESOURCES.networkPolicy, this.names.namespace, { labelSelector: selectorOf(drillLabels(this.runId, 'fault')) });
    const keep = new Set(wanted.map((p) => p.metadata?.name));
    for (const policy of existing.items) {
      if (!keep.has(policy.metadata.name)) await this.kube.delete(RESOURCES.networkPolicy, policy.metadata.name, this.names.namespace);
    }
  }

  private async networkFacts(): Promise<NetworkFacts> {
    if (this.facts) return this.facts;
    const nodes = await this.kube.list<NodeObject>(RESOURCES.node);
    const podCidrs = [...new Set(nodes.items.flatMap((n) => n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])))];
    const apiService = await this.kube.find<ServiceObject>(RESOURCES.service, 'kubernetes', 'default');
    const apiSlices = await this.kube.list<EndpointSliceObject>(RESOURCES.endpointSlice, 'default', { labelSelector: 'kubernetes.io/service-name=kubernetes' });
    const apiServerIps = [...(apiService?.spec?.clusterIPs ?? (apiService?.spec?.clusterIP ? [apiService.spec.clusterIP] : [])), ...apiSlices.items.flatMap((s) => s.endpoints?.flatMap((e) => e.addresses) ?? [])];
    const clusterServices = await this.kube.list<ServiceObject>(RESOURCES.service, this.names.namespace, { labelSelector: `${CNPG_LABELS.cluster}=${this.names.cluster}` });
    const storeService = this.storeApp ? await this.kube.find<ServiceObject>(RESOURCES.service, this.names.storeServer, this.names.namespace) : null;
    this.facts = {
      runId: this.runId,
      names: this.names,
      pods: this.pods,
      podCidrs,
      apiServerCidrs: [...new Set(apiServerIps)].map(hostCidr),
      storeApp: this.storeApp,
      clusterServiceCidrs: clusterServices.items.flatMap((s) => serviceIps(s)).map(hostCidr),
      storeServiceCidrs: storeService ? serviceIps(storeService).map(hostCidr) : [],
    };
    return this.facts;
  }
}

function serviceIps(service: ServiceObject): string[] {
  const ips = service.spec?.clusterIPs ?? (service.spec?.clusterIP ? [service.spec.clusterIP] : []);
  return ips.filter((ip) => ip && ip !== 'None');
}

function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}
