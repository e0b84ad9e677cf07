import { UsageError } from '../../errors.ts';
import { ZONE_LABEL } from './cnpg.ts';
import type { KubeRest } from './kube-rest.ts';
import { RESOURCES, type KubeObject } from './resources.ts';

/**
 * Scenario zones (a, b, c) are names of the drill; a real cluster's nodes
 * carry their provider's topology.kubernetes.io/zone values (eu-west-1a...).
 * A zone map names, for each scenario zone, the cluster's zone: it goes into
 * the Cluster's node affinity and the fault selectors, and the topology
 * reports the scenario's names again. Without a map a scenario zone is the
 * cluster's zone of the same name (kind's workers are labelled a, b, c).
 */
export interface ZoneMapping {
  toCluster(zone: string): string;
  toScenario(clusterZone: string): string;
}

export function zoneMapping(map: Readonly<Record<string, string>> | undefined): ZoneMapping {
  const reverse = new Map(Object.entries(map ?? {}).map(([scenario, cluster]) => [cluster, scenario]));
  return {
    toCluster: (zone) => map?.[zone] ?? zone,
    toScenario: (clusterZone) => reverse.get(clusterZone) ?? (map && Object.hasOwn(map, clusterZone) ? `${clusterZone} (unmapped)` : clusterZone),
  };
}

/** A label value (Kubernetes: at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending alphanumeric). */
const LABEL_VALUE = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/** Parses `a=eu-west-1a,b=eu-west-1b` (the --zone-map flag). Bad syntax is a usage error (exit 2). */
export function parseZoneMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z0-9]+)=(.+)$/.exec(pair);
    if (!m) throw new UsageError(`--zone-map: "${pair}" is not <scenario zone>=<cluster zone>, e.g. a=eu-west-1a`);
    if (Object.hasOwn(map, m[1]!)) throw new UsageError(`--zone-map: zone ${m[1]} is mapped twice`);
    map[m[1]!] = m[2]!;
  }
  if (Object.keys(map).length === 0) throw new UsageError('--zone-map: expected <scenario zone>=<cluster zone> pairs, e.g. a=eu-west-1a,b=eu-west-1b,c=eu-west-1c');
  return map;
}

/** Checks a map against the scenario's zones before anything starts: every zone mapped, each to its own valid zone (exit 2). */
export function checkZoneMap(zones: readonly string[], map: Readonly<Record<string, string>> | undefined): void {
  if (!map) return;
  const missing = zones.filter((z) => !Object.hasOwn(map, z));
  if (missing.length > 0) throw new UsageError(`the zone map names no cluster zone for scenario zone(s) ${missing.join(', ')}: add ${missing.map((z) => `${z}=<cluster zone>`).join(',')}`);
  const bad = zones.filter((z) => !LABEL_VALUE.test(map[z]!));
  if (bad.length > 0) throw new UsageError(`the zone map gives ${bad.map((z) => `${z}=${map[z]}`).join(', ')}: not a ${ZONE_LABEL} value`);
  const targets = zones.map((z) => map[z]);
  if (new Set(targets).size !== targets.length) throw new UsageError(`the zone map sends two scenario zones to one cluster zone (${zones.map((z) => `${z}=${map[z]}`).join(', ')}): one instance per zone needs distinct zones`);
}

/**
 * The cluster must have a schedulable node in each mapped zone, checked
 * before anything is created: otherwise the Cluster's pods would stay
 * Pending until its timeout. Exit 2: the zones or the map are wrong.
 */
export async function checkClusterZones(kube: KubeRest, zones: readonly string[], map: Readonly<Record<string, string>> | undefined): Promise<void> {
  const mapping = zoneMapping(map);
  const nodes = await kube.list<KubeObject & { spec?: { unschedulable?: boolean } }>(RESOURCES.node);
  const available = new Set(nodes.items.filter((n) => !n.spec?.unschedulable).map((n) => n.metadata.labels?.[ZONE_LABEL]).filter((z): z is string => !!z));
  const missing = zones.filter((z) => !available.has(mapping.toCluster(z)));
  if (missing.length === 0) return;
  const named = missing.map((z) => (map ? `${z} (${mapping.toCluster(z)})` : z)).join(', ');
  const known = [...available].sort();
  throw new UsageError(
    `the cluster has no schedulable node in zone(s) ${named} (its zones: ${known.join(', ') || `none: no node is labelled ${ZONE_LABEL}`})` +
      (known.length > 0 ? `; map the scenario's zones with --zone-map ${zones.map((z, i) => `${z}=${known[i % known.length]}`).join(',')}` : ''),
  );
}
