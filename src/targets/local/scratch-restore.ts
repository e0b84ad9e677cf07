import type Docker from 'dockerode';
import { InfrastructureError } from '../../errors.ts';
import { runLabels } from '../labels.ts';
import type { RecoveryTarget, RestoredCluster } from '../target.ts';
import { databaseNodeConfig } from './config/pgbackrest-config.ts';
import { execIn, putFiles, type ExecResult } from './docker-exec.ts';
import { freePort } from './host-ports.ts';
import { DATA_DIR, STANZA, TLS_DIR, type StackLayout, type StackMember } from './stack-layout.ts';

/** Where a scratch instance goes: the network and TLS material of the stack whose repository it restores from. */
export interface ScratchPlace {
  /** Labels the scratch container carries (its own run's, so cleanup finds it). */
  labelRunId: string;
  /** The source stack's layout: its network, its repository host, its TLS volume. */
  layout: Pick<StackLayout, 'runId' | 'networkName' | 'subnet' | 'tlsVolume' | 'repo'>;
  image: string;
  /** Last octet of the scratch's address on the source's network. */
  hostOctet: number;
}

/** A fresh PostgreSQL restored from a pgBackRest repository, on its own, in a container; removed by `remove()`. */
export interface ScratchInstance {
  member: StackMember;
  container: Docker.Container;
  /** Its port on 127.0.0.1, for the application role's connection. */
  port: number;
  /** Where recovery stopped. */
  reached: RestoredCluster['reached'];
  /** SQL as the OS user postgres over the container's own socket (no password crosses anything); fields split by |. */
  psql(database: string, sql: string): Promise<ExecResult>;
  /** pg_amcheck over every database's heap tables and btree indexes (amcheck installed in the scratch only). */
  amcheck(): Promise<ExecResult>;
  remove(): Promise<void>;
}

/**
 * Restores into a fresh container on the source stack's network: pgBackRest
 * restore from the repository host (read-only operations: restore and
 * archive-get), then PostgreSQL alone with what would write back turned off
 * (archive_mode off: nothing is pushed into the stanza it came from; no
 * synchronous standby to wait for). Resolves once recovery ended and the
 * instance is read-write; the caller registered its removal before.
 */
export async function startScratchRestore(docker: Docker, place: ScratchPlace, target: RecoveryTarget, name: string, timeoutMs = 600_000): Promise<ScratchInstance> {
  const member: StackMember = {
    role: 'postgres',
    name,
    containerName: `pgdrill-${place.labelRunId}-${name}`,
    zone: 'restore',
    ip: `${place.layout.subnet.replace(/\.0\/24$/, '')}.${place.hostOctet}`,
  };
  const port = await freePort();
  const container = await docker.createContainer({
    name: member.containerName,
    Image: place.image,
    Cmd: ['sh', '/etc/pgdrill/restore.sh'],
    Hostname: member.name,
    Env: ['HOME=/var/lib/postgresql'],
    Labels: runLabels(place.labelRunId, { zone: 'restore', role: 'restore', name: member.name }),
    ExposedPorts: { '5432/tcp': {} },
    HostConfig: {
      Init: true,
      NetworkMode: place.layout.networkName,
      PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
      Mounts: [{ Type: 'volume', Source: place.layout.tlsVolume, Target: TLS_DIR, ReadOnly: true }],
    },
    NetworkingConfig: { EndpointsConfig: { [place.layout.networkName]: { IPAMConfig: { IPv4Address: member.ip }, Aliases: [member.name] } } },
  });
  const remove = async (): Promise<void> => {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  };
  try {
    await putFiles(container, [
      { path: '/etc/pgdrill/restore.sh', content: restoreScript(target, member.name) },
      { path: '/etc/pgbackrest/pgbackrest.conf', content: databaseNodeConfig(place.layout as StackLayout, member) },
    ]);
    await container.start();
    const reached = await waitForPromotion(container, timeoutMs);
    return {
      member,
      container,
      port,
      reached,
      psql: (database, sql) => execIn(container, ['psql', '-XAtq', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], { user: 'postgres', check: false, timeoutMs: 300_000 }),
      amcheck: () => execIn(container, ['pg_amcheck', '--all', '--install-missing', '--heapallindexed'], { user: 'postgres', check: false, timeoutMs: 900_000 }),
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** pgBackRest's recovery options for a target. */
export function recoveryOptions(target: RecoveryTarget): string[] {
  switch (target.kind) {
    case 'time':
      return ['--type=time', `--target=${pgTimestamp(target.time)}`, '--target-action=promote'];
    case 'lsn':
      return ['--type=lsn', `--target=${target.lsn}`, '--target-action=promote'];
    case 'latest':
      return ['--type=default'];
  }
}

/** The recovery options, quoted for a POSIX shell script. */
export function quotedRecoveryOptions(target: RecoveryTarget): string {
  return recoveryOptions(target)
    .map((o) => `'${o.replace(/'/g, `'\\''`)}'`)
    .join(' ');
}

/** ISO 8601 as PostgreSQL prints a timestamptz in UTC, which recovery_target_time reads. */
function pgTimestamp(iso: string): string {
  return new Date(iso).toISOString().replace('T', ' ').replace('Z', '+00');
}

/**
 * The restored instance: restore from the repository, then PostgreSQL alone
 * with what the HA stack configured turned off (no archiving into the
 * stanza it came from, no synchronous standby to wait for).
 */
function restoreScript(target: RecoveryTarget, name: string): string {
  const quoted = quotedRecoveryOptions(target);
  return `#!/bin/sh
set -eu
install -d -o postgres -g postgres -m 700 ${DATA_DIR}
install -d -o postgres -g postgres -m 2775 /var/run/postgresql
as_postgres="setpriv --reuid=postgres --regid=postgres --init-groups"
$as_postgres pgbackrest --stanza=${STANZA} --log-level-console=warn ${quoted} restore
exec $as_postgres postgres -D ${DATA_DIR} -c listen_addresses='*' -c archive_mode=off -c synchronous_standby_names='' -c hot_standby=on -c pgdrill.instance=${name}
`;
}

/** Asks over the container's own socket, as postgres: no password is needed, none crosses anything. */
export async function waitForPromotion(container: Docker.Container, timeoutMs: number): Promise<RestoredCluster['reached']> {
  const deadline = performance.now() + timeoutMs;
  let last = 'not started';
  const sql = `SELECT pg_is_in_recovery(),
    CASE WHEN pg_is_in_recovery() THEN '' ELSE (('x' || substring(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int)::text END,
    CASE WHEN pg_is_in_recovery() THEN '' ELSE pg_current_wal_lsn()::text END,
    coalesce(to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '')`;
  while (performance.now() < deadline) {
    const state = (await container.inspect()).State;
    if (!state.Running) {
      const logs = (await container.logs({ stdout: true, stderr: true, tail: 20 })).toString('utf8');
      throw new InfrastructureError(`the restored instance stopped (exit ${state.ExitCode}): ${lastMeaningfulLine(logs)}`);
    }
    const result = await execIn(container, ['psql', '-XAtq', '-F', '|', '-d', 'postgres', '-c', sql], { user: 'postgres', check: false, timeoutMs: 10_000 }).catch(
      (error: unknown) => ({ code: 1, stdout: '', stderr: error instanceof Error ? error.message : String(error), durationMs: 0 }),
    );
    if (result.code === 0) {
      const [inRecovery, timeline, lsn, lastCommit] = result.stdout.trim().split('|');
      if (inRecovery === 'f') return { timeline: timeline ? Number(timeline) : null, lsn: lsn || null, lastCommitAt: lastCommit || null };
      last = 'still recovering';
    } else {
      last = result.stderr.trim().split('\n').at(-1) || 'not answering yet';
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new InfrastructureError(`the restored instance did not finish recovery within ${timeoutMs / 1000}s: ${last}`);
}

function lastMeaningfulLine(logs: string): string {
  const lines = logs
    .split('\n')
    .map((l) => l.replace(/^[\x00-\x1f]+.{0,7}/, '').trim())
    .filter((l) => l.length > 0);
  return (lines.reverse().find((l) => /FATAL|ERROR|PANIC/.test(l)) ?? lines[0] ?? 'no output').slice(0, 300);
}
