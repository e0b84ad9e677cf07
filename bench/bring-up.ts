import { cpus } from 'node:os';
import { createProgress } from '../src/progress/progress.ts';
import { TeardownStack } from '../src/lifecycle/teardown-stack.ts';
import { ensureDockerEngine } from '../src/targets/local/docker-engine.ts';
import { ensureNodeImage } from '../src/targets/local/node-image.ts';
import { startLocalTarget } from '../src/targets/local/local-target.ts';
import { localStackOptions } from '../src/targets/local/stack-options.ts';
import type { BenchResult } from './bench-result.ts';

const BUDGET_SECONDS = 45;

/**
 * `pgdrill up` of the default 3-zone stack with the image already built,
 * split by phase. The image is built (and its time excluded) before timing.
 */
export async function bringUpBench(): Promise<BenchResult> {
  const quiet = createProgress(() => undefined);
  const docker = await ensureDockerEngine(quiet);
  const image = await ensureNodeImage(docker, quiet);
  const progress = createProgress(() => undefined);
  const teardowns = new TeardownStack();
  const started = performance.now();
  let totalSeconds = 0;
  try {
    await startLocalTarget({
      options: localStackOptions(`bench-${Date.now().toString(36)}`),
      progress,
      teardowns,
    });
  } finally {
    totalSeconds = (performance.now() - started) / 1000;
    await teardowns.runAll();
  }
  return {
    name: 'bring-up',
    title: 'local target bring-up (3 zones, synchronous on, image already built)',
    rows: [
      ...progress.timings.map((t) => ({ metric: `phase: ${t.name}`, value: Number((t.ms / 1000).toFixed(1)), unit: 's' })),
      { metric: 'total', value: Number(totalSeconds.toFixed(1)), unit: 's', target: `<= ${BUDGET_SECONDS}`, met: totalSeconds <= BUDGET_SECONDS },
    ],
    notes: [`image ${image}`, `${cpus().length} cores`],
  };
}
