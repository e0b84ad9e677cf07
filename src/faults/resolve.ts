import type { StartedTarget, Topology } from '../targets/target.ts';
import { FaultTargetError } from './errors.ts';

/** Fault targets name instances ("pg-a") or zones ("zone:a"). */
export function zoneTarget(zone: string): string {
  return `zone:${zone}`;
}

export function zoneOf(target: string): string | null {
  return target.startsWith('zone:') ? target.slice('zone:'.length) : null;
}

/** The zones of zone targets; a target that is not a zone is a mistake of the definition. */
export function zonesOf(targets: readonly string[]): string[] {
  return targets.map((t) => {
    const zone = zoneOf(t);
    if (zone === null) throw new FaultTargetError(`"${t}" is not a zone`);
    return zone;
  });
}

export async function topologyWithPrimary(target: StartedTarget): Promise<Topology & { primary: string }> {
  const topology = await target.topology();
  if (!topology.primary) throw new FaultTargetError('no primary to aim the fault at', { topology });
  return topology as Topology & { primary: string };
}

/** The replica a fault hits: the synchronous standby when there is one (the interesting one), else any running replica. */
export function chooseReplica(topology: Topology): string {
  const running = topology.instances.filter((i) => i.name !== topology.primary && (i.state === 'running' || i.state === 'streaming'));
  const replica = running.find((i) => i.role === 'sync-replica') ?? running.find((i) => i.role === 'replica');
  if (!replica) throw new FaultTargetError('no running replica to aim the fault at', { topology });
  return replica.name;
}

/** The usual resolveTargets of a fault definition: the scenario's target word, resolved on the current topology. */
export async function byTargetWord(context: { target: StartedTarget }, request: { target: string }): Promise<string[]> {
  return resolveTargetWord(context.target, request.target);
}

/** Resolves a scenario's target words (primary, replica, primary-zone, replica-zones, zone:x) to instance names or zone targets. */
export async function resolveTargetWord(target: StartedTarget, word: string): Promise<string[]> {
  const explicitZone = zoneOf(word);
  if (explicitZone !== null) return [word];
  const topology = await topologyWithPrimary(target);
  const primary = topology.instances.find((i) => i.name === topology.primary)!;
  switch (word) {
    case 'primary':
      return [topology.primary];
    case 'replica':
      return [chooseReplica(topology)];
    case 'primary-zone':
      return [zoneTarget(primary.zone)];
    case 'replica-zones': {
      const zones = [...new Set(topology.instances.map((i) => i.zone))].filter((z) => z !== primary.zone);
      if (zones.length === 0) throw new FaultTargetError('no zone besides the primary\'s', { topology });
      return zones.map(zoneTarget);
    }
    default:
      throw new FaultTargetError(`unknown fault target "${word}"`);
  }
}
