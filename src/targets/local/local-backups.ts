import type Docker from 'dockerode';
import { InfrastructureError } from '../../errors.ts';
import { connectClient } from '../../postgres/client.ts';
import type { ConnectionInfo } from '../endpoints.ts';
import type { BackupInfo, BackupPrimitives, BackupVerification, RecoveryTarget, RestoredCluster } from '../target.ts';
import { execIn } from './docker-exec.ts';
import { APP_DATABASE, APP_USER, type StackSecrets } from './secrets.ts';
import type { LocalStackOptions } from './stack-options.ts';
import { startRestoredCluster } from './restored-cluster.ts';
import { STANZA, type StackLayout } from './stack-layout.ts';
import { startScratchRestore } from './scratch-restore.ts';

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
 * PostgreSQL on its own (no Patroni) until recovery reaches its target; a
 * cluster restore builds a full Patroni cluster of the stack's zones the
 * same way (restored-cluster.ts).
 */
export class LocalBackups implements BackupPrimitives {
  private restores = 0;

  constructor(
    private readonly docker: Docker,
    private readonly image: string,
    private readonly layout: StackLayout,
    /** The source stack's options and secrets: a cluster restore has its shape and its roles. */
    private readonly stack: { options: LocalStackOptions; secrets: StackSecrets },
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

  /**
   * pgBackRest's verify over every backup and the WAL archive. It exits 0
   * whatever it finds: the counts of its summary (checksum invalid, size
   * invalid, missing, other) are the errors, and its "invalid checksum
   * '<file>'"-style lines name them.
   */
  async verify(): Promise<BackupVerification> {
    const result = await execIn(this.repo(), ['pgbackrest', `--stanza=${STANZA}`, 'verify', '--output=text', '--verbose'], { user: 'postgres', timeoutMs: 600_000 });
    return parseVerify(result.stdout);
  }

  async restore(options: { target: RecoveryTarget; shape: 'single' | 'cluster'; name: string }): Promise<RestoredCluster> {
    // Recovery to a time needs the WAL after it in the archive: close the current segment and wait until it is archived.
    await this.archiveCurrentWal();
    this.restores += 1;
    if (options.shape === 'cluster') {
      return startRestoredCluster({ docker: this.docker, image: this.image, layout: this.layout, ...this.stack }, options.target, options.name, this.restores);
    }
    const scratch = await startScratchRestore(
      this.docker,
      { labelRunId: this.layout.runId, layout: this.layout, image: this.image, hostOctet: 40 + this.restores },
      options.target,
      options.name,
    );
    const connection: ConnectionInfo = { host: '127.0.0.1', port: scratch.port, user: APP_USER, password: this.stack.secrets.app, database: APP_DATABASE };
    return {
      name: scratch.member.name,
      primary: connection,
      instances: [{ name: scratch.member.name, zone: 'restore', connection }],
      reached: scratch.reached,
      teardown: scratch.remove,
    };
  }

  private repo(): Docker.Container {
    return this.docker.getContainer(this.layout.repo.containerName);
  }

  private async archiveCurrentWal(): Promise<void> {
    const client = await connectClient(await this.primary(), { application: 'pgdrill-backup' });
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

/**
 * Reads pgBackRest verify's text output (2.45): the summary's counts (the
 * plain block; the console log repeats it with timestamps, counted once)
 * and the log lines naming each bad file.
 */
export function parseVerify(output: string): BackupVerification {
  const block = /^stanza: /m.exec(output);
  const summary = block ? output.slice(block.index) : output;
  let errors = 0;
  for (const m of summary.matchAll(/missing: (\d+), checksum invalid: (\d+), size invalid: (\d+), other: (\d+)/g)) {
    errors += Number(m[1]) + Number(m[2]) + Number(m[3]) + Number(m[4]);
  }
  const problems = [...output.matchAll(/INFO: ((?:invalid|missing)[^\n]*'[^']+'[^\n]*)/g)].map((m) => m[1]!.trim());
  const status = /^status: (\S+)/m.exec(summary)?.[1];
  // A status other than ok with no count (a backup the tool could not read at all) is still an error.
  if (status !== undefined && status !== 'ok' && errors === 0) errors = 1;
  return { tool: 'pgbackrest verify', errors, problems };
}
