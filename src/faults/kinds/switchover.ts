import { FaultTargetError } from '../errors.ts';
import { defineFault } from '../fault.ts';
import { topologyWithPrimary } from '../resolve.ts';
import { demotionSeen, replicationView } from '../witness/instance-checks.ts';
import { endpointOf } from '../witness/targets.ts';

/**
 * A planned switchover to a synchronous standby when there is one (an engine
 * in synchronous mode only accepts those), else to any running replica.
 * Targets: [old primary, candidate]. Dated by the moment the old primary
 * says it is in recovery or refuses connections (the outage begins; a
 * timeout proves nothing); proven when the candidate answers as the primary.
 */
export const switchover = defineFault({
  kind: 'switchover',
  primitives: 'switchover',
  describe: 'planned switchover through the HA engine',
  targets: ['primary'],
  resolveTargets: async ({ target }) => {
    const topology = await topologyWithPrimary(target);
    const replicas = topology.instances.filter((i) => i.name !== topology.primary && (i.state === 'running' || i.state === 'streaming'));
    const candidate = replicas.find((i) => i.role === 'sync-replica') ?? replicas.find((i) => i.role === 'replica');
    if (!candidate) throw new FaultTargetError('no running replica to switch over to', { topology });
    return [topology.primary, candidate.name];
  },
  inject: async (p, [primary, candidate]) => p.switchover(primary!, candidate!),
  heal: async () => undefined,
  witness: {
    before: async () => undefined,
    dated: 'by-observation',
    moment: async (_p, [primary], context) => demotionSeen(endpointOf(context, primary!), primary!),
    proof: async (_p, [primary, candidate], context) => {
      const view = await replicationView(endpointOf(context, candidate!), 1_000);
      return view && !view.inRecovery ? `${candidate} answers as the primary (was ${primary})` : null;
    },
    healed: async () => 'nothing to undo (a planned switchover)',
  },
});
