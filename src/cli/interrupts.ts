import { InterruptedError } from '../errors.ts';
import type { TeardownStack } from '../lifecycle/teardown-stack.ts';

const GRACE_MS = 20_000;

/**
 * Runs `work` so that Ctrl-C or SIGTERM aborts it, then lets the caller's
 * cleanup run: the first signal aborts (work notices at its next
 * checkpoint); if it has not finished within a grace period, or a second
 * signal comes, the teardown stack runs at once and the process exits 130.
 */
export async function withInterrupts<T>(
  teardowns: TeardownStack,
  log: (line: string) => void,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const cleanUpAndExit = (): void => {
    void teardowns
      .runAll((name) => log(`cleanup: ${name}`))
      .finally(() => process.exit(130));
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      log(`${signal} again: cleaning up now`);
      cleanUpAndExit();
      return;
    }
    interrupted = signal;
    log(`${signal}: stopping; everything this run started will be removed (signal again to hurry)`);
    controller.abort(new InterruptedError(signal));
    setTimeout(cleanUpAndExit, GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await work(controller.signal);
    if (interrupted) throw new InterruptedError(interrupted);
    return result;
  } catch (error) {
    if (interrupted) throw new InterruptedError(interrupted);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
