import { defineFault } from '../fault.ts';
import { byTargetWord } from '../resolve.ts';
import { answers, postmasterStartedAt } from '../witness/instance-checks.ts';
import { endpointOf } from '../witness/targets.ts';

/**
 * SIGKILL of every postgres process of the primary; the HA engine restarts
 * PostgreSQL, so healing has nothing to undo. Dated and proven by the
 * postmaster: no answer on a new connection (refused at once: the
 * container still runs), or a new start time.
 */
export const postgresKill = defineFault({
  kind: 'postgres-kill',
  primitives: 'postgresKill',
  describe: "kill the primary's postgres processes (SIGKILL)",
  targets: ['primary'],
  resolveTargets: byTargetWord,
  inject: async (p, [name]) => p.killPostgres(name!),
  heal: async () => undefined,
  witness: {
    before: async (_p, [name], context) => ({ started: await postmasterStartedAt(endpointOf(context, name!), 2_000) }),
    dated: 'by-observation',
    moment: async (_p, [name], context, before) => {
      const started = await postmasterStartedAt(endpointOf(context, name!), 500);
      if (started === null) return `${name}'s postmaster does not answer`;
      return started !== before.started ? `${name}'s postmaster restarted (started ${started}, was ${before.started ?? 'unknown'})` : null;
    },
    proof: async (_p, [name], context, before) => {
      const started = await postmasterStartedAt(endpointOf(context, name!), 1_000);
      if (started === null) return `${name}'s postmaster does not answer`;
      return started !== before.started ? `${name}'s postmaster restarted (started ${started}, was ${before.started ?? 'unknown'})` : null;
    },
    healed: async (_p, [name], context) => ((await answers(endpointOf(context, name!), 1_000)).answers ? `${name} answers again` : null),
  },
});
