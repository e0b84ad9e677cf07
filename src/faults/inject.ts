import { setTimeout as sleep } from 'node:timers/promises';
import type { Stamp } from '../history/events.ts';
import type { TeardownStack } from '../lifecycle/teardown-stack.ts';
import { PrimitiveUnsupportedError } from '../targets/errors.ts';
import { primitiveGroup, type Evidence } from '../targets/fault-primitives.ts';
import { FAULT_CATALOGUE } from './catalogue.ts';
import { FaultNotInEffect, FaultUnsupportedError } from './errors.ts';
import { zoneOf } from './resolve.ts';
import { DEFAULT_WITNESS_BOUNDS, type ActiveFault, type FaultContext, type FaultDefinition, type FaultRequest } from './fault.ts';

const MOMENT_POLL_MS = 25;
const PROOF_POLL_MS = 100;

/**
 * Injects a fault and proves it took effect. Its heal is registered on the
 * teardown stack *before* the inject, so it runs on every exit path (Ctrl-C
 * included), once. The witness's baseline is read, the inject event
 * recorded, and the fault applied while its dating observation (if it has
 * one) polls alongside; then its proof must hold within the bound. Only
 * then is fault-applied recorded, carrying the witness and the moment the
 * fault took effect. A fault whose witness never sees it is recorded as
 * fault-not-applied and ends the run as inconclusive: it must never count.
 */
export async function injectFault(context: FaultContext, teardowns: TeardownStack, request: FaultRequest): Promise<ActiveFault> {
  // One group type for the whole call: the catalogue holds each definition with its own group.
  const definition = FAULT_CATALOGUE[request.kind] as FaultDefinition;
  const primitives = definition ? primitiveGroup(context.faults, definition.primitives) : undefined;
  if (!definition || !primitives) throw new FaultUnsupportedError(request.kind, context.target.kind);
  // A kind whose inject is a long procedure widens the bounds; a run's own (tests, slower targets) still win.
  const bounds = { ...DEFAULT_WITNESS_BOUNDS, ...definition.bounds, ...context.bounds };
  const targets = await definition.resolveTargets(context, request);
  const { witness } = definition;
  const heal = async (): Promise<void> => {
    try {
      await definition.heal(primitives, targets, context);
      context.record({ type: 'heal', fault: request.id, kind: request.kind, targets, outcome: 'healed' });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      context.record({ type: 'heal', fault: request.id, kind: request.kind, targets, outcome: 'failed', error: message });
      throw error;
    }
  };
  const healNow = teardowns.defer(`heal ${request.id} (${request.kind} ${targets.join(', ')})`, heal);
  const before = await witness.before(primitives, targets, context);
  const topology = await context.target.topology().catch(() => null);
  const primary = topology?.primary ?? undefined;
  const primaryZone = topology?.instances.find((i) => i.name === primary)?.zone;
  const hitsPrimary = primary !== undefined && targets.some((t) => t === primary || (primaryZone !== undefined && zoneOf(t) === primaryZone));
  const expected = context.target.expectedRto?.({ kind: request.kind, hitsPrimary }) ?? null;
  context.record({ type: 'inject', fault: request.id, kind: request.kind, targets, ...(primary ? { primary } : {}) });
  const injectedAt = performance.now();

  // The dating observation polls from the inject on, alongside the inject itself.
  const polling = new AbortController();
  let moment: { at: Stamp; seen: Stamp; evidence: string } | null = null;
  const observing =
    witness.dated === 'by-observation' && witness.moment
      ? poll(MOMENT_POLL_MS, injectedAt + bounds.moment, signals(context.signal, polling.signal), async () => {
          const at = context.now();
          const evidence = await witness.moment!(primitives, targets, context, before);
          if (evidence !== null) moment = { at, seen: context.now(), evidence };
          return evidence;
        })
      : Promise.resolve(null);
  let detail: string | void;
  try {
    detail = await definition.inject(primitives, targets, context);
  } catch (error) {
    polling.abort();
    // The machine lacks what the fault needs (no netem...): the scenario is skipped, not failed.
    if (error instanceof PrimitiveUnsupportedError) throw new FaultUnsupportedError(`${request.kind} (${error.message})`, context.target.kind);
    throw error;
  }
  if (witness.dated === 'by-inject') {
    const now = context.now();
    moment = { at: now, seen: now, evidence: 'in place when the inject returned' };
  }
  await observing;
  const dated = moment as { at: Stamp; seen: Stamp; evidence: string } | null;
  if (dated === null) {
    notApplied(context, request.id, `no sign of it within ${bounds.moment / 1000}s of the inject`);
  }
  const proof = await poll(PROOF_POLL_MS, performance.now() + bounds.proof, context.signal, () => witness.proof(primitives, targets, context, before));
  context.signal?.throwIfAborted();
  if (proof === null) notApplied(context, request.id, `it was not proven within ${bounds.proof / 1000}s (${witness.dated === 'by-observation' ? dated!.evidence : 'the inject returned'})`);

  context.record({
    type: 'fault-applied',
    fault: request.id,
    ...(detail ? { detail } : {}),
    at: dated!.at,
    seen: dated!.seen,
    witness: `${dated!.evidence}; ${proof}`,
    dated: witness.dated,
    ...(expected ? { expected } : {}),
  });
  return {
    id: request.id,
    kind: request.kind,
    targets,
    heal: async () => {
      await healNow();
      // The heal's witness watches while the scenario goes on: its wait is not part of the drill's timing.
      const verify = (async () => {
        const healed = await poll(PROOF_POLL_MS, performance.now() + bounds.healed, context.signal, () => witness.healed(primitives, targets, context, before));
        if (context.signal?.aborted) return;
        context.record(
          healed === null
            ? { type: 'heal-verified', fault: request.id, confirmed: false, problem: `the healed state was not seen within ${bounds.healed / 1000}s` }
            : { type: 'heal-verified', fault: request.id, confirmed: true, evidence: healed },
        );
      })();
      if (context.background) context.background(verify);
      else await verify;
    },
  };

  function notApplied(ctx: FaultContext, fault: string, why: string): never {
    const reason = `fault ${fault} (${request.kind} ${targets.join(', ')}) did not take effect: ${why}`;
    ctx.record({ type: 'fault-not-applied', fault, reason });
    throw new FaultNotInEffect(reason);
  }
}

/** Calls `check` every `intervalMs` until it gives evidence, the deadline passes (null) or the signal aborts (null). */
async function poll(intervalMs: number, deadline: number, signal: AbortSignal | undefined, check: () => Promise<Evidence>): Promise<Evidence> {
  for (;;) {
    if (signal?.aborted) return null;
    const started = performance.now();
    const evidence = await check().catch(() => null);
    if (evidence !== null) return evidence;
    if (performance.now() >= deadline) return null;
    const wait = Math.max(0, intervalMs - (performance.now() - started));
    await sleep(wait, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
}

function signals(...list: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(list.filter((s): s is AbortSignal => s !== undefined));
}
