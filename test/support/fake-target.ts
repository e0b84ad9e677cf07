/**
 * A target without Docker, for the runner's own tests: one real PostgreSQL
 * server (LocalPostgres) is the whole "cluster" (one zone, one instance,
 * always its primary), and the fault primitives act on that server for
 * real: a killed instance is a stopped server (connections refused), a
 * healed one is started again. Backups are bookkeeping; a restore copies
 * the rows committed up to the recovery target into a database of its own
 * on the same server, which the runner then checks against the ledger like
 * any restore. What the fake implements is chosen per test, so a target
 * lacking a primitive group is as easy to make as one lacking backups.
 */
import type pg from 'pg';
import { withClient } from '../../src/postgres/client.ts';
import { ensureWritesTable, WRITES_TABLE } from '../../src/postgres/writes-table.ts';
import type { ConfiguredTarget, TargetPlan, TargetStartArgs } from '../../src/targets/driver.ts';
import { implementedGroups, type FaultPrimitives, type InstanceKillPrimitives, type SwitchoverPrimitives } from '../../src/targets/fault-primitives.ts';
import type { BackupInfo, BackupPrimitives, RecoveryTarget, RestoredCluster, StartedTarget, Topology } from '../../src/targets/target.ts';
import { LocalPostgres } from './local-postgres.ts';

export interface FakeTargetOptions {
  /** Leave the instance-kill group out (a target that cannot kill): default false. */
  withoutInstanceKill?: boolean;
  /** No backup repository: default false. */
  withoutBackups?: boolean;
  /** What topology() answers instead of the truth (an unhealthy stack). */
  topology?: () => Topology;
  /** start() fails like a stack that never came up. */
  startError?: Error;
  /** The kill does nothing (and the fake says so truthfully): its witness must catch it. */
  noOpKill?: boolean;
}

/** What a test can look at afterwards. */
export interface FakeTargetLog {
  started: number;
  tornDown: number;
  kills: string[];
  starts: string[];
  restores: string[];
}

const INSTANCE = 'pg-a';
/** Rows deleted from the writes table, with when: what lets the fake "replay" to a time before a DELETE. */
const DELETED_TABLE = 'fake_deleted_writes';
const KEEP_DELETED_SQL = `
CREATE TABLE ${DELETED_TABLE} AS SELECT *, clock_timestamp() AS deleted_at FROM ${WRITES_TABLE} WHERE false;
CREATE FUNCTION fake_keep_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO ${DELETED_TABLE} SELECT OLD.*, clock_timestamp(); RETURN OLD; END $$;
CREATE TRIGGER fake_keep_deleted BEFORE DELETE ON ${WRITES_TABLE} FOR EACH ROW EXECUTE FUNCTION fake_keep_deleted();`;

/** The fake's primitives: kill and start the one server; a switchover to nowhere (one instance) is a no-op. */
class FakePrimitives implements InstanceKillPrimitives, SwitchoverPrimitives {
  private running = true;
  private starts = 1;

  constructor(
    private readonly server: LocalPostgres,
    private readonly log: FakeTargetLog,
    private readonly noOpKill = false,
  ) {}

  async killInstance(name: string): Promise<void> {
    this.log.kills.push(name);
    if (this.noOpKill) return;
    await this.server.stop('immediate');
    this.running = false;
  }

  async startInstance(name: string): Promise<void> {
    this.log.starts.push(name);
    await this.server.resume();
    this.running = true;
    this.starts += 1;
  }

  async incarnation(): Promise<string | null> {
    return this.running ? `server start #${this.starts}` : null;
  }

  async switchover(): Promise<void> {
    return undefined;
  }
}

/** The same primitives without the kill group, for "the target cannot do this fault". */
class SwitchoverOnly implements SwitchoverPrimitives {
  async switchover(): Promise<void> {
    return undefined;
  }
}

class FakeBackups implements BackupPrimitives {
  // Like a real stack's first backup at bring-up: PITR drills need one before their first step.
  private readonly taken: BackupInfo[] = [{ id: 'fake-0', type: 'full', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() }];

  constructor(
    private readonly server: LocalPostgres,
    private readonly log: FakeTargetLog,
  ) {}

  async backup(type: 'full' | 'incremental'): Promise<BackupInfo> {
    const at = new Date().toISOString();
    const info: BackupInfo = { id: `fake-${this.taken.length}`, type, startedAt: at, finishedAt: at };
    this.taken.push(info);
    return info;
  }

  async listBackups(): Promise<BackupInfo[]> {
    return [...this.taken];
  }

  async restore(options: { target: RecoveryTarget; shape: 'single' | 'cluster'; name: string }): Promise<RestoredCluster> {
    if (options.target.kind === 'lsn') throw new Error('the fake target restores to a time or to the end, not to an LSN');
    const database = `restored_${options.name.replace(/[^a-z0-9]/g, '_')}`;
    this.log.restores.push(options.name);
    const until = options.target.kind === 'time' ? options.target.time : null;
    // What WAL replay to `until` would give back: rows committed by then, and rows deleted after then.
    const columns = 'key, writer, committed_at::text, served_by, timeline';
    const rows = await this.server.adminQuery<{ key: string; writer: number; committed_at: string; served_by: string; timeline: number }>(
      until
        ? `SELECT ${columns} FROM ${WRITES_TABLE} WHERE committed_at <= '${until}'::timestamptz
           UNION ALL SELECT ${columns} FROM ${DELETED_TABLE} WHERE committed_at <= '${until}'::timestamptz AND deleted_at > '${until}'::timestamptz`
        : `SELECT ${columns} FROM ${WRITES_TABLE}`,
    );
    await this.server.adminQuery(`CREATE DATABASE ${database} OWNER pgdrill_app`, 'postgres');
    const connection = { ...this.server.connection, database };
    await withClient(connection, { application: 'pgdrill-fake-restore' }, async (client: pg.Client) => {
      await ensureWritesTable(client);
      if (rows.length > 0) {
        await client.query(
          `INSERT INTO ${WRITES_TABLE} (key, writer, committed_at, served_by, timeline)
           SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[], $5::int[])`,
          [rows.map((r) => r.key), rows.map((r) => r.writer), rows.map((r) => r.committed_at), rows.map((r) => r.served_by), rows.map((r) => r.timeline)],
        );
      }
    });
    const last = rows.map((r) => r.committed_at).sort().at(-1) ?? null;
    return {
      name: options.name,
      primary: connection,
      instances: [{ name: `${options.name}-a`, zone: 'a', connection }],
      reached: { timeline: 1, lsn: null, lastCommitAt: last ? new Date(last).toISOString() : null },
      teardown: async () => {
        await this.server.adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`, 'postgres');
      },
    };
  }
}

/** A ConfiguredTarget for runDrill, and what it did. The server is started by start() and removed by its teardown. */
export function fakeTarget(options: FakeTargetOptions = {}): { target: ConfiguredTarget; log: FakeTargetLog; server: () => LocalPostgres | undefined } {
  const log: FakeTargetLog = { started: 0, tornDown: 0, kills: [], starts: [], restores: [] };
  let server: LocalPostgres | undefined;
  const primitivesFor = (s: LocalPostgres): FaultPrimitives => (options.withoutInstanceKill ? new SwitchoverOnly() : new FakePrimitives(s, log, options.noOpKill));
  const target: ConfiguredTarget = {
    kind: 'local',
    capabilities: () => ({
      primitives: implementedGroups(options.withoutInstanceKill ? SwitchoverOnly.prototype : FakePrimitives.prototype),
      backups: !options.withoutBackups,
    }),
    preflight: async (_plan: TargetPlan) => undefined,
    async start(args: TargetStartArgs): Promise<StartedTarget> {
      log.started += 1;
      args.teardowns.defer('remove the fake stack', async () => {
        log.tornDown += 1;
        await server?.destroy();
      });
      if (options.startError) throw options.startError;
      server = await LocalPostgres.start({ instanceName: INSTANCE });
      const s = server;
      if (!options.withoutBackups) {
        await withClient(s.connection, { application: 'pgdrill-fake-setup' }, async (client) => {
          await ensureWritesTable(client);
          await client.query(KEEP_DELETED_SQL);
        });
      }
      const started: StartedTarget = {
        kind: 'local',
        runId: args.runId,
        client: s.connection,
        instances: [{ name: INSTANCE, zone: 'a', connection: s.connection }],
        faults: primitivesFor(s),
        ...(options.withoutBackups ? {} : { backups: new FakeBackups(s, log) }),
        topology: async () => options.topology?.() ?? truth(s),
        versions: async () => ({ postgres: 'fake (LocalPostgres)' }),
        secrets: () => [s.connection.password, s.admin.password],
        teardown: async () => s.destroy(),
      };
      return started;
    },
    cleanup: async () => 'nothing to clean up',
  };
  return { target, log, server: () => server };
}

/** One instance: the primary while its server answers, else no primary at all. */
async function truth(server: LocalPostgres): Promise<Topology> {
  const up = await server
    .adminQuery('SELECT 1')
    .then(() => true)
    .catch(() => false);
  return {
    primary: up ? INSTANCE : null,
    instances: [{ name: INSTANCE, zone: 'a', role: up ? 'primary' : 'unknown', state: up ? 'running' : 'stopped', timeline: up ? 1 : null, lagBytes: up ? 0 : null }],
  };
}
