import type { FaultDefinition } from './fault.ts';
import { FaultTargetError } from './errors.ts';
import { currentPrimary } from './primary.ts';

/** SIGKILL of the primary's whole container or pod; healed by starting it again (it rejoins as a replica). */
export const primaryKill: FaultDefinition = {
  kind: 'primary-kill',
  capability: 'primary-kill',
  describe: "kill the primary's container (SIGKILL)",
  resolveTargets: async ({ target }) => [await currentPrimary(target)],
  inject: async ({ target }, [name]) => target.faults.killInstance(name!),
  heal: async ({ target }, [name]) => target.faults.startInstance(name!),
};

/** SIGKILL of the PostgreSQL server process only; the HA engine restarts it, so healing has nothing to undo. */
export const postgresKill: FaultDefinition = {
  kind: 'postgres-kill',
  capability: 'postgres-kill',
  describe: "kill the primary's postgres process (SIGKILL)",
  resolveTargets: async ({ target }) => [await currentPrimary(target)],
  inject: async ({ target }, [name]) => target.faults.killPostgres(name!),
  heal: async () => undefined,
};

/**
 * A planned switchover to a synchronous standby when there is one (an engine
 * in synchronous mode only accepts those), else to any running replica.
 * Targets: [old primary, candidate].
 */
export const switchover: FaultDefinition = {
  kind: 'switchover',
  capability: 'switchover',
  describe: 'planned switchover through the HA engine',
  resolveTargets: async ({ target }) => {
    const topology = await target.topology();
    if (!topology.primary) throw new FaultTargetError('no primary to switch over from', { topology });
    const replicas = topology.instances.filter((i) => i.state === 'running' || i.state === 'streaming');
    const candidate = replicas.find((i) => i.role === 'sync-replica') ?? replicas.find((i) => i.role === 'replica');
    if (!candidate) throw new FaultTargetError('no running replica to switch over to', { topology });
    return [topology.primary, candidate.name];
  },
  inject: async ({ target }, [primary, candidate]) => target.faults.switchover(primary!, candidate!),
  heal: async () => undefined,
};
