import { InfrastructureError } from '../../errors.ts';
import { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import { startLocalTarget } from '../../targets/local/local-target.ts';
import { withInterrupts } from '../interrupts.ts';
import { targetDriver } from '../../targets/registry.ts';
import { localOptionsFromFlags, type StackFlags } from '../local-options.ts';
import { cliProgress, logLine, printLine } from '../output.ts';

/** `pgdrill up`: brings a stack up and leaves it running; prints its endpoints. */
export async function upCommand(flags: StackFlags): Promise<number> {
  const target = targetDriver(flags.target).kind;
  if (target !== 'local') {
    throw new InfrastructureError(`pgdrill up brings up the local target only: for ${target}, use pgdrill run --target ${target}`);
  }
  const options = localOptionsFromFlags(flags);
  const progress = cliProgress();
  const teardowns = new TeardownStack();
  const started = performance.now();
  try {
    const stack = await withInterrupts(teardowns, logLine, (signal) => startLocalTarget({ options, progress, teardowns, signal }));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    printLine(`run ${stack.runId} is up (${seconds}s): ${options.zones.length} zone(s), synchronous replication ${options.synchronous}`);
    printLine(`client endpoint (follows the primary): ${stack.record.client.url}`);
    for (const i of stack.record.instances) printLine(`instance ${i.name} (zone ${i.zone}): ${i.url}`);
    printLine(`passwords: ${stack.files.passfile} (use as PGPASSFILE); all endpoints: ${stack.files.env}`);
    printLine(`stop it with: pgdrill down --run ${stack.runId}`);
    return 0;
  } catch (error) {
    await teardowns.runAll((name) => logLine(`cleanup: ${name}`));
    throw error;
  }
}
