import type { PartitionSide } from '../../targets/fault-primitives.ts';
import type { Topology } from '../../targets/target.ts';
import { defineFault } from '../fault.ts';
import { byTargetWord, zoneOf } from '../resolve.ts';
import { replicationView } from '../witness/instance-checks.ts';
import { allOf, endpointOf, instancesHit } from '../witness/targets.ts';
import type { FaultContext } from '../fault.ts';

/**
 * A network partition: an instance cut off from the other instances and
 * the consensus store (clients reaching it directly still do), or a whole
 * zone cut off from the other zones. Dated by the inject (the cut is in
 * place when it returns). Proven when, inside the stack, a new connection
 * across the cut fails and the consensus members across it do not answer
 * (the target's cutEvidence), and the replication connections that crossed
 * it are gone: the primary lists no standby from the other side, and no
 * replica on the other side streams.
 */
export const partition = defineFault({
  kind: 'partition',
  primitives: 'partition',
  describe: 'cut an instance or a zone off from the rest of the cluster',
  targets: ['primary', 'replica', 'primary-zone', 'zone:<name>'],
  resolveTargets: byTargetWord,
  inject: async (p, targets) => {
    const zones = targets.map(zoneOf);
    if (zones.every((z) => z !== null)) await Promise.all(zones.map((z) => p.isolateZone(z!)));
    else await p.isolateInstances(targets, { fromDcs: true });
  },
  heal: async (p, targets) => {
    const zones = targets.map(zoneOf);
    if (zones.every((z) => z !== null)) await Promise.all(zones.map((z) => p.rejoinZone(z!)));
    else await p.rejoinInstances(targets);
  },
  witness: {
    before: async (_p, _targets, context): Promise<Topology> => context.target.topology(),
    dated: 'by-inject',
    proof: async (p, targets, context, topology) => {
      const cut = await Promise.all(sidesOf(targets).map((side) => p.cutEvidence(side)));
      return allOf([...cut, await replicationCut(context, instancesHit(targets, topology), topology)]);
    },
    healed: async (p, targets) => allOf(await Promise.all(sidesOf(targets).map((side) => p.rejoinedEvidence(side)))),
  },
});

function sidesOf(targets: readonly string[]): PartitionSide[] {
  const zones = targets.map(zoneOf);
  return zones.every((z) => z !== null) ? zones.map((zone) => ({ zone: zone! })) : [{ instances: [...targets] }];
}

/**
 * The replication connections between the primary at inject time and each
 * replica on the other side of the cut are gone, seen from both ends (the
 * harness still reaches every instance directly): the primary lists no such
 * standby, and no such replica's walreceiver streams.
 */
async function replicationCut(context: FaultContext, isolated: readonly string[], topology: Topology): Promise<string | null> {
  const primary = topology.primary;
  if (!primary) return 'no primary before the cut: no replication to cut';
  const across = topology.instances.map((i) => i.name).filter((n) => n !== primary && isolated.includes(n) !== isolated.includes(primary));
  if (across.length === 0) return 'no replication crossed the cut';
  const primaryView = await replicationView(endpointOf(context, primary), 1_000);
  const listed = primaryView ? primaryView.standbys.filter((s) => across.includes(s.name)).map((s) => s.name) : [];
  if (listed.length > 0) return null;
  const replicas = await Promise.all(across.map(async (name) => ({ name, view: await replicationView(endpointOf(context, name), 1_000) })));
  if (replicas.some((r) => r.view?.receiver === 'streaming')) return null;
  return `replication ${primary} → ${across.join(', ')} gone (${primaryView ? `${primary} lists none of them` : `${primary} does not answer`}; ${replicas
    .map((r) => `${r.name} ${r.view ? `walreceiver ${r.view.receiver ?? 'absent'}` : 'does not answer'}`)
    .join(', ')})`;
}
