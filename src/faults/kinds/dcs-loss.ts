import { primitiveGroup } from '../../targets/fault-primitives.ts';
import { defineFault } from '../fault.ts';

/**
 * A majority of the consensus store's members stopped: the HA engine loses
 * its source of truth. Dated by the inject (its members are stopped when it
 * returns); proven when none of them answers a health request from inside
 * the stack.
 */
export const dcsLoss = defineFault({
  kind: 'dcs-loss',
  primitives: 'dcs',
  describe: "stop a majority of the consensus store's members",
  targets: ['dcs-majority'],
  resolveTargets: async ({ faults }) => {
    const members = primitiveGroup(faults, 'dcs')?.dcsMembers() ?? [];
    return members.slice(0, Math.floor(members.length / 2) + 1);
  },
  inject: async (p, targets) => p.stopDcsMembers(targets),
  heal: async (p, targets) => p.startDcsMembers(targets),
  witness: {
    before: async () => undefined,
    dated: 'by-inject',
    proof: async (p, targets) => {
      const answering = await Promise.all(targets.map((m) => p.dcsMemberAnswers(m)));
      return answering.some(Boolean) ? null : `consensus members ${targets.join(', ')} do not answer`;
    },
    healed: async (p, targets) => {
      const answering = await Promise.all(targets.map((m) => p.dcsMemberAnswers(m)));
      return answering.every(Boolean) ? `consensus members ${targets.join(', ')} answer again` : null;
    },
  },
});
