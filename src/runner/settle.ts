import type { StartedTarget, Topology } from '../targets/target.ts';

const SETTLED_LAG_BYTES = 1024 * 1024;

/**
 * Settled = a primary, and every other instance a running replica on the
 * primary's timeline with (almost) no lag, as the engine reports it. Returns the
 * problem while not settled.
 */
export function settleProblem(topology: Topology): string | undefined {
  if (!topology.primary) return 'no primary';
  const primary = topology.instances.find((i) => i.name === topology.primary)!;
  for (const i of topology.instances) {
    if (i === primary) continue;
    if (i.role !== 'replica' && i.role !== 'sync-replica') return `${i.name} is ${i.role} (${i.state})`;
    if (i.state !== 'running' && i.state !== 'streaming') return `${i.name} is ${i.state}`;
    if (i.timeline !== primary.timeline) return `${i.name} on timeline ${i.timeline ?? '?'}, primary on ${primary.timeline ?? '?'}`;
    // Observers keep writing canaries, so lag is rarely exactly 0; final reads wait for exact replay.
    if (i.lagBytes === null || i.lagBytes > SETTLED_LAG_BYTES) return `${i.name} lags ${i.lagBytes ?? 'an unknown number of'} bytes`;
  }
  return undefined;
}

/** Waits until the stack settles; returns the final topology, or the last problem when time ran out. */
export async function waitUntilSettled(
  target: StartedTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ topology: Topology | null; problem?: string }> {
  const deadline = performance.now() + timeoutMs;
  let problem = 'not asked yet';
  let topology: Topology | null = null;
  while (performance.now() < deadline) {
    signal?.throwIfAborted();
    try {
      topology = await target.topology();
      const p = settleProblem(topology);
      if (p === undefined) return { topology };
      problem = p;
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { topology, problem };
}
