import type Docker from 'dockerode';
import { InfrastructureError } from '../../errors.ts';
import { withClient } from '../../postgres/client.ts';
import type { Progress } from '../../progress/progress.ts';
import type { ConnectionInfo, InstanceEndpoint } from '../endpoints.ts';
import { archiveCommand, patroniConfig } from './config/patroni-config.ts';
import { databaseNodeConfig, repoHostConfig } from './config/pgbackrest-config.ts';
import { haproxyConfig } from './config/haproxy-config.ts';
import { etcdCommand } from './config/etcd-command.ts';
import { tlsScript } from './config/tls-script.ts';
import { execIn, putFiles } from './docker-exec.ts';
import { freePort } from './host-ports.ts';
import { runLabels } from '../labels.ts';
import { appliedPatroniTimings, localGeneration } from './generations.ts';
import { PatroniApi, type PatroniCluster } from './patroni-api.ts';
import { APP_DATABASE, APP_USER, type StackSecrets } from './secrets.ts';
import { STANZA, TLS_DIR, stackLayout, type StackLayout, type StackMember } from './stack-layout.ts';
import type { LocalStackOptions } from './stack-options.ts';
import { pickRunSubnet } from './subnet.ts';

const PROVISION = { application: 'pgdrill-provision' };

/** Host ports published on 127.0.0.1 for one instance. */
export interface InstancePorts {
  postgres: number;
  patroni: number;
}

export interface ProvisionedStack {
  layout: StackLayout;
  clientPort: number;
  instancePorts: Map<string, InstancePorts>;
  client: ConnectionInfo;
  instances: InstanceEndpoint[];
}

const POSTGRES_HOME = '/var/lib/postgresql';

/**
 * Brings a local stack up: network, TLS material, etcd, Patroni/PostgreSQL,
 * the pgBackRest repository host and HAProxy; waits for a leader and
 * streaming replicas; creates the application role; creates the stanza,
 * turns archiving on and takes the first full backup.
 * The caller registers the run's teardown before calling this.
 */
export async function provisionStack(
  docker: Docker,
  image: string,
  options: LocalStackOptions,
  secrets: StackSecrets,
  clientPort: number,
  progress: Progress,
  signal?: AbortSignal,
): Promise<ProvisionedStack> {
  signal?.throwIfAborted();
  const subnetPrefix = await pickRunSubnet(docker, options.subnet);
  const layout = stackLayout(options, subnetPrefix);
  const instancePorts = new Map<string, InstancePorts>();
  for (const node of layout.postgres) instancePorts.set(node.name, { postgres: await freePort(), patroni: await freePort() });

  await progress.phase('network and certificates', async () => {
    progress.note(`network ${layout.networkName} ${layout.subnet}`);
    await docker.createNetwork({
      Name: layout.networkName,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: runLabels(options.runId, { role: 'network' }),
      IPAM: { Driver: 'default', Config: [{ Subnet: layout.subnet, Gateway: layout.gateway }] },
    });
    await docker.createVolume({ Name: layout.tlsVolume, Labels: runLabels(options.runId, { role: 'tls' }) });
    await runOnce(docker, image, options.runId, layout, ['sh', '-c', tlsScript(layout)]);
  });

  await progress.phase('containers', async () => {
    signal?.throwIfAborted();
    const starts: Array<Promise<unknown>> = [];
    for (const member of layout.etcd) {
      starts.push(startMember(docker, image, options.runId, layout, member, { cmd: etcdCommand(layout, member) }));
    }
    starts.push(
      startMember(docker, image, options.runId, layout, layout.repo, {
        cmd: ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', 'pgbackrest', 'server'],
        tls: true,
        files: [{ path: '/etc/pgbackrest/pgbackrest.conf', content: repoHostConfig(layout, options.archive) }],
      }),
    );
    for (const node of layout.postgres) {
      const ports = instancePorts.get(node.name)!;
      starts.push(
        startMember(docker, image, options.runId, layout, node, {
          cmd: ['sh', '/etc/pgdrill/start-node.sh'],
          tls: true,
          ports: { '5432/tcp': ports.postgres, '8008/tcp': ports.patroni },
          files: [
            { path: '/etc/pgdrill/start-node.sh', content: NODE_START_SCRIPT },
            {
              path: '/etc/patroni/patroni.yml',
              content: JSON.stringify(patroniConfig(options, layout, node, secrets), null, 2),
              mode: 0o600,
              uid: POSTGRES_UID,
              gid: POSTGRES_GID,
            },
            { path: '/etc/pgbackrest/pgbackrest.conf', content: databaseNodeConfig(layout, node, options.archive) },
          ],
        }),
      );
    }
    starts.push(
      startMember(docker, image, options.runId, layout, layout.haproxy, {
        cmd: ['haproxy', '-W', '-db', '-f', '/etc/haproxy/haproxy.cfg'],
        ports: { '5432/tcp': clientPort },
        files: [{ path: '/etc/haproxy/haproxy.cfg', content: haproxyConfig(layout) }],
      }),
    );
    await Promise.all(starts);
  });

  const apis = layout.postgres.map((n) => new PatroniApi(`http://127.0.0.1:${instancePorts.get(n.name)!.patroni}`));
  signal?.throwIfAborted();
  const cluster = await progress.phase('patroni cluster', () => waitForHealthyCluster(apis, options, progress, 180_000, signal));
  const leaderName = cluster.members.find((m) => m.role === 'leader')!.name;
  await checkAppliedTimings(apis[layout.postgres.findIndex((n) => n.name === leaderName)]!, options, progress);
  const leaderPorts = instancePorts.get(leaderName)!;

  const connection = (host: string, port: number, user: string, password: string, database: string): ConnectionInfo => ({
    host,
    port,
    user,
    password,
    database,
  });
  await progress.phase('database', () =>
    createAppRole(connection('127.0.0.1', leaderPorts.postgres, 'postgres', secrets.superuser, 'postgres'), secrets.app),
  );

  signal?.throwIfAborted();
  await progress.phase('archive and first backup', async () => {
    const repo = docker.getContainer(layout.repo.containerName);
    await execIn(repo, ['pgbackrest', `--stanza=${STANZA}`, 'stanza-create'], { user: 'postgres', timeoutMs: 120_000 });
    await apis[0]!.patchConfig({ postgresql: { parameters: { archive_command: archiveCommand(STANZA) } } });
    await waitForArchiveCommand(connection('127.0.0.1', leaderPorts.postgres, 'postgres', secrets.superuser, 'postgres'), 60_000);
    progress.note('full backup from the repository host');
    await execIn(repo, ['pgbackrest', `--stanza=${STANZA}`, '--type=full', 'backup'], { user: 'postgres', timeoutMs: 600_000 });
  });

  const client = connection('127.0.0.1', clientPort, APP_USER, secrets.app, APP_DATABASE);
  const instances: InstanceEndpoint[] = layout.postgres.map((n) => ({
    name: n.name,
    zone: n.zone!,
    connection: connection('127.0.0.1', instancePorts.get(n.name)!.postgres, APP_USER, secrets.app, APP_DATABASE),
  }));
  return { layout, clientPort, instancePorts, client, instances };
}

// uid/gid of the postgres user in the node image (Debian's postgresql-common creates it first).
export const POSTGRES_UID = 102;
export const POSTGRES_GID = 104;

export const NODE_START_SCRIPT = `#!/bin/sh
# Database node: pgBackRest's TLS server (for backups taken from the repository
# host) beside Patroni, which runs PostgreSQL. docker-init is PID 1 and reaps.
set -eu
install -d -o postgres -g postgres -m 700 ${POSTGRES_HOME}/data
install -d -o postgres -g postgres -m 2775 /var/run/postgresql
as_postgres="setpriv --reuid=postgres --regid=postgres --init-groups"
$as_postgres pgbackrest server &
exec $as_postgres patroni /etc/patroni/patroni.yml
`;

export interface MemberSpec {
  cmd: string[];
  tls?: boolean;
  ports?: Record<string, number>;
  files?: Array<{ path: string; content: string; mode?: number; uid?: number; gid?: number }>;
}

export async function startMember(
  docker: Docker,
  image: string,
  runId: string,
  layout: StackLayout,
  member: StackMember,
  spec: MemberSpec,
): Promise<Docker.Container> {
  const portBindings = Object.fromEntries(
    Object.entries(spec.ports ?? {}).map(([containerPort, hostPort]) => [containerPort, [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }]]),
  );
  const container = await docker.createContainer({
    name: member.containerName,
    Image: image,
    Cmd: spec.cmd,
    Hostname: member.name,
    Env: [`HOME=${member.role === 'postgres' || member.role === 'repo' ? POSTGRES_HOME : '/root'}`],
    Labels: runLabels(runId, { zone: member.zone, role: member.role, name: member.name }),
    ExposedPorts: Object.fromEntries(Object.keys(spec.ports ?? {}).map((p) => [p, {}])),
    HostConfig: {
      Init: true,
      NetworkMode: layout.networkName,
      // iptables inside the container is how partition faults cut it off.
      CapAdd: ['NET_ADMIN'],
      PortBindings: portBindings,
      Mounts: spec.tls ? [{ Type: 'volume', Source: layout.tlsVolume, Target: TLS_DIR, ReadOnly: true }] : [],
    },
    NetworkingConfig: {
      EndpointsConfig: {
        [layout.networkName]: { IPAMConfig: { IPv4Address: member.ip }, Aliases: [member.name] },
      },
    },
  });
  if (spec.files?.length) await putFiles(container, spec.files);
  await container.start();
  return container;
}

/** Runs a command to completion in a throwaway container of the run (used to make the TLS material). */
async function runOnce(docker: Docker, image: string, runId: string, layout: StackLayout, cmd: string[]): Promise<void> {
  const container = await docker.createContainer({
    name: `pgdrill-${runId}-init`,
    Image: image,
    Cmd: cmd,
    Labels: runLabels(runId, { role: 'init' }),
    HostConfig: {
      NetworkMode: 'none',
      Mounts: [{ Type: 'volume', Source: layout.tlsVolume, Target: TLS_DIR }],
    },
  });
  try {
    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    if (result.StatusCode !== 0) {
      const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
      throw new InfrastructureError(`making the run's TLS certificates failed (exit ${result.StatusCode}): ${logs.trim().slice(-300)}`);
    }
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * Healthy = one leader, every other member a replica that is running on the
 * leader's timeline with a known lag, and a synchronous standby when
 * synchronous replication is on and there is a replica to be one.
 */
export function clusterProblem(cluster: PatroniCluster, options: LocalStackOptions): string | undefined {
  const expected = options.zones.length;
  const leaders = cluster.members.filter((m) => m.role === 'leader');
  if (leaders.length !== 1) return `${leaders.length} leaders`;
  const leader = leaders[0]!;
  if (leader.state !== 'running') return `leader ${leader.name} is ${leader.state}`;
  if (cluster.members.length !== expected) return `${cluster.members.length} of ${expected} members registered`;
  for (const m of cluster.members) {
    if (m === leader) continue;
    if (m.state !== 'running' && m.state !== 'streaming') return `${m.name} is ${m.state}`;
    if (m.timeline !== leader.timeline) return `${m.name} is on timeline ${m.timeline ?? '?'}, leader on ${leader.timeline ?? '?'}`;
    if (typeof m.lag !== 'number') return `${m.name} has unknown lag`;
  }
  if (options.synchronous !== 'off' && expected > 1) {
    // Patroni 4's quorum mode lists the standbys a commit may wait for as quorum_standby.
    const role = options.synchronous === 'quorum' ? 'quorum_standby' : 'sync_standby';
    const sync = cluster.members.filter((m) => m.role === role).length;
    if (sync < Math.min(options.syncStandbys, expected - 1)) return `${sync} synchronous standby(s)`;
  }
  return undefined;
}

/**
 * The expected RTO is computed from the timings pgdrill wrote; Patroni may
 * apply others (Patroni 4 raises a ttl under 20 s). Ask it, and refuse to
 * go on when they differ, so no RTO is judged against timings the stack
 * does not run with.
 */
export async function checkAppliedTimings(api: PatroniApi, options: LocalStackOptions, progress: Progress): Promise<void> {
  const wanted = appliedPatroniTimings(options.stack, options.patroni);
  if (wanted.askedTtl !== undefined) {
    progress.note(`Patroni ${localGeneration(options.stack).packaged.patroni} runs ttl ${wanted.ttl}, its minimum (${wanted.askedTtl} was asked)`);
  }
  const config = await api.config();
  const applied = { ttl: config.ttl, loopWait: config.loop_wait, retryTimeout: config.retry_timeout };
  if (applied.ttl !== wanted.ttl || applied.loopWait !== wanted.loopWait || applied.retryTimeout !== wanted.retryTimeout) {
    throw new InfrastructureError(
      `Patroni applies ttl ${String(applied.ttl)}, loop_wait ${String(applied.loopWait)}, retry_timeout ${String(applied.retryTimeout)}; pgdrill wrote ${wanted.ttl}, ${wanted.loopWait}, ${wanted.retryTimeout}`,
      { applied, wanted },
    );
  }
}

export async function waitForHealthyCluster(
  apis: PatroniApi[],
  options: LocalStackOptions,
  progress: Progress,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<PatroniCluster> {
  const deadline = performance.now() + timeoutMs;
  let problem = 'no Patroni API answered yet';
  let lastNoted = '';
  while (performance.now() < deadline) {
    signal?.throwIfAborted();
    for (const api of apis) {
      try {
        const cluster = await api.cluster();
        const p = clusterProblem(cluster, options);
        if (p === undefined) return cluster;
        problem = p;
        break;
      } catch {
        // That member is not up yet: ask the next one.
      }
    }
    if (problem !== lastNoted) {
      progress.note(`waiting: ${problem}`);
      lastNoted = problem;
    }
    await sleep(250);
  }
  throw new InfrastructureError(`the Patroni cluster did not become healthy within ${timeoutMs / 1000}s: ${problem}`, { problem });
}

/**
 * The application role and database, idempotently, retried for a while:
 * right after its bootstrap Patroni may still restart or reload the new
 * leader's PostgreSQL, which ends the connection under us (seen once as a
 * bare "Connection terminated unexpectedly").
 */
async function createAppRole(superuser: ConnectionInfo, appPassword: string): Promise<void> {
  await retryOnPostgres('creating the application role and database', 30_000, async () => {
    await withClient(superuser, PROVISION, async (client) => {
      const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_USER]);
      // The password goes in as a literal: no server log records it (log_statement is off).
      if (role.rowCount === 0) await client.query(`CREATE ROLE ${APP_USER} LOGIN PASSWORD ${client.escapeLiteral(appPassword)}`);
      await client.query(`GRANT pg_monitor TO ${APP_USER}`);
      const database = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [APP_DATABASE]);
      if (database.rowCount === 0) await client.query(`CREATE DATABASE ${APP_DATABASE} OWNER ${APP_USER}`);
    });
    // Function privileges live in each database: grant inside the application's one.
    // PITR drills close the current WAL segment before restoring past it.
    await withClient({ ...superuser, database: APP_DATABASE }, PROVISION, (appDb) => appDb.query(`GRANT EXECUTE ON FUNCTION pg_switch_wal() TO ${APP_USER}`));
  });
}

/** Polls SHOW archive_command on a fresh connection each time, until Patroni applied ours. */
async function waitForArchiveCommand(superuser: ConnectionInfo, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'not asked yet';
  while (performance.now() < deadline) {
    try {
      const current = await withClient(superuser, PROVISION, async (client) => (await client.query<{ archive_command: string }>('SHOW archive_command')).rows[0]?.archive_command);
      if (current === archiveCommand(STANZA)) return;
      last = `archive_command is still "${current ?? ''}"`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new InfrastructureError(`archive_command was not applied by Patroni within ${timeoutMs / 1000}s: ${last}`);
}

/** Runs `work` until it succeeds or `timeoutMs` passes; the error then names what was being done. */
async function retryOnPostgres(what: string, timeoutMs: number, work: () => Promise<void>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await work();
      return;
    } catch (error) {
      if (performance.now() >= deadline) throw new InfrastructureError(`${what} on the new leader failed: ${error instanceof Error ? error.message : String(error)}`, {}, error);
      await sleep(500);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
