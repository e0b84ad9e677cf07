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
    await removeWhenFree(() => docker.getNetwork(n.Id).remove());
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
 * container's endpoint or mount (seen after a forced remove returned): ask
 * again for a while instead of leaving it behind. Gone already is fine.
 */
async function removeWhenFree(remove: () => Promise<unknown>, patienceMs = 15_000): Promise<void> {
  const deadline = performance.now() + patienceMs;
  for (;;) {
    try {
      await remove();
      return;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) return;
      if (status !== 409 || performance.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
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
