import type { FaultKind } from '../history/events.ts';
import type { TeardownStack } from '../runner/teardown-stack.ts';
import type { ActiveFault, FaultContext, FaultDefinition, FaultRequest } from './fault.ts';
import { FaultUnsupportedError } from './errors.ts';
import { freeze, postgresKill, primaryKill, replicaKill, replicaLag, switchover } from './instance-faults.ts';
import { dcsLoss, partition, stalledArchive, zoneLoss } from './zone-faults.ts';
import { PrimitiveUnsupportedError } from '../targets/errors.ts';

export const FAULTS: Record<FaultKind, FaultDefinition> = {
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
};

/** Faults a scenario needs that this target cannot do (checked before the target starts). */
export function unsupportedFaults(kinds: FaultKind[], capabilities: ReadonlySet<string>): FaultKind[] {
  return kinds.filter((k) => !capabilities.has(FAULTS[k].capability));
}

/**
 * Injects a fault. Its heal is registered on the teardown stack *before*
 * the inject, so it runs on every exit path (Ctrl-C included), once.
 * The inject event is recorded just before the fault is applied (RTO is
 * measured from there, which can only make it longer), and fault-applied
 * once it surely took effect (only writes invoked after that prove recovery).
 */
export async function injectFault(context: FaultContext, teardowns: TeardownStack, request: FaultRequest): Promise<ActiveFault> {
  const definition = FAULTS[request.kind];
  if (!definition || !context.target.capabilities.has(definition.capability)) {
    throw new FaultUnsupportedError(request.kind, context.target.kind);
  }
  const targets = await definition.resolveTargets(context, request);
  const heal = async (): Promise<void> => {
    try {
      await definition.heal(context, targets);
      context.record({ type: 'heal', fault: request.id, kind: request.kind, targets, outcome: 'healed' });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      context.record({ type: 'heal', fault: request.id, kind: request.kind, targets, outcome: 'failed', error: message });
      throw error;
    }
  };
  const healNow = teardowns.defer(`heal ${request.id} (${request.kind} ${targets.join(', ')})`, heal);
  context.record({ type: 'inject', fault: request.id, kind: request.kind, targets });
  let detail: string | void;
  try {
    detail = await definition.inject(context, targets);
  } catch (error) {
    // The machine lacks what the fault needs (no netem...): the scenario is skipped, not failed.
    if (error instanceof PrimitiveUnsupportedError) throw new FaultUnsupportedError(`${request.kind} (${error.message})`, context.target.kind);
    throw error;
  }
  context.record({ type: 'fault-applied', fault: request.id, ...(detail ? { detail } : {}) });
  return { id: request.id, kind: request.kind, targets, heal: healNow };
}
