import type Docker from 'dockerode';
import pg from 'pg';
import { InfrastructureError, UsageError } from '../../errors.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import type { BackupInfo, BackupPrimitives, RecoveryTarget, RestoredCluster } from '../target.ts';
import { databaseNodeConfig } from './config/pgbackrest-config.ts';
import { execIn, putFiles } from './docker-exec.ts';
import { freePort } from './host-ports.ts';
import { runLabels } from './labels.ts';
import { APP_DATABASE, APP_USER } from './secrets.ts';
import { DATA_DIR, STANZA, TLS_DIR, type StackLayout, type StackMember } from './stack-layout.ts';

const REPO_CONTAINER_PATH = '/var/lib/pgbackrest';

interface PgBackRestInfo {
  backup: Array<{
    label: string;
    type: 'full' | 'incr' | 'diff';
    timestamp: { start: number; stop: number };
    archive: { start: string | null; stop: string | null };
  }>;
}

const TYPES: Record<string, BackupInfo['type']> = { full: 'full', incr: 'incremental', diff: 'differential' };

/**
 * Backups and restores on the local target, with pgBackRest: backups are
 * taken from the repository host; a restore builds a fresh container on the
 * run's network, restores into it from the repository (over TLS), and starts
 * PostgreSQL on its own (no Patroni) until recovery reaches its target.
 */
export class LocalBackups implements BackupPrimitives {
  private restores = 0;

  constructor(
    private readonly docker: Docker,
    private readonly image: string,
    private readonly layout: StackLayout,
    private readonly appPassword: string,
    /** The current primary's direct endpoint, as the app user (for pg_switch_wal). */
    private readonly primary: () => Promise<ConnectionInfo>,
  ) {}

  async backup(type: 'full' | 'incremental'): Promise<BackupInfo> {
    await execIn(this.repo(), ['pgbackrest', `--stanza=${STANZA}`, `--type=${type === 'full' ? 'full' : 'incr'}`, 'backup'], {
      user: 'postgres',
      timeoutMs: 600_000,
    });
    const backups = await this.listBackups();
    return backups[backups.length - 1]!;
  }

  async listBackups(): Promise<BackupInfo[]> {
    const info = await execIn(this.repo(), ['pgbackrest', `--stanza=${STANZA}`, 'info', '--output=json'], { user: 'postgres', timeoutMs: 60_000 });
    const [stanza] = JSON.parse(info.stdout) as PgBackRestInfo[];
    return (stanza?.backup ?? []).map((b) => ({
      id: b.label,
      type: TYPES[b.type] ?? 'full',
      startedAt: new Date(b.timestamp.start * 1000).toISOString(),
      finishedAt: new Date(b.timestamp.stop * 1000).toISOString(),
      ...(b.archive.start ? { walStart: b.archive.start } : {}),
      ...(b.archive.stop ? { walStop: b.archive.stop } : {}),
    }));
  }

  async restore(options: { target: RecoveryTarget; shape: 'single' | 'cluster'; name: string }): Promise<RestoredCluster> {
    if (options.shape === 'cluster') {
      throw new UsageError('restoring into a full 3-zone cluster is not built on the local target yet: use a single instance');
    }
    // Recovery to a time needs the WAL after it in the archive: close the current segment and wait until it is archived.
    await this.archiveCurrentWal();
    this.restores += 1;
    const member: StackMember = {
      role: 'postgres',
      name: options.name,
      containerName: `pgdrill-${this.layout.runId}-${options.name}`,
      zone: 'restore',
      ip: `${this.layout.subnet.replace(/\.0\/24$/, '')}.${40 + this.restores}`,
    };
    const port = await freePort();
    const container = await this.docker.createContainer({
      name: member.containerName,
      Image: this.image,
      Cmd: ['sh', '/etc/pgdrill/restore.sh'],
      Hostname: member.name,
      Env: ['HOME=/var/lib/postgresql'],
      Labels: runLabels(this.layout.runId, { zone: 'restore', role: 'restore', name: member.name }),
      ExposedPorts: { '5432/tcp': {} },
      HostConfig: {
        Init: true,
        NetworkMode: this.layout.networkName,
        PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
        Mounts: [{ Type: 'volume', Source: this.layout.tlsVolume, Target: TLS_DIR, ReadOnly: true }],
      },
      NetworkingConfig: { EndpointsConfig: { [this.layout.networkName]: { IPAMConfig: { IPv4Address: member.ip }, Aliases: [member.name] } } },
    });
    await putFiles(container, [
      { path: '/etc/pgdrill/restore.sh', content: restoreScript(options.target, member.name) },
      { path: '/etc/pgbackrest/pgbackrest.conf', content: databaseNodeConfig(this.layout, member) },
    ]);
    await container.start();
    const connection: ConnectionInfo = { host: '127.0.0.1', port, user: APP_USER, password: this.appPassword, database: APP_DATABASE };
    const reached = await waitForPromotion(container, connection, 600_000);
    return {
      name: member.name,
      primary: connection,
      instances: [{ name: member.name, zone: 'restore', connection }],
      reached,
      teardown: async () => {
        await container.remove({ force: true, v: true }).catch(() => undefined);
      },
    };
  }

  private repo(): Docker.Container {
    return this.docker.getContainer(this.layout.repo.containerName);
  }

  private async archiveCurrentWal(): Promise<void> {
    const client = new pg.Client({ ...(await this.primary()), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      const { rows } = await client.query<{ wal: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS wal');
      const needed = rows[0]!.wal;
      const deadline = performance.now() + 120_000;
      while (performance.now() < deadline) {
        const archived = await client.query<{ last: string | null }>('SELECT last_archived_wal AS last FROM pg_stat_archiver');
        const last = archived.rows[0]?.last ?? '';
        if (last.slice(0, 24) >= needed && /^[0-9A-F]{24}$/.test(last.slice(0, 24))) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new InfrastructureError(`WAL segment ${needed} was not archived within 120 s: cannot restore past it`);
    } finally {
      await client.end().catch(() => undefined);
    }
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
  const quoted = recoveryOptions(target).map((o) => `'${o.replace(/'/g, `'\\''`)}'`).join(' ');
  return `#!/bin/sh
set -eu
install -d -o postgres -g postgres -m 700 ${DATA_DIR}
install -d -o postgres -g postgres -m 2775 /var/run/postgresql
as_postgres="setpriv --reuid=postgres --regid=postgres --init-groups"
$as_postgres pgbackrest --stanza=${STANZA} --log-level-console=warn ${quoted} restore
exec $as_postgres postgres -D ${DATA_DIR} -c listen_addresses='*' -c archive_mode=off -c synchronous_standby_names='' -c hot_standby=on -c pgdrill.instance=${name}
`;
}

async function waitForPromotion(
  container: Docker.Container,
  connection: ConnectionInfo,
  timeoutMs: number,
): Promise<RestoredCluster['reached']> {
  const deadline = performance.now() + timeoutMs;
  let last = 'not started';
  while (performance.now() < deadline) {
    const state = (await container.inspect()).State;
    if (!state.Running) {
      const logs = (await container.logs({ stdout: true, stderr: true, tail: 20 })).toString('utf8');
      throw new InfrastructureError(`the restored instance stopped (exit ${state.ExitCode}): ${lastMeaningfulLine(logs)}`);
    }
    const client = new pg.Client({ ...connection, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ in_recovery: boolean; timeline: number | null; lsn: string | null; last_commit: Date | null }>(
        `SELECT pg_is_in_recovery() AS in_recovery,
                CASE WHEN pg_is_in_recovery() THEN NULL ELSE ('x' || substring(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS timeline,
                CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS lsn,
                pg_last_xact_replay_timestamp() AS last_commit`,
      );
      const row = rows[0]!;
      if (!row.in_recovery) return { timeline: row.timeline, lsn: row.lsn, lastCommitAt: row.last_commit?.toISOString() ?? null };
      last = 'still recovering';
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
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
