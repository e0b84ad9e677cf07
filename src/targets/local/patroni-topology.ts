import { InfrastructureError } from '../../errors.ts';
import type { InstanceState, Topology } from '../target.ts';
import type { PatroniApi, PatroniMember } from './patroni-api.ts';

const ROLES: Record<string, InstanceState['role']> = {
  leader: 'primary',
  standby_leader: 'replica',
  sync_standby: 'sync-replica',
  // Patroni 4's quorum mode: one of the standbys a commit may wait for.
  quorum_standby: 'sync-replica',
  replica: 'replica',
};

/**
 * The topology as Patroni sees it, asked of the first instance whose REST
 * API answers (any member knows the whole cluster through the DCS).
 * An instance Patroni does not list (its container is down) is "unknown".
 */
export async function topologyFromCluster(
  instances: Array<{ name: string; zone: string }>,
  apis: PatroniApi[],
): Promise<Topology> {
  let lastError: unknown;
  for (const api of apis) {
    try {
      const cluster = await api.cluster();
      const byName = new Map(cluster.members.map((m) => [m.name, m]));
      const states = instances.map((i) => instanceState(i, byName.get(i.name)));
      return { instances: states, primary: states.find((s) => s.role === 'primary')?.name ?? null };
    } catch (error) {
      lastError = error;
    }
  }
  throw new InfrastructureError('no Patroni API answered', {}, lastError);
}

function instanceState(instance: { name: string; zone: string }, member: PatroniMember | undefined): InstanceState {
  if (!member) return { ...instance, role: 'unknown', state: 'absent', timeline: null, lagBytes: null };
  return {
    ...instance,
    role: ROLES[member.role] ?? 'unknown',
    state: member.state,
    timeline: member.timeline ?? null,
    lagBytes: typeof member.lag === 'number' ? member.lag : member.role === 'leader' ? 0 : null,
  };
}
