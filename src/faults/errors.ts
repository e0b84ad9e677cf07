import { PgdrillError, EXIT } from '../errors.ts';
import { DrillInconclusive } from '../lifecycle/drill-inconclusive.ts';

/** The target cannot perform a fault the scenario asks for: the run is skipped, with the reason. */
export class FaultUnsupportedError extends PgdrillError {
  constructor(
    readonly kind: string,
    readonly targetKind: string,
  ) {
    super(`the ${targetKind} target cannot perform the ${kind} fault`, { exitCode: EXIT.pass, context: { kind, targetKind } });
  }
}

/** A fault could not find what to hit (no primary at inject time): the measurement is inconclusive. */
export class FaultTargetError extends PgdrillError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, { exitCode: EXIT.infrastructure, context, cause });
  }
}

/** A fault whose witness never saw it take effect: nothing the run measures would mean anything (inconclusive, exit 3). */
export class FaultNotInEffect extends DrillInconclusive {}
