import { FAULT_KINDS, type FaultKind } from '../history/events.ts';
import type { PrimitiveGroup } from '../targets/fault-primitives.ts';
import type { AnyFaultDefinition } from './fault.ts';
import { dcsLoss } from './kinds/dcs-loss.ts';
import { freeze } from './kinds/freeze.ts';
import { partition } from './kinds/partition.ts';
import { postgresKill } from './kinds/postgres-kill.ts';
import { primaryKill } from './kinds/primary-kill.ts';
import { replicaKill } from './kinds/replica-kill.ts';
import { replicaLag } from './kinds/replica-lag.ts';
import { rollingRestart } from './kinds/rolling-restart.ts';
import { stalledArchive } from './kinds/stalled-archive.ts';
import { switchover } from './kinds/switchover.ts';
import { zoneLoss } from './kinds/zone-loss.ts';
import type { TargetWord } from './target-words.ts';

/**
 * Every fault kind's definition, by kind (history/events.ts FAULT_KINDS is
 * the list; the compiler wants an entry for each, and a test that each
 * entry's kind is its key).
 */
export const FAULT_CATALOGUE: Readonly<Record<FaultKind, AnyFaultDefinition>> = {
  'primary-kill': primaryKill,
  'postgres-kill': postgresKill,
  switchover,
  'zone-loss': zoneLoss,
  partition,
  freeze,
  'stalled-archive': stalledArchive,
  'dcs-loss': dcsLoss,
  'replica-kill': replicaKill,
  'replica-lag': replicaLag,
  'rolling-restart': rollingRestart,
};

/** Target words each fault kind accepts, the first its default (what scenario validation checks). */
export const TARGETS_BY_FAULT: { readonly [K in FaultKind]: readonly TargetWord[] } = Object.fromEntries(
  FAULT_KINDS.map((k) => [k, FAULT_CATALOGUE[k].targets]),
) as { [K in FaultKind]: readonly TargetWord[] };

/** The fault kinds a target with these primitive groups cannot do. */
export function unsupportedFaults(kinds: readonly FaultKind[], groups: ReadonlySet<PrimitiveGroup>): FaultKind[] {
  return [...new Set(kinds)].filter((k) => !groups.has(FAULT_CATALOGUE[k].primitives));
}
