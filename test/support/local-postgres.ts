/**
 * A throwaway PostgreSQL cluster for tests and benches: initdb in a temp dir,
 * listening only on 127.0.0.1 (and a unix socket inside that dir), stopped and
 * removed by `destroy()`. Only the postmaster of this data directory is ever
 * stopped (`pg_ctl -D <dir>`), never any other postgres on the machine.
 *
 * Two roles, like the real stacks: an admin (superuser, for the test's own
 * manipulation: pg_terminate_backend, ALTER SYSTEM) and an application role
 * that owns the database and is a member of pg_monitor (what the workload and
 * observers get on the stack).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, writeFile, appendFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CommandError, InfrastructureError } from '../../src/errors.ts';
import type { ConnectionInfo, InstanceEndpoint } from '../../src/targets/endpoints.ts';

const BIN = process.env['PGDRILL_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const LOOPBACK = '127.0.0.1';

export interface LocalPostgresOptions {
  /** Value of the custom GUC pgdrill.instance (the instance's name). Default "local". */
  instanceName?: string;
  /**
   * Extra postgresql.conf settings, verbatim values (quote strings yourself:
   * `{ synchronous_standby_names: "'nobody'" }`). Defaults favour speed:
   * fsync off, which does not change any outcome the tests look at.
   */
  settings?: Record<string, string>;
}

interface PostgresUser {
  uid: number;
  gid: number;
}

/**
 * Servers of this process still running: stopped if the process exits without
 * destroying them (a crashed test or bench), so no postgres outlives its user.
 */
const live = new Map<string, { dataDir: string; runAs: PostgresUser | undefined }>();
process.once('exit', () => {
  for (const [root, { dataDir, runAs }] of live) {
    spawnSync(`${BIN}/pg_ctl`, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10'], {
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      stdio: 'ignore',
      cwd: tmpdir(),
    });
    rmSync(root, { recursive: true, force: true });
  }
});

export class LocalPostgres {
  /** The application role: what the workload and observers connect as. */
  readonly connection: ConnectionInfo;
  /** Superuser, for the test's own manipulation of the server. */
  readonly admin: ConnectionInfo;
  readonly dataDir: string;
  readonly instanceName: string;
  private running = true;

  private constructor(
    private readonly root: string,
    readonly port: number,
    instanceName: string,
    passwords: { admin: string; app: string },
    private readonly runAs: PostgresUser | undefined,
  ) {
    this.dataDir = join(root, 'data');
    this.instanceName = instanceName;
    live.set(root, { dataDir: this.dataDir, runAs });
    this.admin = { host: LOOPBACK, port, user: 'pgdrill_admin', password: passwords.admin, database: 'pgdrill' };
    this.connection = { host: LOOPBACK, port, user: 'pgdrill_app', password: passwords.app, database: 'pgdrill' };
  }

  /** initdb + start + create the app role and database. */
  static async start(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
    const runAs = await postgresUser();
    const root = await mkdtemp(join(tmpdir(), 'pgdrill-pg-'));
    const passwords = { admin: randomBytes(12).toString('hex'), app: randomBytes(12).toString('hex') };
    const instanceName = options.instanceName ?? 'local';
    let server: LocalPostgres | undefined;
    try {
      if (runAs) await chown(root, runAs.uid, runAs.gid);
      const pwfile = join(root, 'pwfile');
      await writeFile(pwfile, passwords.admin + '\n', { mode: 0o600 });
      if (runAs) await chown(pwfile, runAs.uid, runAs.gid);
      await run(runAs, `${BIN}/initdb`, [
        '-D', join(root, 'data'),
        '-U', 'pgdrill_admin',
        `--pwfile=${pwfile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--no-sync',
        '--no-instructions',
        '-E', 'UTF8',
        '--locale=C',
      ]);
      await rm(pwfile);
      server = await startOnFreePort(root, instanceName, passwords, runAs, options.settings ?? {});
      await server.adminQuery(
        `CREATE ROLE pgdrill_app LOGIN PASSWORD '${passwords.app}' IN ROLE pg_monitor`,
        'postgres',
      );
      await server.adminQuery('CREATE DATABASE pgdrill OWNER pgdrill_app', 'postgres');
      return server;
    } catch (error) {
      if (server) await server.destroy().catch(() => undefined);
      else await rm(root, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * A streaming replica of this server (pg_basebackup -R), started on its own
   * port with its own pgdrill.instance name. Destroy it before its primary.
   */
  async startReplica(instanceName: string, settings: Record<string, string> = {}): Promise<LocalPostgres> {
    const root = await mkdtemp(join(tmpdir(), 'pgdrill-pg-'));
    try {
      if (this.runAs) await chown(root, this.runAs.uid, this.runAs.gid);
      await run(
        this.runAs,
        `${BIN}/pg_basebackup`,
        ['-D', join(root, 'data'), '-R', '-X', 'stream', '-c', 'fast', '-h', LOOPBACK, '-p', String(this.port), '-U', 'pgdrill_admin', '--no-sync'],
        { PGPASSWORD: this.admin.password },
      );
      // The copied postgresql.conf carries the primary's port, socket dir and name.
      return await startOnFreePort(
        root,
        instanceName,
        { admin: this.admin.password, app: this.connection.password },
        this.runAs,
        settings,
        // After pg_basebackup's own line, so it wins: the replica must show up
        // in pg_stat_replication under its instance name.
        `primary_conninfo = 'host=${LOOPBACK} port=${this.port} user=pgdrill_admin password=${this.admin.password} application_name=${instanceName}'`,
      );
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** This server as an instance of a stack (for observers): its name and the app role. */
  endpoint(zone = 'zone-a'): InstanceEndpoint {
    return { name: this.instanceName, zone, connection: this.connection };
  }

  /** Runs SQL as the superuser on a fresh connection; returns the rows. */
  async adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    database = 'pgdrill',
  ): Promise<R[]> {
    const client = new pg.Client({ ...this.admin, database, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  /** ALTER SYSTEM SET ... then reload: for settings a test flips at run time. */
  async setSetting(name: string, value: string): Promise<void> {
    await this.adminQuery(`ALTER SYSTEM SET ${name} = ${value}`);
    await this.adminQuery('SELECT pg_reload_conf()');
  }

  /** Stops the server, keeping its data (immediate = crash-like, fast = clean). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    await run(this.runAs, `${BIN}/pg_ctl`, ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '30']);
    this.running = false;
  }

  /** Starts a stopped server again on the same port. */
  async resume(): Promise<void> {
    if (this.running) return;
    await pgCtlStart(this.runAs, this.dataDir);
    this.running = true;
  }

  /** A clean stop and a start: a new postmaster, the same data and port. */
  async restart(): Promise<void> {
    await this.stop('fast');
    await this.resume();
  }

  /**
   * Restarts this server as a streaming standby of `primary` (standby.signal,
   * primary_conninfo under its instance name), as a demoted primary or a
   * replica re-pointed after a switchover comes back.
   */
  async follow(primary: LocalPostgres): Promise<void> {
    await this.stop('fast');
    await writeFile(join(this.dataDir, 'standby.signal'), '');
    await appendFile(
      join(this.dataDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=${LOOPBACK} port=${primary.port} user=pgdrill_admin password=${this.admin.password} application_name=${this.instanceName}'\n`,
    );
    if (this.runAs) await chown(join(this.dataDir, 'standby.signal'), this.runAs.uid, this.runAs.gid);
    await this.resume();
  }

  /** Stops the server (if running) and removes its directory. */
  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } finally {
      live.delete(this.root);
      await rm(this.root, { recursive: true, force: true });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }

  /** @internal used by startOnFreePort */
  static create(
    root: string,
    port: number,
    instanceName: string,
    passwords: { admin: string; app: string },
    runAs: PostgresUser | undefined,
  ): LocalPostgres {
    return new LocalPostgres(root, port, instanceName, passwords, runAs);
  }
}

async function startOnFreePort(
  root: string,
  instanceName: string,
  passwords: { admin: string; app: string },
  runAs: PostgresUser | undefined,
  settings: Record<string, string>,
  extraAutoConf = '',
): Promise<LocalPostgres> {
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  await mkdir(socketDir, { recursive: true });
  if (runAs) await chown(socketDir, runAs.uid, runAs.gid);
  const confPath = join(dataDir, 'postgresql.conf');
  const baseConf = await readFile(confPath, 'utf8');
  if (extraAutoConf) await appendFile(join(dataDir, 'postgresql.auto.conf'), `${extraAutoConf}\n`);
  // A free port can be taken between probing and binding: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const conf: Record<string, string> = {
      listen_addresses: `'${LOOPBACK}'`,
      port: String(port),
      unix_socket_directories: `'${socketDir}'`,
      'pgdrill.instance': `'${instanceName}'`,
      fsync: 'off',
      full_page_writes: 'off',
      shared_buffers: '32MB',
      max_connections: '60',
      logging_collector: 'off',
      ...settings,
    };
    const lines = Object.entries(conf).map(([k, v]) => `${k} = ${v}`);
    await writeFile(confPath, `${baseConf}\n# pgdrill test settings\n${lines.join('\n')}\n`);
    try {
      await pgCtlStart(runAs, dataDir);
      return LocalPostgres.create(root, port, instanceName, passwords, runAs);
    } catch (error) {
      lastError = error;
    }
  }
  throw new InfrastructureError('local PostgreSQL did not start on a free port', { dataDir }, lastError);
}

async function pgCtlStart(runAs: PostgresUser | undefined, dataDir: string): Promise<void> {
  const log = join(dataDir, '..', 'server.log');
  await appendFile(log, '');
  if (runAs) await chown(log, runAs.uid, runAs.gid);
  await run(runAs, `${BIN}/pg_ctl`, ['start', '-D', dataDir, '-l', log, '-w', '-t', '30']);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** initdb and postgres refuse to run as root: drop to the postgres user then. */
async function postgresUser(): Promise<PostgresUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  const fields = line?.split(':');
  if (!fields || fields.length < 4) {
    throw new InfrastructureError('running as root and no postgres user to run the test server as');
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

function run(
  runAs: PostgresUser | undefined,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<void> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      env: { ...process.env, ...env, LC_ALL: 'C' },
      cwd: tmpdir(),
      // pg_ctl's postmaster inherits these pipes unless they are closed: keep
      // them closed so the child's 'close' is not held open by the server.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (error) => reject(new InfrastructureError(`cannot run ${command}`, {}, error)));
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new CommandError({
            command: `${command.split('/').pop() ?? command} ${args[0] ?? ''}`,
            code,
            stdout,
            stderr,
            durationMs: performance.now() - started,
            where: 'the local test PostgreSQL',
          }),
        );
    });
  });
}
