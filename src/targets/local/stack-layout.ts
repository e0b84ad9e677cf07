import type { LocalStackOptions } from './stack-options.ts';

/**
 * Where each member of a local stack lives: container names, fixed
 * addresses in the run's /24 (so faults and reports can name them), zones.
 */
export interface StackMember {
  role: 'etcd' | 'postgres' | 'repo' | 'haproxy';
  /** Name inside the run network (DNS alias) and in reports: pg-a, etcd-b, repo, haproxy. */
  name: string;
  /** Docker container name, unique on the engine. */
  containerName: string;
  zone?: string;
  ip: string;
}

export interface StackLayout {
  runId: string;
  networkName: string;
  subnet: string;
  gateway: string;
  tlsVolume: string;
  etcd: StackMember[];
  postgres: StackMember[];
  repo: StackMember;
  haproxy: StackMember;
}

export const STANZA = 'pgdrill';
/** The zone label of etcd members placed apart from the database zones. */
export const DCS_ZONE = 'dcs';
export const PATRONI_SCOPE = 'pgdrill';
export const DATA_DIR = '/var/lib/postgresql/data';
export const TLS_DIR = '/etc/pgdrill/tls';
export const TLS_CLIENT = 'pgdrill-client';

export function stackLayout(options: LocalStackOptions, subnetPrefix: string): StackLayout {
  const prefix = `pgdrill-${options.runId}`;
  const member = (role: StackMember['role'], name: string, host: number, zone?: string): StackMember => ({
    role,
    name,
    containerName: `${prefix}-${name}`,
    ip: `${subnetPrefix}.${host}`,
    ...(zone === undefined ? {} : { zone }),
  });
  return {
    runId: options.runId,
    networkName: prefix,
    subnet: `${subnetPrefix}.0/24`,
    gateway: `${subnetPrefix}.1`,
    tlsVolume: `${prefix}-tls`,
    etcd:
      options.dcs === 'separate'
        ? [1, 2, 3].map((n) => member('etcd', `etcd-${n}`, 9 + n, DCS_ZONE))
        : options.zones.map((z, i) => member('etcd', `etcd-${z}`, 10 + i, z)),
    postgres: options.zones.map((z, i) => member('postgres', `pg-${z}`, 20 + i, z)),
    repo: member('repo', 'repo', 5),
    haproxy: member('haproxy', 'haproxy', 4),
  };
}

export function allMembers(layout: StackLayout): StackMember[] {
  return [...layout.etcd, ...layout.postgres, layout.repo, layout.haproxy];
}
