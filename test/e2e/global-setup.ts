import { createProgress } from '../../src/progress/progress.ts';
import { ensureDockerEngine } from '../../src/targets/local/docker-engine.ts';
import { ensureNodeImage } from '../../src/targets/local/node-image.ts';

/**
 * Prepares the machine once for every end-to-end test, as `pgdrill up`
 * would on a fresh machine: installs and starts the Docker engine when
 * allowed, builds the node image when this recipe was never built here.
 */
export default async function setup(): Promise<void> {
  const progress = createProgress((line) => process.stderr.write(`[e2e setup] ${line}\n`));
  const docker = await ensureDockerEngine(progress);
  const image = await ensureNodeImage(docker, progress);
  process.stderr.write(`[e2e setup] docker engine ready, node image ${image}\n`);
}
