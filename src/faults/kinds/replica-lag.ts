import { defineFault } from '../fault.ts';
import { byTargetWord, topologyWithPrimary } from '../resolve.ts';
import { standbyLagBytes } from '../witness/instance-checks.ts';
import { endpointOf } from '../witness/targets.ts';

const RISEN_BYTES = 1024 * 1024;

/**
 * Packet delay and loss on a replica's link (tc netem, or a rate limit):
 * replication falls behind. Dated by the inject (the qdisc is in place when
 * it returns); proven when the lag the primary reports for the replica
 * rises past 1 MiB, or rises sample after sample (four in a row).
 */
export const replicaLag = defineFault({
  kind: 'replica-lag',
  primitives: 'link',
  describe: "delay and drop packets on a replica's link (netem)",
  targets: ['replica'],
  resolveTargets: byTargetWord,
  inject: async (p, [name]) => p.degradeLink(name!),
  heal: async (p, [name]) => p.restoreLink(name!),
  witness: {
    before: async (_p, [name], context) => {
      const primary = (await topologyWithPrimary(context.target)).primary;
      return { primary, lag: (await standbyLagBytes(endpointOf(context, primary), name!)) ?? 0, samples: [] as number[] };
    },
    dated: 'by-inject',
    proof: async (_p, [name], context, before) => {
      const lag = await standbyLagBytes(endpointOf(context, before.primary), name!);
      if (lag === null) return null;
      before.samples.push(lag);
      if (lag > RISEN_BYTES) return `${before.primary} reports ${name} ${lag} bytes behind (was ${before.lag})`;
      const last = before.samples.slice(-4);
      const rising = last.length === 4 && last.every((v, i) => i === 0 || v > last[i - 1]!);
      return rising && lag > before.lag ? `${name}'s lag keeps rising: ${last.join(' → ')} bytes (was ${before.lag})` : null;
    },
    healed: async (_p, [name], context, before) => {
      const lag = await standbyLagBytes(endpointOf(context, before.primary), name!);
      return lag !== null && lag < RISEN_BYTES ? `${name} caught up to ${lag} bytes behind ${before.primary}` : null;
    },
  },
});
