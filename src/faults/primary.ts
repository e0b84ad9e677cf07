import type { StartedTarget } from '../targets/target.ts';
import { topologyWithPrimary } from './resolve.ts';

/** The instance the engine considers primary right now; a fault aimed at "primary" needs one. */
export async function currentPrimary(target: StartedTarget): Promise<string> {
  return (await topologyWithPrimary(target)).primary;
}
