import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProgress } from '../../src/progress/progress.ts';
import { TeardownStack } from '../../src/lifecycle/teardown-stack.ts';
import { dockerClient } from '../../src/targets/local/docker-engine.ts';
import { startLocalTarget, type LocalTarget } from '../../src/targets/local/local-target.ts';
import { RUN_LABEL } from '../../src/targets/labels.ts';
import { localStackOptions, type LocalStackOptions } from '../../src/targets/local/stack-options.ts';

/** Test runs keep their state files in a temp dir, away from the user's. */
export function useTempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgdrill-test-state-'));
  process.env.PGDRILL_STATE_DIR = dir;
  return dir;
}

export function testRunId(label: string): string {
  return `t${label}-${randomBytes(3).toString('hex')}`;
}

export async function startTestStack(overrides: Partial<LocalStackOptions> = {}): Promise<{ target: LocalTarget; teardowns: TeardownStack }> {
  const teardowns = new TeardownStack();
  const options = localStackOptions(overrides.runId ?? testRunId('stack'), overrides);
  const progress = createProgress((line) => process.stderr.write(`[${options.runId}] ${line}\n`));
  try {
    const target = await startLocalTarget({ options, progress, teardowns });
    return { target, teardowns };
  } catch (error) {
    await teardowns.runAll();
    throw error;
  }
}

/** Everything still labelled with the run: what a user would find left behind. */
export async function leftovers(runId: string): Promise<{ containers: number; networks: number; volumes: number }> {
  const docker = dockerClient();
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return { containers: containers.length, networks: networks.length, volumes: (volumes.Volumes ?? []).length };
}
