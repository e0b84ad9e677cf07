import { formatDuration } from './duration.ts';
import type { Step } from './types.ts';

/** One line per step, for progress output, the history's step events and reports. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'wait':
      return `wait ${formatDuration(step.ms)}`;
    case 'inject':
      return `inject ${step.fault} (${step.id}) on the ${step.target}`;
    case 'heal':
      return step.all ? `heal all (${step.ids.join(', ') || 'none active'})` : `heal ${step.ids.join(', ')}`;
    case 'mark':
      return `mark ${step.name}`;
    case 'wait-healthy':
      return `wait until healthy (at most ${formatDuration(step.timeoutMs)})`;
    case 'backup':
      return `${step.type} backup`;
    case 'sql':
      return `sql: ${step.statement.length > 80 ? `${step.statement.slice(0, 77)}...` : step.statement}`;
    case 'restore':
      return `restore ${step.name} to ${step.to.kind === 'mark' ? `mark ${step.to.mark}` : step.to.kind === 'lsn' ? `LSN ${step.to.lsn}` : 'the end of WAL'}${
        step.shape === 'cluster' ? ' into a cluster' : ''
      }${step.drill ? `, then a drill inside it (${step.drill.steps.map(describeStep).join(', ')})` : ''}`;
    default:
      return assertNever(step);
  }
}

/** Milliseconds the scenario's wait steps add up to (waitHealthy excluded: it is a bound, not a wait). */
export function plannedWaitMs(steps: readonly Step[]): number {
  return steps.reduce((sum, step) => sum + (step.kind === 'wait' ? step.ms : 0), 0);
}

function assertNever(value: never): never {
  throw new Error(`unexpected step ${JSON.stringify(value)}`);
}
