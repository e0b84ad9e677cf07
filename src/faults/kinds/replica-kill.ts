import { defineFault } from '../fault.ts';
import { primaryKill } from './primary-kill.ts';

/** SIGKILL of a replica's whole container or pod; healed by starting it again. The same primitives as a primary kill, aimed elsewhere. */
export const replicaKill = defineFault({
  ...primaryKill,
  kind: 'replica-kill',
  describe: "kill a replica's container (SIGKILL)",
  targets: ['replica'],
});
