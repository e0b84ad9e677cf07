import { dockerClient } from '../../targets/local/docker-engine.ts';
import { removeRunResources } from '../../targets/local/run-resources.ts';
import { isRunRecorded, noSuchRun, removeRunFiles } from '../../targets/local/run-state.ts';
import { assertFlagsFor, targetDriver } from '../../targets/registry.ts';
import { validateRunId } from '../../targets/run-id.ts';
import { printLine } from '../output.ts';
import { selectRun } from './run-selection.ts';

/**
 * `pgdrill down`: removes every container, network, volume and file of one
 * run that `pgdrill up` recorded. A run not recorded here is exit 2 with the
 * line `status` gives (what a killed run left behind is `cleanup`'s).
 */
export async function downCommand(flags: { run?: string }): Promise<number> {
  const runId = selectRun(flags.run);
  if (!isRunRecorded(runId)) throw noSuchRun(runId);
  const removed = await removeRunResources(dockerClient(), runId);
  removeRunFiles(runId);
  printLine(`run ${runId} removed: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.volumes} volume(s)`);
  return 0;
}

/** `pgdrill cleanup`: removes what runs killed before their teardown left behind, on the chosen target. */
export async function cleanupCommand(flags: { run?: string; target?: string } & Record<string, unknown> = {}): Promise<number> {
  const driver = targetDriver(flags.target);
  assertFlagsFor(driver, flags);
  // Every target names its resources after the run id: an invalid one is refused before any target is asked.
  const runId = flags.run === undefined ? undefined : validateRunId(flags.run);
  printLine(await driver.configure(flags).cleanup(runId));
  return 0;
}
