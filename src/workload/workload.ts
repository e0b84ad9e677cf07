/**
 * The acknowledged-write workload: N writers through the client endpoint at
 * a total target rate. It only writes to the history (through `record`);
 * checkers read the outcome from there.
 */
import { randomBytes } from 'node:crypto';
import pRetry from 'p-retry';
import pg from 'pg';
import { InfrastructureError, UsageError } from '../errors.ts';
import type { HistoryBody } from '../history/events.ts';
import { describeEndpoint, type ConnectionInfo } from '../targets/endpoints.ts';
import { Pacer } from './pacer.ts';
import { ensureWritesTable } from './schema.ts';
import { emptyCounters, type WorkloadCounters } from './workload-counters.ts';
import { writeClientConfig } from './write-connection.ts';
import { Writer } from './writer.ts';

export interface WorkloadOptions {
  /** The client endpoint: follows the primary (HAProxy, the -rw Service). */
  endpoint: ConnectionInfo;
  /** Receives every invoke / ok / fail / info; the recorder stamps them. */
  record: (body: HistoryBody) => void;
  /** Concurrent writers, each with its own connection. Default 4. */
  writers?: number;
  /** Total target writes per second over all writers; Infinity = as fast as they can. Default 50. */
  rate?: number;
  /** Makes keys unique across runs on the same database (the runner passes its run id). Default random. */
  keyPrefix?: string;
  /** Default 1000. */
  connectTimeoutMs?: number;
  /** Client-side: the connection is closed and the write recorded as info. Default 2500. */
  statementTimeoutMs?: number;
  /** Jittered backoff between reconnect attempts. Default 50..250. */
  reconnectDelayMs?: { min: number; max: number };
  /** Send a CancelRequest before abandoning a timed-out statement (frees its backend). Default true. */
  cancelOnTimeout?: boolean;
  /** How long stop() waits for in-flight writes before breaking their connections. Default 5000. */
  stopTimeoutMs?: number;
  /** Create pgdrill_writes (idempotent) in start(). Default true. */
  ensureTable?: boolean;
  applicationName?: string;
}

export interface WorkloadSummary extends WorkloadCounters {
  writers: number;
  /** Milliseconds between start() and stop() (or now, while running). */
  durationMs: number;
}

export class Workload {
  private readonly options: Required<Omit<WorkloadOptions, 'reconnectDelayMs'>> & { reconnectDelayMs: { min: number; max: number } };
  private readonly counters = emptyCounters();
  private readonly controller = new AbortController();
  private writers: Writer[] = [];
  private runs: Promise<void>[] = [];
  private startedAt: number | undefined;
  private stoppedAt: number | undefined;
  private failure: unknown;

  constructor(options: WorkloadOptions) {
    this.options = {
      writers: 4,
      rate: 50,
      keyPrefix: randomBytes(4).toString('hex'),
      connectTimeoutMs: 1_000,
      statementTimeoutMs: 2_500,
      reconnectDelayMs: { min: 50, max: 250 },
      cancelOnTimeout: true,
      stopTimeoutMs: 5_000,
      ensureTable: true,
      applicationName: 'pgdrill-workload',
      ...options,
    };
    const { writers, rate, reconnectDelayMs } = this.options;
    if (!Number.isInteger(writers) || writers < 1) throw new UsageError(`workload writers must be a positive integer, got ${writers}`);
    if (!(rate > 0)) throw new UsageError(`workload rate must be > 0 writes/s (Infinity for unthrottled), got ${rate}`);
    if (!(reconnectDelayMs.min >= 0 && reconnectDelayMs.max >= reconnectDelayMs.min)) {
      throw new UsageError('workload reconnect delay needs 0 <= min <= max', { ...reconnectDelayMs });
    }
  }

  /**
   * Every key this workload writes starts with `${keyPrefix}-`
   * (`${keyPrefix}-${writer}-${seq}`): final reads on a database that outlives
   * the run filter on it, or rows of earlier runs count as unexpected.
   */
  get keyPrefix(): string {
    return this.options.keyPrefix;
  }

  /** Ensures the table (bounded retry), then starts the writers; returns once they run. */
  async start(): Promise<void> {
    if (this.startedAt !== undefined) throw new UsageError('workload already started');
    if (this.options.ensureTable) await this.createTable();
    const { writers, rate } = this.options;
    const intervalMs = Number.isFinite(rate) ? (1_000 * writers) / rate : 0;
    this.startedAt = performance.now();
    for (let i = 0; i < writers; i++) {
      // Offsets interleave the writers' slots over one interval.
      const pacer = new Pacer(intervalMs, (intervalMs / writers) * i);
      const writer = new Writer(i, this.writerSettings(), pacer, this.options.record, this.counters);
      this.writers.push(writer);
      this.runs.push(
        writer.run(this.controller.signal).catch((error: unknown) => {
          // Only record() can throw here: without a history there is no workload.
          this.failure ??= error;
          this.controller.abort();
        }),
      );
    }
  }

  /**
   * Stops issuing writes and waits for the ones in flight to resolve (their
   * own timeouts bound that); past stopTimeoutMs their connections are broken,
   * which records them as info. Rethrows an error from `record`.
   */
  async stop(): Promise<WorkloadSummary> {
    this.controller.abort();
    const all = Promise.all(this.runs);
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, this.options.stopTimeoutMs, true))),
    ]);
    clearTimeout(timer);
    if (late) {
      for (const writer of this.writers) writer.forceClose();
      await all;
    }
    this.stoppedAt ??= performance.now();
    if (this.failure !== undefined) throw this.failure;
    return this.summary();
  }

  summary(): WorkloadSummary {
    const end = this.stoppedAt ?? performance.now();
    return {
      ...this.counters,
      writers: this.options.writers,
      durationMs: this.startedAt === undefined ? 0 : Math.round(end - this.startedAt),
    };
  }

  private writerSettings() {
    const o = this.options;
    return {
      endpoint: o.endpoint,
      keyPrefix: o.keyPrefix,
      connectTimeoutMs: o.connectTimeoutMs,
      statementTimeoutMs: o.statementTimeoutMs,
      reconnectMinDelayMs: o.reconnectDelayMs.min,
      reconnectMaxDelayMs: o.reconnectDelayMs.max,
      cancelOnTimeout: o.cancelOnTimeout,
      applicationName: o.applicationName,
    };
  }

  private async createTable(): Promise<void> {
    const { endpoint } = this.options;
    try {
      await pRetry(
        async () => {
          const client = new pg.Client(writeClientConfig(endpoint, this.options));
          client.on('error', () => undefined);
          await client.connect();
          // DDL on a primary whose commits wait for a missing standby hangs:
          // bound it, end() with a statement active breaks the connection.
          const timer = setTimeout(() => void client.end().catch(() => undefined), 4 * this.options.statementTimeoutMs);
          try {
            await ensureWritesTable(client);
          } finally {
            clearTimeout(timer);
            await client.end().catch(() => undefined);
          }
        },
        // The endpoint may still be settling right after bring-up.
        { retries: 5, minTimeout: 200, maxTimeout: 1_000, signal: this.controller.signal },
      );
    } catch (error) {
      throw new InfrastructureError(
        `cannot create the workload table through ${describeEndpoint(endpoint)}`,
        { endpoint: describeEndpoint(endpoint) },
        error,
      );
    }
  }
}
