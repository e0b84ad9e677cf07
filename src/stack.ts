/**
 * pgdrill's stack as a library, the way testcontainers modules give a test
 * suite a database: `startStack()` brings up the local HA stack (3 Patroni
 * + PostgreSQL instances, etcd, HAProxy, a pgBackRest repository) and
 * returns its endpoints, its fault primitives and an async dispose, so
 *
 *   await using stack = await startStack();
 *
 * removes every container, network and volume when the block ends, also
 * when a test throws. Import it from 'pgdrill/stack' (not 'pgdrill', which
 * scenario files load and keeps light).
 */
import { randomBytes } from 'node:crypto';
import { TeardownStack } from './lifecycle/teardown-stack.ts';
import { createProgress, type Progress } from './progress/progress.ts';
import type { ConnectionInfo, InstanceEndpoint } from './targets/endpoints.ts';
import type { LocalFaultPrimitives } from './targets/local/local-faults.ts';
import { startLocalTarget } from './targets/local/local-target.ts';
import { localStackOptions, type PatroniTimings, type SyncMode } from './targets/local/stack-options.ts';
import type { BackupPrimitives, Topology } from './targets/target.ts';

export interface StackOptions {
  /** Zone names, one PostgreSQL instance and one etcd member each (default a, b, c). */
  zones?: string[];
  /** off, on (Patroni synchronous_mode, the default) or strict. */
  synchronous?: SyncMode;
  /** Patroni's ttl, loop_wait and retry_timeout in seconds (default 10, 2, 4). */
  patroni?: PatroniTimings;
  /** A /24 inside 198.18.0.0/15 for the stack's network (default: the first free one). */
  subnet?: string;
  /** Port of the client endpoint on 127.0.0.1 (default: any free one). */
  clientPort?: number;
  /** Names the stack's containers (default: a random id). */
  runId?: string;
  /** Where progress lines go (default: nowhere). */
  log?: (line: string) => void;
  /** Aborts the bring-up; what was created is removed. */
  signal?: AbortSignal;
}

/** A running stack. Dispose it (or call stop()) to remove everything it created. */
export interface StartedStack extends AsyncDisposable {
  readonly runId: string;
  /** Follows the primary (HAProxy): what an application connects to. */
  readonly client: ConnectionInfo;
  /** Each instance directly. */
  readonly instances: readonly InstanceEndpoint[];
  /** Kill, freeze, partition, stall the archive...: each with its undo. */
  readonly faults: LocalFaultPrimitives;
  readonly backups: BackupPrimitives;
  /** Who is primary, and how each instance replicates, as Patroni says. */
  topology(): Promise<Topology>;
  /** Removes every container, network, volume and file of the stack. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Brings the local stack up (preparing the Docker engine and the node image
 * when needed). Bad options throw a UsageError before anything starts.
 */
export async function startStack(options: StackOptions = {}): Promise<StartedStack> {
  const runId = options.runId ?? `lib-${randomBytes(3).toString('hex')}`;
  const stackOptions = localStackOptions(runId, {
    ...(options.zones ? { zones: options.zones } : {}),
    ...(options.synchronous ? { synchronous: options.synchronous } : {}),
    ...(options.patroni ? { patroni: options.patroni } : {}),
    ...(options.subnet ? { subnet: options.subnet } : {}),
    ...(options.clientPort === undefined ? {} : { clientPort: options.clientPort }),
  });
  const progress: Progress = createProgress(options.log ?? (() => undefined));
  const teardowns = new TeardownStack();
  try {
    const target = await startLocalTarget({ options: stackOptions, progress, teardowns, ...(options.signal ? { signal: options.signal } : {}) });
    const stop = async (): Promise<void> => {
      const failures = await teardowns.runAll();
      if (failures.length > 0) throw new AggregateError(failures.map((f) => f.error), `removing stack ${runId} failed: ${failures.map((f) => f.name).join(', ')}`);
    };
    return {
      runId,
      client: target.client,
      instances: target.instances,
      faults: target.faults,
      backups: target.backups,
      topology: () => target.topology(),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await teardowns.runAll();
    throw error;
  }
}
