import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import { CNPG_LABELS } from '../cnpg.ts';
import type { DrillNames } from '../drill-names.ts';
import { drillLabels } from '../labels.ts';
import { STORE_APP_LABEL } from './object-store-server.ts';

/** The network faults active right now; pgdrill renders one NetworkPolicy per affected instance pod from it. */
export interface NetworkFaultState {
  /** Groups of instance pods cut off from the cluster's other pods (a group keeps talking within itself). */
  partitions: ReadonlyArray<{ pods: readonly string[]; fromApiServer: boolean }>;
  /** The object store unreachable from every instance pod (WAL archiving fails). */
  archiveStalled: boolean;
}

/** Facts about the cluster's network the policies need. */
export interface NetworkFacts {
  runId: string;
  names: DrillNames;
  /** Every instance pod of the cluster under test. */
  pods: readonly string[];
  /**
   * The instance pods' own addresses, as /32 or /128 CIDRs: ipBlocks for
   * "outside the cluster" must leave them out (implementations match pod
   * IPs against ipBlocks too). Taken from the pods, not from the nodes'
   * spec.podCIDR(s): under Calico IPAM, the AWS VPC CNI or Cilium's cluster
   * pool, pod IPs lie outside those, and the partition would cut nothing.
   */
  instancePodCidrs: readonly string[];
  /** Addresses of the API server (its endpoints and its Service IP), as /32 or /128 CIDRs. */
  apiServerCidrs: readonly string[];
  /** The store's pods carry this label value when pgdrill deployed it; null: the store is outside the cluster. */
  storeApp: string | null;
  /**
   * Service IPs (/32) of the cluster's Services and of the store's, kept out
   * of "outside" ipBlocks too: on a network plugin that matched policies
   * before the Service address is translated, they would reopen the path.
   */
  clusterServiceCidrs: readonly string[];
  storeServiceCidrs: readonly string[];
}

export const NO_NETWORK_FAULTS: NetworkFaultState = { partitions: [], archiveStalled: false };

/**
 * NetworkPolicies are allow-lists and several that select one pod add up, so
 * two faults (a partition and a stalled archive) cannot each have their own
 * policy: pgdrill computes, for each instance pod, the intersection of what
 * every active fault still allows, and keeps exactly one policy per
 * restricted pod. Healing recomputes; a pod no longer restricted loses its
 * policy.
 *
 * A partitioned pod keeps: its group's pods, the namespace's other pods
 * (the store, restored clusters), other namespaces (DNS, the operator, the
 * plugin), and addresses outside the pod network; and, unless cut off from
 * the API server (the "DCS" of CloudNativePG), the API server. Traffic that
 * enters through a port-forward (pgdrill's own direct endpoints) is not
 * subject to NetworkPolicies: clients still reach a partitioned instance.
 */
export function renderFaultPolicies(facts: NetworkFacts, state: NetworkFaultState): INetworkPolicy[] {
  const policies: INetworkPolicy[] = [];
  for (const pod of facts.pods) {
    const groups = state.partitions.filter((p) => p.pods.includes(pod));
    if (groups.length === 0 && !state.archiveStalled) continue;
    const isolated = groups.length > 0;
    const reachablePods = groups.reduce<readonly string[]>((allowed, g) => allowed.filter((p) => g.pods.includes(p)), facts.pods);
    const fromApiServer = groups.some((g) => g.fromApiServer);
    const storeBlocked = state.archiveStalled;

    const clusterPeers: INetworkPolicyPeer = isolated
      ? { podSelector: { matchExpressions: [{ key: CNPG_LABELS.instanceName, operator: 'In', values: [...reachablePods] }] } }
      : { podSelector: { matchLabels: { [CNPG_LABELS.cluster]: facts.names.cluster } } };
    const namespacePeers = (withoutStore: boolean): INetworkPolicyPeer => ({
      podSelector: {
        matchExpressions: [
          { key: CNPG_LABELS.cluster, operator: 'NotIn', values: [facts.names.cluster] },
          ...(withoutStore && facts.storeApp ? [{ key: STORE_APP_LABEL, operator: 'NotIn', values: [facts.storeApp] }] : []),
        ],
      },
    });
    const otherNamespaces: INetworkPolicyPeer = {
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [facts.names.namespace] }] },
    };
    const outside = (except: readonly string[]): INetworkPolicyPeer[] =>
      ['0.0.0.0/0', ...(facts.instancePodCidrs.some(isIpv6) ? ['::/0'] : [])].map((cidr) => {
        const excluded = except.filter((c) => isIpv6(c) === isIpv6(cidr));
        return { ipBlock: { cidr, ...(excluded.length > 0 ? { except: excluded } : {}) } };
      });

    // Outside the pod network: everything, unless the store lives there and is stalled (then only the API server).
    const externalStoreStalled = storeBlocked && facts.storeApp === null;
    const egressOutside: INetworkPolicyPeer[] = externalStoreStalled
      ? fromApiServer
        ? []
        : facts.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } }))
      : outside([
          ...facts.instancePodCidrs,
          ...(fromApiServer ? facts.apiServerCidrs : []),
          ...(isolated ? facts.clusterServiceCidrs : []),
          ...(storeBlocked ? facts.storeServiceCidrs : []),
        ]);

    policies.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: facts.names.faultPolicy(pod), namespace: facts.names.namespace, labels: drillLabels(facts.runId, 'fault') },
      spec: {
        podSelector: { matchLabels: { [CNPG_LABELS.cluster]: facts.names.cluster, [CNPG_LABELS.instanceName]: pod } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: isolated ? [{ from: [clusterPeers, namespacePeers(false), otherNamespaces, ...outside(facts.instancePodCidrs)] }] : [{}],
        egress: [{ to: [clusterPeers, namespacePeers(storeBlocked), otherNamespaces, ...egressOutside] }],
      },
    });
  }
  return policies;
}

function isIpv6(cidr: string): boolean {
  return cidr.includes(':');
}
