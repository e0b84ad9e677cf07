import { FAULT_CATALOGUE, unsupportedFaults } from '../faults/catalogue.ts';
import type { Step } from '../scenario/types.ts';
import type { ConfiguredTarget } from '../targets/driver.ts';

/** The target cannot do what the scenario asks: the run is skipped with this reason, before anything starts. */
export class DrillSkipped extends Error {}

/**
 * Why the target cannot run these steps (faults whose primitives it lacks,
 * backups or restores without a repository), or undefined when it can.
 */
export function unsupportedSteps(steps: readonly Step[], target: ConfiguredTarget): string | undefined {
  const capabilities = target.capabilities();
  const faults = unsupportedFaults(steps.flatMap((s) => (s.kind === 'inject' ? [s.fault] : [])), capabilities.primitives);
  const reasons = faults.map((kind) => {
    const why = capabilities.missingReason?.(FAULT_CATALOGUE[kind].primitives);
    return `the ${target.kind} target cannot perform the ${kind} fault${why ? `: ${why}` : ''}`;
  });
  if (!capabilities.backups) {
    const kinds = [...new Set(steps.filter((s) => s.kind === 'backup' || s.kind === 'restore').map((s) => s.kind))];
    if (kinds.length > 0) reasons.push(`the ${target.kind} target has no backup repository (${kinds.join(' and ')} steps)`);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}
