import type Docker from 'dockerode';
import { RUN_LABEL } from '../labels.ts';

export interface RemovedResources {
  containers: number;
  networks: number;
  volumes: number;
}

function filter(runId?: string): string {
  return JSON.stringify({ label: [runId === undefined ? RUN_LABEL : `${RUN_LABEL}=${runId}`] });
}

/**
 * Removes every container, network and volume labelled with the run (or with
 * any run when runId is undefined). Safe to call twice, and on a half-made run.
 */
export async function removeRunResources(docker: Docker, runId?: string): Promise<RemovedResources> {
  const removed: RemovedResources = { containers: 0, networks: 0, volumes: 0 };
  const containers = await docker.listContainers({ all: true, filters: filter(runId) });
  await Promise.all(
    containers.map(async (c) => {
      const container = docker.getContainer(c.Id);
      // A paused container cannot be removed: resume it first (a freeze fault may have left it so).
      if (c.State === 'paused') await container.unpause().catch(() => undefined);
      await container.remove({ force: true, v: true }).catch(ignoreMissing);
      removed.containers++;
    }),
  );
  const networks = await docker.listNetworks({ filters: filter(runId) });
  for (const n of networks) {
    const network = docker.getNetwork(n.Id);
    await removeWhenFree(() => network.remove(), { onActiveEndpoints: () => disconnectAll(network) });
    removed.networks++;
  }
  const volumes = (await docker.listVolumes({ filters: filter(runId) })).Volumes ?? [];
  for (const v of volumes) {
    await removeWhenFree(() => docker.getVolume(v.Name).remove({ force: true }));
    removed.volumes++;
  }
  return removed;
}

/**
 * A network or volume answers 409 while the engine still releases a removed
 * container's endpoint or mount (seen after a forced remove returned), and a
 * network 403 "has active endpoints" when the engine kept an endpoint of a
 * container that is gone (seen with Docker 20.10 right after teardown; it
 * stayed until the endpoint was disconnected by force): ask again for a
 * while, clearing such endpoints, instead of leaving it behind. Gone
 * already is fine.
 */
export async function removeWhenFree(
  remove: () => Promise<unknown>,
  options: { patienceMs?: number; pauseMs?: number; onActiveEndpoints?: () => Promise<void> } = {},
): Promise<void> {
  const deadline = performance.now() + (options.patienceMs ?? 15_000);
  for (;;) {
    try {
      await remove();
      return;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) return;
      const activeEndpoints = status === 403 && /active endpoints/i.test(String((error as Error).message));
      if ((status !== 409 && !activeEndpoints) || performance.now() > deadline) throw error;
      if (activeEndpoints) await options.onActiveEndpoints?.();
      await new Promise((r) => setTimeout(r, options.pauseMs ?? 250));
    }
  }
}

/** Disconnects, by force, every endpoint the network still lists (a removed container's stale one included). */
async function disconnectAll(network: Docker.Network): Promise<void> {
  const info = (await network.inspect().catch(() => null)) as { Containers?: Record<string, { Name?: string }> } | null;
  for (const [id, endpoint] of Object.entries(info?.Containers ?? {})) {
    // A stale endpoint's container no longer exists: the engine accepts its name (or id) with Force.
    await network.disconnect({ Container: endpoint.Name || id, Force: true }).catch(() => undefined);
  }
}

/** Run ids that have at least one labelled container, network or volume on the engine. */
export async function listRuns(docker: Docker): Promise<string[]> {
  const ids = new Set<string>();
  for (const c of await docker.listContainers({ all: true, filters: filter() })) {
    const id = c.Labels[RUN_LABEL];
    if (id) ids.add(id);
  }
  for (const n of await docker.listNetworks({ filters: filter() })) {
    const id = n.Labels?.[RUN_LABEL];
    if (id) ids.add(id);
  }
  return [...ids].sort();
}

function ignoreMissing(error: unknown): void {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 404 || status === 409) return;
  throw error;
}
