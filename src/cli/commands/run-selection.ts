import { UsageError } from '../../errors.ts';
import { validateRunId } from '../../targets/run-id.ts';
import { recordedRunIds } from '../../targets/local/run-state.ts';

/** The run a command acts on: the one named (a valid run id, else exit 2), or the only one recorded on this machine. */
export function selectRun(runId: string | undefined): string {
  if (runId !== undefined) return validateRunId(runId);
  const runs = recordedRunIds();
  if (runs.length === 1) return runs[0]!;
  if (runs.length === 0) throw new UsageError('no run is up on this machine (start one with "pgdrill up")');
  throw new UsageError(`several runs are up (${runs.join(', ')}): choose one with --run`);
}
