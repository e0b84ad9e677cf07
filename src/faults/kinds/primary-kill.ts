import { defineFault } from '../fault.ts';
import { byTargetWord } from '../resolve.ts';
import { answers, postmasterStartedAt } from '../witness/instance-checks.ts';
import { endpointOf } from '../witness/targets.ts';

/**
 * SIGKILL of the primary's whole container or pod; healed by starting it
 * again (it rejoins as a replica). Dated by the moment the target sees its
 * incarnation gone (container stopped, pod replaced); proven when its old
 * postmaster no longer answers (no answer, or a new start time).
 */
export const primaryKill = defineFault({
  kind: 'primary-kill',
  primitives: 'instanceKill',
  describe: "kill the primary's container (SIGKILL)",
  targets: ['primary'],
  resolveTargets: byTargetWord,
  inject: async (p, [name]) => p.killInstance(name!),
  heal: async (p, [name]) => p.startInstance(name!),
  witness: {
    before: async (p, [name], context) => ({
      incarnation: await p.incarnation(name!),
      started: await postmasterStartedAt(endpointOf(context, name!)),
    }),
    dated: 'by-observation',
    moment: async (p, [name], _context, before) => {
      const now = await p.incarnation(name!);
      return now === before.incarnation ? null : `${name}: ${before.incarnation ?? 'instance'} gone${now ? `, now ${now}` : ''}`;
    },
    proof: async (_p, [name], context, before) => {
      const endpoint = endpointOf(context, name!);
      const answer = await answers(endpoint, 1_000);
      if (!answer.answers) return `${name}'s postmaster does not answer (${answer.error})`;
      const started = await postmasterStartedAt(endpoint);
      return started !== null && started !== before.started ? `${name} answers from a new postmaster (started ${started})` : null;
    },
    healed: async (_p, [name], context) => ((await answers(endpointOf(context, name!), 1_000)).answers ? `${name} answers again` : null),
  },
});
