import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { parseGeneration } from '../targets/local/generations.ts';
import { DEFAULT_CLIENT_PORT, localStackOptions, type LocalStackOptions, type SyncMode } from '../targets/local/stack-options.ts';

/** Flags shared by `up` and `run` that shape the local stack. */
export interface StackFlags {
  target?: string;
  zones?: string;
  sync?: string;
  syncStandbys?: string;
  ttl?: string;
  loopWait?: string;
  retryTimeout?: string;
  port?: string;
  subnet?: string;
  runId?: string;
  config?: string;
  etcdApi?: string;
  stack?: string;
}

const CONFIG_KEYS = ['zones', 'synchronous', 'syncStandbys', 'patroni', 'port', 'subnet', 'etcdApi', 'stack'] as const;
const SYNC_MODES: readonly SyncMode[] = ['off', 'on', 'strict', 'quorum'];

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** Builds the stack options: defaults, then the config file, then flags. Bad input → UsageError (exit 2). */
export function localOptionsFromFlags(flags: StackFlags): LocalStackOptions {
  const file = flags.config ? readConfigFile(flags.config) : {};
  const patroniFile = (file.patroni ?? {}) as Record<string, unknown>;
  const defaults = localStackOptions(flags.runId ?? newRunId());
  const synchronous = (flags.sync ?? (file.synchronous as string | undefined) ?? defaults.synchronous) as SyncMode;
  if (!SYNC_MODES.includes(synchronous)) {
    throw new UsageError(`synchronous mode "${synchronous}" is invalid: expected off, on, strict or quorum`);
  }
  return {
    ...defaults,
    zones: flags.zones !== undefined ? splitZones(flags.zones) : ((file.zones as string[] | undefined) ?? defaults.zones),
    synchronous,
    syncStandbys: int(flags.syncStandbys, 'sync-standbys') ?? (file.syncStandbys as number | undefined) ?? defaults.syncStandbys,
    patroni: {
      ttl: int(flags.ttl, 'ttl') ?? (patroniFile.ttl as number | undefined) ?? defaults.patroni.ttl,
      loopWait: int(flags.loopWait, 'loop-wait') ?? (patroniFile.loopWait as number | undefined) ?? defaults.patroni.loopWait,
      retryTimeout: int(flags.retryTimeout, 'retry-timeout') ?? (patroniFile.retryTimeout as number | undefined) ?? defaults.patroni.retryTimeout,
    },
    etcdApi: etcdApi(flags.etcdApi ?? (file.etcdApi as string | undefined) ?? defaults.etcdApi),
    stack: parseGeneration(flags.stack ?? (file.stack as string | undefined) ?? defaults.stack, flags.stack !== undefined ? '--stack' : String(flags.config)),
    clientPort: int(flags.port, 'port') ?? (file.port as number | undefined) ?? DEFAULT_CLIENT_PORT,
    ...(flags.subnet ?? file.subnet ? { subnet: (flags.subnet ?? file.subnet) as string } : {}),
  };
}

function etcdApi(value: string): 'v2' | 'v3' {
  if (value !== 'v2' && value !== 'v3') throw new UsageError(`etcd API "${value}" is invalid: expected v2 or v3`);
  return value;
}

function splitZones(value: string): string[] {
  return value
    .split(',')
    .map((z) => z.trim())
    .filter((z) => z.length > 0);
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${flag} expects a whole number (got "${value}")`);
  return Number(value);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new UsageError(`cannot read config file ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { path }, cause);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(cause as Error).message}`, { path }, cause);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`config file ${path} must hold a JSON object with ${CONFIG_KEYS.join(', ')}`);
  }
  for (const key of Object.keys(parsed)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(`config file ${path}: unknown field "${key}" (expected ${CONFIG_KEYS.join(', ')})`);
    }
  }
  return parsed as Record<string, unknown>;
}
