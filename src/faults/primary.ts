import type { StartedTarget } from '../targets/target.ts';
import { FaultTargetError } from './errors.ts';

/** The instance the engine considers primary right now; a fault aimed at "primary" needs one. */
export async function currentPrimary(target: StartedTarget): Promise<string> {
  const topology = await target.topology();
  if (!topology.primary) throw new FaultTargetError('no primary to aim the fault at', { topology });
  return topology.primary;
}
