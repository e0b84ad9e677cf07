import { UsageError } from '../../errors.ts';
import type { ClusterSpec, StackGeneration } from '../../scenario/types.ts';
import { validateRunId } from '../run-id.ts';
import { DEFAULT_GENERATION, localGeneration } from './generations.ts';

export type SyncMode = 'off' | 'on' | 'strict' | 'quorum';

/** Patroni's leader-election timings in seconds (its ttl, loop_wait, retry_timeout). */
export interface PatroniTimings {
  ttl: number;
  loopWait: number;
  retryTimeout: number;
}

export interface LocalStackOptions {
  runId: string;
  /** The stack generation: which Debian release's PostgreSQL, Patroni, pgBackRest and etcd (src/targets/local/generations.ts). */
  stack: StackGeneration;
  /** Zone names; each zone gets one etcd member and one PostgreSQL instance. */
  zones: string[];
  synchronous: SyncMode;
  /** Synchronous standbys a commit waits for (Patroni 3.0 uses FIRST n). */
  syncStandbys: number;
  patroni: PatroniTimings;
  /** per-zone: one etcd member in each zone; separate: three members in a zone of their own ("dcs"). */
  dcs: 'per-zone' | 'separate';
  /** Patroni failsafe_mode. */
  failsafe: boolean;
  /** etcd API Patroni uses: v2 (compare-and-swap on the leader key) or v3 (Patroni 3.0.2 overwrites it). */
  etcdApi: 'v2' | 'v3';
  /** PostgreSQL's archive_mode: on (the primary archives) or always (the standbys too). */
  archive: 'on' | 'always';
  /** Host port of the client endpoint on 127.0.0.1; 0 picks a free one. */
  clientPort: number;
  /** An explicit /24 inside 198.18.0.0/15 for the run's network; default: the first free one. */
  subnet?: string;
}

export const DEFAULT_PATRONI: PatroniTimings = { ttl: 10, loopWait: 2, retryTimeout: 4 };
export const DEFAULT_ZONES = ['a', 'b', 'c'];
/** Port of `pgdrill up`'s client endpoint; drills take any free port. */
export const DEFAULT_CLIENT_PORT = 15432;
export const MAX_ZONES = 9;

/** The local stack's defaults, the one place they are written: 3 zones, synchronous on, Patroni ttl 10, etcd v2, any free port. */
export function localStackOptions(runId: string, overrides: Partial<Omit<LocalStackOptions, 'runId'>> = {}): LocalStackOptions {
  return {
    runId,
    stack: DEFAULT_GENERATION,
    zones: [...DEFAULT_ZONES],
    synchronous: 'on',
    syncStandbys: 1,
    patroni: DEFAULT_PATRONI,
    dcs: 'per-zone',
    failsafe: false,
    etcdApi: 'v2',
    archive: 'on',
    clientPort: 0,
    ...overrides,
  };
}

/** What a scenario's cluster section asks of the local stack, plus the command line's port and subnet. */
export function localOptionsFromCluster(runId: string, cluster: ClusterSpec, settings: LocalSettings): LocalStackOptions {
  return localStackOptions(runId, {
    zones: cluster.zones,
    synchronous: cluster.synchronous,
    dcs: cluster.dcs,
    failsafe: cluster.failsafe,
    etcdApi: cluster.etcdApi,
    archive: cluster.archive ?? 'on',
    ...(settings.stack ?? cluster.stack ? { stack: settings.stack ?? cluster.stack } : {}),
    ...(cluster.patroni ? { patroni: cluster.patroni } : {}),
    ...(settings.clientPort === undefined ? {} : { clientPort: settings.clientPort }),
    ...(settings.subnet === undefined ? {} : { subnet: settings.subnet }),
  });
}

/** The local target's own settings on `pgdrill run`. */
export interface LocalSettings {
  clientPort?: number;
  subnet?: string;
  /** --stack: the generation, over the scenario's cluster.stack (certify runs one suite on two). */
  stack?: StackGeneration;
}

const ZONE_NAME = /^[a-z0-9]{1,12}$/;

/** Rejects options that cannot make a working stack, before anything starts (exit 2). */
export function validateLocalOptions(options: LocalStackOptions): LocalStackOptions {
  const { zones, patroni } = options;
  validateRunId(options.runId);
  if (zones.length < 1) throw new UsageError('at least one zone is needed (got none)');
  if (zones.length > MAX_ZONES) throw new UsageError(`at most ${MAX_ZONES} zones are supported on the local target (got ${zones.length})`);
  for (const zone of zones) {
    if (!ZONE_NAME.test(zone)) throw new UsageError(`zone name "${zone}" is invalid: expected 1-12 lowercase letters or digits`);
  }
  if (new Set(zones).size !== zones.length) throw new UsageError(`zone names must be unique (got ${zones.join(', ')})`);
  for (const [name, value] of Object.entries(patroni)) {
    if (!Number.isInteger(value) || value <= 0) throw new UsageError(`patroni ${name} must be a positive whole number of seconds (got ${value})`);
  }
  // Patroni refuses timings where a leader could lose its key between two loops.
  if (patroni.loopWait + 2 * patroni.retryTimeout > patroni.ttl) {
    throw new UsageError(
      `patroni timings need loop_wait + 2 * retry_timeout <= ttl (got ${patroni.loopWait} + 2 * ${patroni.retryTimeout} > ${patroni.ttl})`,
    );
  }
  if (!Number.isInteger(options.syncStandbys) || options.syncStandbys < 1) {
    throw new UsageError(`synchronous standby count must be at least 1 (got ${options.syncStandbys})`);
  }
  // Each zone holds one instance: n synchronous standbys need n replicas besides the primary.
  // Under strict every write would block; under on Patroni would quietly wait for fewer than asked.
  if (options.synchronous !== 'off' && options.syncStandbys > zones.length - 1) {
    const consequence = options.synchronous === 'strict' ? 'every write would block' : 'there are not that many replicas to wait for';
    throw new UsageError(
      `synchronous replication (${options.synchronous}) with ${options.syncStandbys} standby(s) needs at least ${options.syncStandbys + 1} zones (got ${zones.length}): ${consequence}`,
    );
  }
  if (!Number.isInteger(options.clientPort) || options.clientPort < 0 || options.clientPort > 65535) {
    throw new UsageError(`port must be a whole number from 0 to 65535 (got ${options.clientPort})`);
  }
  if (options.subnet !== undefined) parseRunSubnet(options.subnet);
  if (options.synchronous === 'quorum' && !localGeneration(options.stack).quorumCommit) {
    const generation = localGeneration(options.stack);
    throw new UsageError(
      `synchronous 'quorum' needs Patroni 4's quorum commit; stack ${generation.name} has Patroni ${generation.packaged.patroni} (use --stack debian13)`,
    );
  }
  return options;
}

/** A run network is a /24 inside 198.18.0.0/15; returns its first three octets. */
export function parseRunSubnet(subnet: string): [number, number, number] {
  const m = /^198\.(18|19)\.(\d{1,3})\.0\/24$/.exec(subnet);
  const third = m ? Number(m[2]) : NaN;
  if (!m || third > 255) {
    throw new UsageError(`subnet "${subnet}" is invalid: expected a /24 inside 198.18.0.0/15, like 198.18.7.0/24`);
  }
  return [198, Number(m[1]), third];
}
