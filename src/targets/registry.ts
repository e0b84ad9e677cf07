import { UsageError } from '../errors.ts';
import type { TargetDriver } from './driver.ts';
import { kindDriver } from './kind/kind-driver.ts';
import { kubernetesDriver } from './kubernetes/kubernetes-driver.ts';
import { localDriver } from './local/local-driver.ts';
import type { TargetKind } from './target.ts';

/** One driver per target kind: what the CLI and the runner ask about targets. */
export const TARGET_DRIVERS: { readonly [K in TargetKind]: TargetDriver } = {
  local: localDriver,
  kind: kindDriver,
  kubernetes: kubernetesDriver,
};

export const TARGET_KINDS = Object.keys(TARGET_DRIVERS) as readonly TargetKind[];

/** The driver of a target kind named on the command line; an unknown one is exit 2. */
export function targetDriver(kind: string | undefined): TargetDriver {
  const name = kind ?? 'local';
  if (!Object.hasOwn(TARGET_DRIVERS, name)) throw new UsageError(`unknown target "${name}": expected one of ${TARGET_KINDS.join(', ')}`);
  return TARGET_DRIVERS[name as TargetKind];
}

/**
 * Refuses a flag that belongs to another target kind than the chosen one
 * ("--namespace goes with --target kubernetes"): silently ignoring it could
 * drill somewhere else than the user meant.
 */
export function assertFlagsFor(driver: TargetDriver, options: Readonly<Record<string, unknown>>): void {
  const own = new Set(driver.flags.map((f) => f.key));
  for (const other of Object.values(TARGET_DRIVERS)) {
    if (other.kind === driver.kind) continue;
    for (const flag of other.flags) {
      if (!own.has(flag.key) && options[flag.key] !== undefined) {
        throw new UsageError(`${flag.flags.split(' ')[0]} goes with --target ${other.kind}, not --target ${driver.kind}`);
      }
    }
  }
}

/** Every target's flags once (two kinds may share one, e.g. a --context). */
export function allTargetFlags(): TargetDriver['flags'] {
  const seen = new Map<string, TargetDriver['flags'][number]>();
  for (const d of Object.values(TARGET_DRIVERS)) for (const f of d.flags) if (!seen.has(f.key)) seen.set(f.key, f);
  return [...seen.values()];
}
