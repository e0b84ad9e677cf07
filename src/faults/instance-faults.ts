import type { FaultDefinition } from './fault.ts';
import { FaultTargetError } from './errors.ts';
import { resolveTargetWord, topologyWithPrimary } from './resolve.ts';

const resolveInstance: FaultDefinition['resolveTargets'] = async ({ target }, request) => resolveTargetWord(target, request.target);

/** SIGKILL of the primary's whole container or pod; healed by starting it again (it rejoins as a replica). */
export const primaryKill: FaultDefinition = {
  kind: 'primary-kill',
  capability: 'primary-kill',
  describe: "kill the primary's container (SIGKILL)",
  resolveTargets: resolveInstance,
  inject: async ({ target }, [name]) => target.faults.killInstance(name!),
  heal: async ({ target }, [name]) => target.faults.startInstance(name!),
};

/** SIGKILL of a replica's whole container; healed by starting it again. */
export const replicaKill: FaultDefinition = { ...primaryKill, kind: 'replica-kill', capability: 'replica-kill', describe: "kill a replica's container (SIGKILL)" };

/** SIGKILL of every postgres process of the primary; the HA engine restarts PostgreSQL, so healing has nothing to undo. */
export const postgresKill: FaultDefinition = {
  kind: 'postgres-kill',
  capability: 'postgres-kill',
  describe: "kill the primary's postgres processes (SIGKILL)",
  resolveTargets: resolveInstance,
  inject: async ({ target }, [name]) => target.faults.killPostgres(name!),
  heal: async () => undefined,
};

/** Every process of the instance frozen (docker pause): it wakes up later with its old view of the world. */
export const freeze: FaultDefinition = {
  kind: 'freeze',
  capability: 'freeze',
  describe: 'freeze an instance (docker pause), then resume it',
  resolveTargets: resolveInstance,
  inject: async ({ target }, [name]) => target.faults.freezeInstance(name!),
  heal: async ({ target }, [name]) => target.faults.thawInstance(name!),
};

/** Packet delay and loss on a replica's link (tc netem): replication falls behind. */
export const replicaLag: FaultDefinition = {
  kind: 'replica-lag',
  capability: 'replica-lag',
  describe: "delay and drop packets on a replica's link (netem)",
  resolveTargets: resolveInstance,
  inject: async ({ target }, [name]) => target.faults.degradeLink(name!),
  heal: async ({ target }, [name]) => target.faults.restoreLink(name!),
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
    const topology = await topologyWithPrimary(target);
    const replicas = topology.instances.filter((i) => i.name !== topology.primary && (i.state === 'running' || i.state === 'streaming'));
    const candidate = replicas.find((i) => i.role === 'sync-replica') ?? replicas.find((i) => i.role === 'replica');
    if (!candidate) throw new FaultTargetError('no running replica to switch over to', { topology });
    return [topology.primary, candidate.name];
  },
  inject: async ({ target }, [primary, candidate]) => target.faults.switchover(primary!, candidate!),
  heal: async () => undefined,
};
