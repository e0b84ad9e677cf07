import { FaultTargetError } from '../errors.ts';
import type { FaultContext } from '../fault.ts';
import { zoneOf } from '../resolve.ts';
import type { ConnectionInfo } from '../../targets/endpoints.ts';
import type { Topology } from '../../targets/target.ts';

/** The direct endpoint of an instance the fault hit. */
export function endpointOf(context: FaultContext, name: string): ConnectionInfo {
  const endpoint = context.target.instances.find((i) => i.name === name);
  if (!endpoint) throw new FaultTargetError(`no direct endpoint for instance ${name}`);
  return endpoint.connection;
}

/** The database instances a fault's targets stand for: themselves, or every instance of a zone target. */
export function instancesHit(targets: readonly string[], topology: Topology): string[] {
  return targets.flatMap((t) => {
    const zone = zoneOf(t);
    return zone === null ? [t] : topology.instances.filter((i) => i.zone === zone).map((i) => i.name);
  });
}

/** Evidence lines joined, or null when any is missing: every part must hold. */
export function allOf(parts: readonly (string | null)[]): string | null {
  return parts.every((p) => p !== null) ? parts.join('; ') : null;
}
