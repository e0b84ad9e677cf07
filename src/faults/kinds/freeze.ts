import { defineFault } from '../fault.ts';
import { byTargetWord } from '../resolve.ts';
import { answers } from '../witness/instance-checks.ts';
import { endpointOf } from '../witness/targets.ts';

/**
 * Every process of the instance frozen (docker pause): it wakes up later
 * with its old view of the world. Dated when the target sees it paused;
 * proven when it does not answer a new connection within 1 s.
 */
export const freeze = defineFault({
  kind: 'freeze',
  primitives: 'freeze',
  describe: 'freeze an instance (docker pause), then resume it',
  targets: ['primary', 'replica'],
  resolveTargets: byTargetWord,
  inject: async (p, [name]) => p.freezeInstance(name!),
  heal: async (p, [name]) => p.thawInstance(name!),
  witness: {
    before: async () => undefined,
    dated: 'by-observation',
    moment: async (p, [name]) => p.frozen(name!),
    proof: async (_p, [name], context) => {
      const answer = await answers(endpointOf(context, name!), 1_000);
      return answer.answers ? null : `${name} does not answer within 1 s (${answer.error})`;
    },
    healed: async (p, [name], context) => {
      if ((await p.frozen(name!)) !== null) return null;
      return (await answers(endpointOf(context, name!), 1_000)).answers ? `${name} thawed and answers` : null;
    },
  },
});
