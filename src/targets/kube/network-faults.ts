import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { CNPG_LABELS } from './cnpg.ts';
import type { DrillNames } from './drill-names.ts';
import { drillLabels, selectorOf } from './labels.ts';
import { applyChecked } from './apply.ts';
import type { KubeRest } from './kube-rest.ts';
import { renderFaultPolicies, type NetworkFacts, type NetworkFaultState } from './manifests/fault-policies.ts';
import { RESOURCES, type KubeObject } from './resources.ts';
import { PrimitiveUnsupportedError } from '../errors.ts';

interface PodObject extends KubeObject {
  status?: { podIP?: string; podIPs?: Array<{ ip: string }> };
}
interface ServiceObject extends KubeObject {
  spec?: { clusterIP?: string; clusterIPs?: string[] };
}
interface EndpointSliceObject extends KubeObject {
  endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean } }>;
}

/** Added to the deployed store's Service selector while the archive is stalled; no pod carries it. */
export const STALL_SELECTOR_LABEL = 'pgdrill.archive-stalled';

/**
 * Partitions and a stalled archive as NetworkPolicies. Keeps the set of
 * active network faults and, after every change, makes the cluster's
 * policies exactly what that set renders (one per restricted pod; see
 * fault-policies.ts for why not one per fault).
 */
export class NetworkFaults {
  private partitions: Array<{ pods: string[]; fromApiServer: boolean }> = [];
  private archiveStalled = false;
  private facts: Omit<NetworkFacts, 'instancePodCidrs'> | undefined;
  private support: Promise<string | null> | undefined;

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
    await this.assertPoliciesWork();
    this.partitions.push({ pods: [...pods], fromApiServer });
    await this.sync();
  }

  /** Removes the partition(s) of exactly these pods. */
  async rejoin(pods: readonly string[]): Promise<void> {
    const key = [...pods].sort().join(',');
    this.partitions = this.partitions.filter((p) => [...p.pods].sort().join(',') !== key);
    await this.sync();
  }

  /**
   * A store pgdrill deployed: its Service's selector gets a label no pod
   * carries, so the Service has no endpoints and kube-proxy rejects new
   * connections to it at once (its no-endpoints REJECT rule,
   * kubernetes/kubernetes#17359). Not a NetworkPolicy: dropped SYNs make
   * barman-cloud wait out boto's connect timeout (60 s, botocore's default:
   * barman/cloud_providers/aws_s3.py sets only read_timeout) and its
   * retries, so archive_command would not fail within a short stall. Not
   * scaling the store to zero either: its data is in an emptyDir, which
   * would take the archive and the base backups with it. The store's pod
   * keeps running (pgdrill's own listing reaches it by port-forward).
   *
   * A store outside the cluster: a NetworkPolicy is all pgdrill can do
   * (egress limited to the API server and in-cluster peers). The client's
   * connection attempts then time out rather than fail, and archive_command
   * fails only after its connect timeouts: the witness (the failed count
   * rises) decides, and a stall shorter than that is inconclusive.
   */
  async stallArchive(): Promise<void> {
    if (!this.storeApp) await this.assertPoliciesWork();
    this.archiveStalled = true;
    if (this.storeApp) {
      await this.kube.mergePatch(RESOURCES.service, this.names.storeServer, this.names.namespace, { spec: { selector: { [STALL_SELECTOR_LABEL]: 'true' } } });
      await this.storeEndpointsGone();
    }
    await this.sync();
  }

  async resumeArchive(): Promise<void> {
    this.archiveStalled = false;
    if (this.storeApp && (await this.kube.find(RESOURCES.service, this.names.storeServer, this.names.namespace))) {
      await this.kube.mergePatch(RESOURCES.service, this.names.storeServer, this.names.namespace, { spec: { selector: { [STALL_SELECTOR_LABEL]: null } } });
    }
    await this.sync();
  }

  /** The policies the current state renders (for tests and status). */
  async render(): Promise<INetworkPolicy[]> {
    // A deployed store is stalled through its Service, not by policy.
    const state = this.state;
    return renderFaultPolicies(await this.networkFacts(), { ...state, archiveStalled: state.archiveStalled && this.storeApp === null });
  }

  /** Until no EndpointSlice of the store's Service lists a ready endpoint (bounded: the witness decides beyond). */
  private async storeEndpointsGone(timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const slices = await this.kube.list<EndpointSliceObject>(RESOURCES.endpointSlice, this.names.namespace, {
        labelSelector: `kubernetes.io/service-name=${this.names.storeServer}`,
      });
      if (!slices.items.some((s) => s.endpoints?.some((e) => e.conditions?.ready !== false))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
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
    this.facts ??= await this.staticFacts();
    // The pods' addresses are read at every change: a recreated pod has a new one.
    return { ...this.facts, instancePodCidrs: (await this.instancePodIps()).map(hostCidr) };
  }

  private async staticFacts(): Promise<Omit<NetworkFacts, 'instancePodCidrs'>> {
    const apiService = await this.kube.find<ServiceObject>(RESOURCES.service, 'kubernetes', 'default');
    const apiSlices = await this.kube.list<EndpointSliceObject>(RESOURCES.endpointSlice, 'default', { labelSelector: 'kubernetes.io/service-name=kubernetes' });
    const apiServerIps = [...(apiService?.spec?.clusterIPs ?? (apiService?.spec?.clusterIP ? [apiService.spec.clusterIP] : [])), ...apiSlices.items.flatMap((s) => s.endpoints?.flatMap((e) => e.addresses) ?? [])];
    const clusterServices = await this.kube.list<ServiceObject>(RESOURCES.service, this.names.namespace, { labelSelector: `${CNPG_LABELS.cluster}=${this.names.cluster}` });
    const storeService = this.storeApp ? await this.kube.find<ServiceObject>(RESOURCES.service, this.names.storeServer, this.names.namespace) : null;
    return {
      runId: this.runId,
      names: this.names,
      pods: this.pods,
      apiServerCidrs: [...new Set(apiServerIps)].map(hostCidr),
      storeApp: this.storeApp,
      clusterServiceCidrs: clusterServices.items.flatMap((s) => serviceIps(s)).map(hostCidr),
      storeServiceCidrs: storeService ? serviceIps(storeService).map(hostCidr) : [],
    };
  }

  /** The addresses of the cluster's instance pods right now (every family). */
  async instancePodIps(): Promise<string[]> {
    const pods = await this.kube.list<PodObject>(RESOURCES.pod, this.names.namespace, {
      labelSelector: `${CNPG_LABELS.cluster}=${this.names.cluster},${CNPG_LABELS.podRole}=instance`,
    });
    return [...new Set(pods.items.flatMap((p) => p.status?.podIPs?.map((i) => i.ip) ?? (p.status?.podIP ? [p.status.podIP] : [])))].sort();
  }

  /**
   * Refuses the NetworkPolicy faults where they cannot work as rendered:
   * on Cilium, an ipBlock does not select the API server (nor any node)
   * unless `policy-cidr-match-mode` includes `nodes` (Cilium 1.15 and
   * later; Cilium's NetworkPolicy documentation), so every fault policy
   * would also cut the instances off the API server. Read once.
   */
  private async assertPoliciesWork(): Promise<void> {
    this.support ??= (async () => {
      const cilium = await this.kube.find(RESOURCES.crd, 'ciliumnetworkpolicies.cilium.io').catch(() => undefined);
      if (!cilium) return null;
      const config = await this.kube.find<KubeObject & { data?: Record<string, string> }>(RESOURCES.configMap, 'cilium-config', 'kube-system').catch(() => undefined);
      const mode = config?.data?.['policy-cidr-match-mode'] ?? '';
      if (mode.split(/[\s,]+/).includes('nodes')) return null;
      return `Cilium runs here and its policy-cidr-match-mode is ${config ? `"${mode || 'unset'}"` : 'unreadable (kube-system/cilium-config)'}: an ipBlock selects neither the API server nor the nodes unless it includes "nodes", so pgdrill's fault NetworkPolicies would cut the instances off the API server too`;
    })();
    const reason = await this.support;
    if (reason) throw new PrimitiveUnsupportedError(reason);
  }
}

function serviceIps(service: ServiceObject): string[] {
  const ips = service.spec?.clusterIPs ?? (service.spec?.clusterIP ? [service.spec.clusterIP] : []);
  return ips.filter((ip) => ip && ip !== 'None');
}

function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}
