import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors.ts';
import { describeEndpoint, type ConnectionInfo } from '../endpoints.ts';
import type { LocalStackOptions } from './stack-options.ts';

/** What a later `pgdrill status` / `down` / a script needs to find a run. No secrets. */
export interface RunRecord {
  runId: string;
  target: 'local';
  createdAt: string;
  image: string;
  network: string;
  subnet: string;
  options: LocalStackOptions;
  client: { url: string; host: string; port: number };
  instances: Array<{ name: string; zone: string; url: string; host: string; port: number; patroniUrl: string }>;
}

export function stateRoot(): string {
  return process.env.PGDRILL_STATE_DIR ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'pgdrill');
}

export function runDir(runId: string): string {
  return join(stateRoot(), runId);
}

export interface RunFiles {
  dir: string;
  record: string;
  env: string;
  passfile: string;
}

/**
 * Writes run.json (no secrets), endpoints.env (connection URLs without
 * passwords, plus PGPASSFILE) and a 0600 passfile that libpq and psql read.
 */
export function writeRunFiles(record: RunRecord, connections: ConnectionInfo[]): RunFiles {
  const dir = runDir(record.runId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files: RunFiles = {
    dir,
    record: join(dir, 'run.json'),
    env: join(dir, 'endpoints.env'),
    passfile: join(dir, 'pgpass'),
  };
  writeFileSync(files.passfile, connections.map(passfileLine).join('\n') + '\n', { mode: 0o600 });
  chmodSync(files.passfile, 0o600);
  writeFileSync(files.record, JSON.stringify(record, null, 2) + '\n');
  const env = [
    `PGDRILL_RUN_ID=${record.runId}`,
    `PGDRILL_CLIENT_URL=${record.client.url}`,
    ...record.instances.map((i) => `PGDRILL_INSTANCE_${i.name.replace(/-/g, '_').toUpperCase()}_URL=${i.url}`),
    `PGPASSFILE=${files.passfile}`,
  ];
  writeFileSync(files.env, env.join('\n') + '\n');
  return files;
}

function passfileLine(c: ConnectionInfo): string {
  const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return [c.host, String(c.port), c.database, c.user, c.password].map(esc).join(':');
}

export function readRunRecord(runId: string): RunRecord {
  const file = join(runDir(runId), 'run.json');
  if (!existsSync(file)) throw new UsageError(`no run "${runId}" on this machine (looked for ${file})`);
  return JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
}

/** The password for user@host:port from the run's passfile (for status queries). */
export function readPassword(runId: string, host: string, port: number, user: string): string | undefined {
  const file = join(runDir(runId), 'pgpass');
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const fields = line.split(/(?<!\\):/).map((f) => f.replace(/\\:/g, ':').replace(/\\\\/g, '\\'));
    if (fields[0] === host && fields[1] === String(port) && fields[3] === user) return fields[4];
  }
  return undefined;
}

export function recordedRunIds(): string[] {
  const root = stateRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((id) => existsSync(join(root, id, 'run.json')));
}

export function removeRunFiles(runId: string): void {
  rmSync(runDir(runId), { recursive: true, force: true });
}

export function endpointUrl(c: Omit<ConnectionInfo, 'password'>): string {
  return describeEndpoint(c);
}
