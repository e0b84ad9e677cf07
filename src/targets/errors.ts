import { InfrastructureError } from '../errors.ts';

/** The machine cannot perform a fault primitive (e.g. no netem in the kernel): scenarios needing it are skipped. */
export class PrimitiveUnsupportedError extends InfrastructureError {}
