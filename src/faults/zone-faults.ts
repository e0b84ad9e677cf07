import type { FaultDefinition } from './fault.ts';
import { FaultTargetError } from './errors.ts';
import { resolveTargetWord, zoneOf } from './resolve.ts';

function zonesOf(targets: string[]): string[] {
  return targets.map((t) => {
    const zone = zoneOf(t);
    if (zone === null) throw new FaultTargetError(`"${t}" is not a zone`);
    return zone;
  });
}

/** Every member of a zone (database instance and consensus member) stopped at once; healed by starting them. */
export const zoneLoss: FaultDefinition = {
  kind: 'zone-loss',
  capability: 'zone-loss',
  describe: 'stop every container of the zone(s) at once',
  resolveTargets: async ({ target }, request) => resolveTargetWord(target, request.target),
  inject: async ({ target }, targets) => {
    await Promise.all(zonesOf(targets).map((z) => target.faults.stopZone(z)));
  },
  heal: async ({ target }, targets) => {
    await Promise.all(zonesOf(targets).map((z) => target.faults.startZone(z)));
  },
};

/**
 * A network partition: an instance cut off from the other instances and
 * the consensus store (clients reaching it directly still do), or a whole
 * zone cut off from the other zones.
 */
export const partition: FaultDefinition = {
  kind: 'partition',
  capability: 'partition',
  describe: 'cut an instance or a zone off from the rest of the cluster',
  resolveTargets: async ({ target }, request) => resolveTargetWord(target, request.target),
  inject: async ({ target }, targets) => {
    const zones = targets.map(zoneOf);
    if (zones.every((z) => z !== null)) {
      await Promise.all(zones.map((z) => target.faults.isolateZone(z!)));
    } else {
      await target.faults.isolateInstances(targets, { fromDcs: true });
    }
  },
  heal: async ({ target }, targets) => {
    const zones = targets.map(zoneOf);
    if (zones.every((z) => z !== null)) await Promise.all(zones.map((z) => target.faults.rejoinZone(z!)));
    else await target.faults.rejoinInstances(targets);
  },
};

/** The link from every database instance to the backup repository cut: WAL archiving fails until healed. */
export const stalledArchive: FaultDefinition = {
  kind: 'stalled-archive',
  capability: 'stalled-archive',
  describe: 'make the backup repository unreachable from the database instances',
  resolveTargets: async () => ['repository'],
  inject: async ({ target }) => target.faults.stallArchive(),
  heal: async ({ target }) => target.faults.resumeArchive(),
};

/** A majority of the consensus store's members stopped: the HA engine loses its source of truth. */
export const dcsLoss: FaultDefinition = {
  kind: 'dcs-loss',
  capability: 'dcs-loss',
  describe: "stop a majority of the consensus store's members",
  resolveTargets: async ({ target }) => {
    const members = target.faults.dcsMembers();
    return members.slice(0, Math.floor(members.length / 2) + 1);
  },
  inject: async ({ target }, targets) => target.faults.stopDcsMembers(targets),
  heal: async ({ target }, targets) => target.faults.startDcsMembers(targets),
};
