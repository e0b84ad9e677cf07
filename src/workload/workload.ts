/**
 * The acknowledged-write workload: N writers through the client endpoint at
 * a total target rate. It only writes to the history (through `record`);
 * checkers read the outcome from there.
 */
import { randomBytes } from 'node:crypto';
import pRetry from 'p-retry';
import { InfrastructureError, UsageError } from '../errors.ts';
import type { HistoryBody } from '../history/events.ts';
import { describeEndpoint, type ConnectionInfo } from '../targets/endpoints.ts';
import { Pacer } from './pacer.ts';
import { ensureWritesTable } from '../postgres/writes-table.ts';
import { emptyCounters, type WorkloadCounters } from './workload-counters.ts';
import { openWriteClient } from './write-connection.ts';
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
  /**
   * Outage probes: while a writer is cut off (reconnecting, or its write in
   * flight longer than `suspectAfterMs`), a one-shot attempt on a fresh
   * connection starts every `intervalMs`, at most `maxInFlight` at once, so
   * the moment service returns is seen within `intervalMs` however long
   * each attempt waits for its connect timeout or a commit that blocks
   * (`statementTimeoutMs`: a blocked probe is abandoned, its backend
   * cancelled, and its outcome unknown). Default 50 ms, 200 ms, 40 in
   * flight, 1000 ms: 40 × 50 ms covers a 1 s connect plus a 1 s commit.
   * `intervalMs: 0` turns them off.
   */
  outageProbes?: { intervalMs: number; suspectAfterMs: number; maxInFlight: number; statementTimeoutMs?: number };
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
  /** One-shot writers for the outage probes, by slot; a slot is busy while its attempt runs. */
  private readonly probes: { writer: Writer; busy: boolean }[] = [];
  private readonly probeRuns = new Set<Promise<void>>();
  private probeTimer: NodeJS.Timeout | undefined;
  private lastProbeAt = -Infinity;
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
      outageProbes: { intervalMs: 50, suspectAfterMs: 200, maxInFlight: 40, statementTimeoutMs: 1_000 },
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
    const probes = this.options.outageProbes;
    if (probes.intervalMs > 0) {
      const settings = { ...this.writerSettings(), statementTimeoutMs: probes.statementTimeoutMs ?? this.options.statementTimeoutMs, applicationName: `${this.options.applicationName}-probe` };
      for (let slot = 0; slot < probes.maxInFlight; slot++) {
        // Process ids after the writers': each slot is one logical client, one attempt at a time.
        this.probes.push({ writer: new Writer(writers + slot, settings, new Pacer(0, 0), this.options.record, this.counters), busy: false });
      }
      this.probeTimer = setInterval(() => this.probeIfCutOff(), Math.max(5, probes.intervalMs / 2));
    }
  }

  /** Starts an outage probe when a writer is cut off and the last probe started at least intervalMs ago. */
  private probeIfCutOff(): void {
    const { intervalMs, suspectAfterMs } = this.options.outageProbes;
    const now = performance.now();
    if (this.controller.signal.aborted || now - this.lastProbeAt < intervalMs) return;
    if (!this.writers.some((w) => w.suspectsOutage(now, suspectAfterMs))) return;
    const slot = this.probes.find((p) => !p.busy);
    if (!slot) return;
    slot.busy = true;
    this.lastProbeAt = now;
    this.counters.outageProbes++;
    const attempt = slot.writer
      .attemptOnce()
      .catch((error: unknown) => {
        this.failure ??= error;
        this.controller.abort();
      })
      .finally(() => {
        slot.busy = false;
        this.probeRuns.delete(attempt);
      });
    this.probeRuns.add(attempt);
  }

  /**
   * Stops issuing writes and waits for the ones in flight to resolve (their
   * own timeouts bound that); past stopTimeoutMs their connections are broken,
   * which records them as info. Rethrows an error from `record`.
   */
  async stop(): Promise<WorkloadSummary> {
    this.controller.abort();
    clearInterval(this.probeTimer);
    const all = Promise.all([...this.runs, ...this.probeRuns]);
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, this.options.stopTimeoutMs, true))),
    ]);
    clearTimeout(timer);
    if (late) {
      for (const writer of [...this.writers, ...this.probes.map((p) => p.writer)]) writer.forceClose();
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
          const client = await openWriteClient(endpoint, this.options, () => undefined);
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
