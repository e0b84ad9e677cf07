import { dockerClient } from '../../targets/local/docker-engine.ts';
import { listRuns, removeRunResources } from '../../targets/local/run-resources.ts';
import { recordedRunIds, removeRunFiles } from '../../targets/local/run-state.ts';
import { printLine } from '../output.ts';
import { selectRun } from './run-selection.ts';

/** `pgdrill down`: removes every container, network, volume and file of one run. */
export async function downCommand(flags: { run?: string }): Promise<number> {
  const runId = selectRun(flags.run);
  const removed = await removeRunResources(dockerClient(), runId);
  removeRunFiles(runId);
  printLine(`run ${runId} removed: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.volumes} volume(s)`);
  return 0;
}

/** `pgdrill cleanup`: removes everything labelled pgdrill.run, for runs killed before their teardown. */
export async function cleanupCommand(flags: { run?: string } = {}): Promise<number> {
  const docker = dockerClient();
  const runs = flags.run !== undefined ? new Set([flags.run]) : new Set([...(await listRuns(docker)), ...recordedRunIds()]);
  const removed = await removeRunResources(docker, flags.run);
  for (const runId of runs) removeRunFiles(runId);
  printLine(
    `removed ${runs.size} run(s): ${removed.containers} container(s), ${removed.networks} network(s), ${removed.volumes} volume(s)`,
  );
  return 0;
}
