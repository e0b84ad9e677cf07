import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../../errors.ts';
import { describeEndpoint, type ConnectionInfo } from '../endpoints.ts';
import { isRunId, validateRunId } from '../run-id.ts';
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

/** The run's own folder inside the state root; an invalid run id is a UsageError, never a path. */
export function runDir(runId: string): string {
  return join(stateRoot(), validateRunId(runId));
}

/** Where run.json of a run is (for messages that name it). */
export function runRecordFile(runId: string): string {
  return join(runDir(runId), 'run.json');
}

/** Whether `pgdrill up` recorded this run on this machine (its run.json exists; it is not read). */
export function isRunRecorded(runId: string): boolean {
  return existsSync(runRecordFile(runId));
}

/** The line `status` and `down` give for a run that is not recorded here. */
export function noSuchRun(runId: string): UsageError {
  return new UsageError(`no run "${runId}" on this machine (looked for ${runRecordFile(runId)})`, { runId });
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

/** The run's run.json, checked for what status reads; a missing, unreadable or malformed file is a UsageError naming it. */
export function readRunRecord(runId: string): RunRecord {
  const file = runRecordFile(runId);
  if (!existsSync(file)) throw noSuchRun(runId);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { file }, cause);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`${file} is not valid JSON (${(cause as Error).message}): remove the run with pgdrill cleanup --run ${runId}`, { file }, cause);
  }
  const problems = recordProblems(parsed, runId);
  if (problems.length > 0) {
    throw new UsageError(`${file} is not a run record pgdrill wrote: missing or wrong: ${problems.join(', ')}`, { file, problems });
  }
  return parsed as RunRecord;
}

/** The fields of a run record that are absent or of the wrong type (what status and scripts rely on). */
function recordProblems(value: unknown, runId: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['the whole record (expected a JSON object)'];
  const r = value as Record<string, unknown>;
  const problems: string[] = [];
  if (r.runId !== runId) problems.push(`runId (expected "${runId}")`);
  const client = r.client as Record<string, unknown> | undefined;
  if (typeof client !== 'object' || client === null || typeof client.url !== 'string') problems.push('client.url');
  const instances = r.instances;
  if (!Array.isArray(instances) || instances.length === 0) {
    problems.push('instances');
  } else {
    instances.forEach((i: unknown, n) => {
      const instance = (typeof i === 'object' && i !== null ? i : {}) as Record<string, unknown>;
      const wrong: string[] = ['name', 'zone', 'host', 'patroniUrl'].filter((k) => typeof instance[k] !== 'string');
      if (typeof instance.port !== 'number') wrong.push('port');
      if (wrong.length > 0) problems.push(`instances[${n}].${wrong.join('/')}`);
    });
  }
  return problems;
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
  return readdirSync(root)
    .filter((id) => isRunId(id) && existsSync(join(root, id, 'run.json')))
    .sort();
}

/**
 * Removes one run's own folder in the state root and nothing else: the run
 * id must be valid, the path must be a direct child of the state root named
 * by it, and it must be a folder (not a file, not a symbolic link). A run
 * without a folder is nothing to remove.
 */
export function removeRunFiles(runId: string): void {
  const dir = resolve(runDir(runId));
  if (dirname(dir) !== resolve(stateRoot()) || basename(dir) !== runId) {
    throw new UsageError(`refusing to remove ${dir}: not run ${runId}'s folder in ${stateRoot()}`, { runId, dir });
  }
  let kind: 'missing' | 'folder' | 'other';
  try {
    kind = lstatSync(dir).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    kind = 'missing';
  }
  if (kind === 'missing') return;
  if (kind === 'other') throw new UsageError(`refusing to remove ${dir}: not a run folder (a file or a link)`, { runId, dir });
  rmSync(dir, { recursive: true, force: true });
}

export function endpointUrl(c: Omit<ConnectionInfo, 'password'>): string {
  return describeEndpoint(c);
}
