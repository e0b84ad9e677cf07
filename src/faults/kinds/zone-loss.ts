import type { Topology } from '../../targets/target.ts';
import { defineFault } from '../fault.ts';
import { byTargetWord, zonesOf } from '../resolve.ts';
import { answers } from '../witness/instance-checks.ts';
import { allOf, endpointOf, instancesHit } from '../witness/targets.ts';

/**
 * Every member of a zone (database instance and consensus member) stopped
 * at once; healed by starting them. Dated when the target sees every
 * member of the zone(s) stopped; proven when none of their instances
 * answers a new connection.
 */
export const zoneLoss = defineFault({
  kind: 'zone-loss',
  primitives: 'zoneStop',
  describe: 'stop every container of the zone(s) at once',
  targets: ['primary-zone', 'replica-zones', 'zone:<name>'],
  resolveTargets: byTargetWord,
  inject: async (p, targets) => {
    await Promise.all(zonesOf(targets).map((z) => p.stopZone(z)));
  },
  heal: async (p, targets) => {
    await Promise.all(zonesOf(targets).map((z) => p.startZone(z)));
  },
  witness: {
    before: async (_p, _targets, context): Promise<Topology> => context.target.topology(),
    dated: 'by-observation',
    moment: async (p, targets) => allOf(await Promise.all(zonesOf(targets).map((z) => p.zoneStopped(z)))),
    proof: async (_p, targets, context, topology) => {
      const hit = instancesHit(targets, topology);
      const checks = await Promise.all(hit.map(async (name) => ({ name, answer: await answers(endpointOf(context, name), 1_000) })));
      return checks.every((c) => !c.answer.answers) ? `no instance of the zone(s) answers: ${hit.join(', ')}` : null;
    },
    healed: async (_p, targets, context, topology) => {
      const hit = instancesHit(targets, topology);
      const checks = await Promise.all(hit.map(async (name) => (await answers(endpointOf(context, name), 1_000)).answers));
      return checks.every(Boolean) ? `every instance of the zone(s) answers again: ${hit.join(', ')}` : null;
    },
  },
});
