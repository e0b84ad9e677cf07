import type Docker from 'dockerode';
import { InfrastructureError } from '../../errors.ts';
import { createProgress } from '../../progress/progress.ts';
import type { ConnectionInfo, InstanceEndpoint } from '../endpoints.ts';
import type { RecoveryTarget, RestoredCluster, StartedTarget } from '../target.ts';
import { patroniConfig } from './config/patroni-config.ts';
import { databaseNodeConfig } from './config/pgbackrest-config.ts';
import { haproxyConfig } from './config/haproxy-config.ts';
import { freePort } from './host-ports.ts';
import { PatroniApi } from './patroni-api.ts';
import { PatroniStackView } from './patroni-stack-view.ts';
import {
  NODE_START_SCRIPT,
  POSTGRES_GID,
  POSTGRES_UID,
  startMember,
  waitForHealthyCluster,
  type InstancePorts,
  type ProvisionedStack,
} from './provision.ts';
import { quotedRecoveryOptions, waitForPromotion } from './scratch-restore.ts';
import { APP_DATABASE, APP_USER, type StackSecrets } from './secrets.ts';
import { STANZA, type StackLayout, type StackMember } from './stack-layout.ts';
import type { LocalStackOptions } from './stack-options.ts';

/** What a cluster restore needs of the stack it restores from. */
export interface RestoredClusterSource {
  docker: Docker;
  image: string;
  /** The source's layout: its network, etcd, repository host and TLS volume are shared. */
  layout: StackLayout;
  /** The source's options: the restored cluster has the same zones, replication mode and Patroni timings. */
  options: LocalStackOptions;
  /** The source's secrets: the restored roles carry them (they are the source's own roles, restored). */
  secrets: StackSecrets;
}

const BOOTSTRAP_SCRIPT = '/etc/pgdrill/bootstrap-restore.sh';

/**
 * A full Patroni cluster restored from the source's pgBackRest repository,
 * beside the source on its network: one instance per zone and its own
 * HAProxy, under its own Patroni scope in the source's etcd. The first
 * member to take the scope's initialize key runs Patroni's custom
 * bootstrap (pgbackrest restore to the target, recovery, promotion); the
 * others are then cloned from it by Patroni with pg_basebackup, as any new
 * replica is. archive_mode is off everywhere: nothing the restored cluster
 * writes goes into the source's stanza.
 *
 * Resolves once the restored primary is read-write (the restore's own
 * duration ends there); `awaitReplicas` then waits for its replicas.
 * `index` keeps the addresses of successive restores apart.
 */
export async function startRestoredCluster(
  source: RestoredClusterSource,
  target: RecoveryTarget,
  name: string,
  index: number,
  timeoutMs = 600_000,
): Promise<RestoredCluster> {
  const layout = restoredLayout(source.layout, source.options, name, index);
  const instancePorts = new Map<string, InstancePorts>();
  for (const node of layout.postgres) instancePorts.set(node.name, { postgres: await freePort(), patroni: await freePort() });
  const clientPort = await freePort();
  const containers = [...layout.postgres, layout.haproxy].map((m) => source.docker.getContainer(m.containerName));
  const teardown = async (): Promise<void> => {
    await Promise.all(containers.map((c) => c.remove({ force: true, v: true }).catch(() => undefined)));
  };
  const options = source.options;
  const config = (node: StackMember): Record<string, unknown> => restoredPatroniConfig(patroniConfig(options, layout, node, source.secrets), name);
  try {
    const starts = layout.postgres.map((node) => {
      const ports = instancePorts.get(node.name)!;
      return startMember(source.docker, source.image, source.layout.runId, layout, node, {
        cmd: ['sh', '/etc/pgdrill/start-node.sh'],
        tls: true,
        ports: { '5432/tcp': ports.postgres, '8008/tcp': ports.patroni },
        files: [
          { path: '/etc/pgdrill/start-node.sh', content: NODE_START_SCRIPT },
          { path: BOOTSTRAP_SCRIPT, content: bootstrapScript(target), mode: 0o755 },
          { path: '/etc/patroni/patroni.yml', content: JSON.stringify(config(node), null, 2), mode: 0o600, uid: POSTGRES_UID, gid: POSTGRES_GID },
          { path: '/etc/pgbackrest/pgbackrest.conf', content: databaseNodeConfig(layout, node) },
        ],
      });
    });
    starts.push(
      startMember(source.docker, source.image, source.layout.runId, layout, layout.haproxy, {
        cmd: ['haproxy', '-W', '-db', '-f', '/etc/haproxy/haproxy.cfg'],
        ports: { '5432/tcp': clientPort },
        files: [{ path: '/etc/haproxy/haproxy.cfg', content: haproxyConfig(layout) }],
      }),
    );
    await Promise.all(starts);
    const apis = layout.postgres.map((n) => new PatroniApi(`http://127.0.0.1:${instancePorts.get(n.name)!.patroni}`));
    const leader = await waitForLeader(apis, layout, timeoutMs);
    const reached = await waitForPromotion(source.docker.getContainer(leader.containerName), timeoutMs);

    const connection = (port: number): ConnectionInfo => ({ host: '127.0.0.1', port, user: APP_USER, password: source.secrets.app, database: APP_DATABASE });
    const instances: InstanceEndpoint[] = layout.postgres.map((n) => ({ name: n.name, zone: n.zone!, connection: connection(instancePorts.get(n.name)!.postgres) }));
    const stack: ProvisionedStack = { layout, clientPort, instancePorts, client: connection(clientPort), instances };
    return {
      name,
      primary: connection(instancePorts.get(leader.name)!.postgres),
      instances,
      reached,
      awaitReplicas: async (ms, signal) => {
        await waitForHealthyCluster(apis, options, createProgress(() => undefined), ms, signal);
      },
      target: new RestoredLocalTarget(source.docker, options, source.image, stack, source.secrets, teardown),
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

/**
 * The restored cluster's members: `<name>-<zone>` for each database
 * instance and `<name>-haproxy`, at .100 + 10 × (index − 1) on the source's
 * network, with the source's etcd, repository host and TLS volume.
 */
export function restoredLayout(source: StackLayout, options: LocalStackOptions, name: string, index: number): StackLayout {
  const prefix = source.subnet.replace(/\.0\/24$/, '');
  const base = 100 + 10 * (index - 1);
  if (base + 9 > 254) throw new InfrastructureError(`too many cluster restores in one run (${index}): the run's network has room for 15`);
  const member = (role: StackMember['role'], memberName: string, host: number, zone?: string): StackMember => ({
    role,
    name: memberName,
    containerName: `pgdrill-${source.runId}-${memberName}`,
    ip: `${prefix}.${host}`,
    ...(zone === undefined ? {} : { zone }),
  });
  return {
    ...source,
    postgres: options.zones.map((z, i) => member('postgres', `${name}-${z}`, base + i, z)),
    haproxy: member('haproxy', `${name}-haproxy`, base + 9),
  };
}

/**
 * The source's Patroni configuration, changed for a restore: its own scope;
 * Patroni's custom bootstrap runs pgbackrest restore and keeps the recovery
 * settings pgBackRest wrote (restore_command, the target, promote at it);
 * archiving is off (it would push into the source's stanza).
 */
export function restoredPatroniConfig(base: Record<string, unknown>, name: string): Record<string, unknown> {
  const bootstrap = base.bootstrap as { dcs: { postgresql: { parameters: Record<string, unknown> } } } & Record<string, unknown>;
  const { initdb: _initdb, ...rest } = bootstrap;
  return {
    ...base,
    scope: `pgdrill-${name}`,
    bootstrap: {
      ...rest,
      dcs: {
        ...bootstrap.dcs,
        postgresql: { ...bootstrap.dcs.postgresql, parameters: { ...bootstrap.dcs.postgresql.parameters, archive_mode: 'off', archive_command: '' } },
      },
      method: 'pgbackrest',
      pgbackrest: { command: `sh ${BOOTSTRAP_SCRIPT}`, no_params: true, keep_existing_recovery_conf: true },
    },
  };
}

/** Run by Patroni (as postgres) on the member that bootstraps: the restore itself, archiving off in what it writes. */
function bootstrapScript(target: RecoveryTarget): string {
  return `#!/bin/sh
set -eu
exec pgbackrest --stanza=${STANZA} --log-level-console=warn ${quotedRecoveryOptions(target)} --archive-mode=off restore
`;
}

/** Until one member is Patroni's running leader (after its bootstrap: recovery ended, promoted). */
async function waitForLeader(apis: PatroniApi[], layout: StackLayout, timeoutMs: number): Promise<StackMember> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no Patroni API answered yet';
  while (performance.now() < deadline) {
    for (const api of apis) {
      try {
        const cluster = await api.cluster();
        const leader = cluster.members.find((m) => m.role === 'leader' && m.state === 'running');
        if (leader) return layout.postgres.find((n) => n.name === leader.name)!;
        last = cluster.members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', ') || 'no member registered yet';
        break;
      } catch {
        // That member's API is not up yet: ask the next one.
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new InfrastructureError(`the restored cluster had no running leader within ${timeoutMs / 1000}s: ${last}`);
}

/**
 * The restored cluster as a target a drill can run in: the same view as a
 * run's own stack (endpoints, Patroni topology, fault primitives aimed at
 * its members), without a repository of its own. Its teardown removes the
 * restored containers only.
 */
export class RestoredLocalTarget extends PatroniStackView implements StartedTarget {
  constructor(
    docker: Docker,
    options: LocalStackOptions,
    image: string,
    stack: ProvisionedStack,
    secrets: StackSecrets,
    private readonly remove: () => Promise<void>,
  ) {
    super(docker, options, image, stack, secrets);
  }

  /** A restored cluster does not archive (archive_mode off): no archiver to sample. */
  readonly archives = false;

  teardown(): Promise<void> {
    return this.remove();
  }
}
