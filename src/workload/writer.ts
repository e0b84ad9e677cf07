/**
 * One logical client (a Jepsen "process"): a single connection through the
 * client endpoint, one write at a time. Every attempt is an `invoke` recorded
 * before anything is sent, then exactly one `ok`, `fail` or `info`.
 *
 * While the endpoint is down the attempts continue: each reconnect try is a
 * write attempt of its own (invoke, connect, insert), so a refused connection
 * shows up as invoke+fail and the gap between attempts, the RTO's resolution,
 * stays bounded by the connect timeout and the short reconnect backoff.
 */
import pRetry from 'p-retry';
import type pg from 'pg';
import type { HistoryBody, OkEvent } from '../history/events.ts';
import type { ConnectionInfo } from '../targets/endpoints.ts';
import { INSERT_WRITE_SQL, type InsertedWriteRow } from '../postgres/writes-table.ts';
import { pause, type Pacer } from './pacer.ts';
import { abandonClient, closeClient, openWriteClient } from './write-connection.ts';
import {
  connectFailure,
  statementFailure,
  statementTimeout,
  syncRepWarningOf,
  type ServerWarning,
  type WriteVerdict,
} from './write-outcome.ts';
import type { WorkloadCounters } from './workload-counters.ts';

export interface WriterSettings {
  endpoint: ConnectionInfo;
  keyPrefix: string;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  cancelOnTimeout: boolean;
  applicationName: string;
}

interface Attempt {
  key: string;
  /** When the invoke was recorded: latency is measured from here, connect included. */
  startedAt: number;
}

interface InFlight {
  attempt: Attempt;
  client: pg.Client;
  /** When the INSERT was handed to the connection: the statement timeout counts from here. */
  sentAt: number;
  warnings: ServerWarning[] | null;
  settled: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const NO_WARNINGS: readonly ServerWarning[] = [];
const CHATTER = new Set(['NOTICE', 'INFO', 'DEBUG', 'LOG']);

/** Thrown inside the reconnect loop only: the attempt is already recorded as fail. */
class ConnectFailed extends Error {}

export class Writer {
  private client: pg.Client | null = null;
  /** Whether this writer ever had a connection: from then on, being without one means it was cut off. */
  private hadConnection = false;
  private seq = 0;
  private flight: InFlight | null = null;
  private readonly statement: pg.QueryConfig<[string, number]>;

  constructor(
    readonly process: number,
    private readonly settings: WriterSettings,
    private readonly pacer: Pacer,
    private readonly record: (body: HistoryBody) => void,
    private readonly counters: WorkloadCounters,
  ) {
    // Named: parsed and planned once per connection.
    this.statement = { name: 'pgdrill-write', text: INSERT_WRITE_SQL, values: ['', process] };
  }

  /** Writes until the signal aborts; resolves once the last attempt's outcome is recorded. */
  async run(signal: AbortSignal): Promise<void> {
    const tick = Math.min(100, Math.max(10, this.settings.statementTimeoutMs / 10));
    const watchdog = setInterval(() => this.watch(), tick);
    try {
      for (;;) {
        const delay = this.pacer.delay();
        if (delay > 0) await pause(delay, signal);
        if (signal.aborted) break;
        const client = this.client;
        if (client) await this.write(client, this.begin());
        else await this.reconnect(signal);
      }
    } finally {
      clearInterval(watchdog);
      this.dropClient();
    }
  }

  /**
   * Whether this writer looks cut off: it has no connection (it is
   * reconnecting), or its write has been in flight longer than `afterMs`.
   */
  suspectsOutage(now: number, afterMs: number): boolean {
    // Connecting for the first time (start-up) is not an outage; having lost a connection is.
    if (!this.client) return this.hadConnection;
    const flight = this.flight;
    return flight !== null && !flight.settled && now - flight.attempt.startedAt > afterMs;
  }

  /**
   * One write on a fresh connection, then the connection is closed: what
   * the workload's outage probes do (see Workload). Resolves once its
   * outcome is recorded.
   */
  async attemptOnce(): Promise<void> {
    const tick = Math.min(100, Math.max(10, this.settings.statementTimeoutMs / 10));
    const watchdog = setInterval(() => this.watch(), tick);
    try {
      await this.connectAndWrite();
    } catch (error) {
      if (!(error instanceof ConnectFailed)) throw error;
    } finally {
      clearInterval(watchdog);
      this.dropClient();
    }
  }

  /** Breaks the connection now: a write in flight becomes `info`. For a stop that ran out of time. */
  forceClose(): void {
    const client = this.client;
    this.client = null;
    if (client) abandonClient(client, this.settings.endpoint, this.settings.cancelOnTimeout);
  }

  private async reconnect(signal: AbortSignal): Promise<void> {
    // A little jitter before the first try so writers cut off together do
    // not reconnect in lockstep; p-retry spaces the following ones.
    await pause(Math.random() * this.settings.reconnectMinDelayMs, signal);
    if (signal.aborted) return;
    try {
      await pRetry(() => this.connectAndWrite(), {
        retries: Number.POSITIVE_INFINITY,
        factor: 2,
        minTimeout: this.settings.reconnectMinDelayMs,
        maxTimeout: this.settings.reconnectMaxDelayMs,
        randomize: true,
        signal,
        shouldRetry: ({ error }) => error instanceof ConnectFailed,
      });
    } catch (error) {
      // Aborted (stop) or an error from record(): the latter must surface.
      if (!signal.aborted || !(error instanceof ConnectFailed || error === signal.reason)) throw error;
    }
  }

  private async connectAndWrite(): Promise<void> {
    const attempt = this.begin();
    let client: pg.Client;
    try {
      client = await openWriteClient(this.settings.endpoint, this.settings, (broken) => this.onBroken(broken));
    } catch (error) {
      this.counters.connectFailures++;
      this.finish(attempt, connectFailure(error));
      throw new ConnectFailed();
    }
    client.on('notice', (notice) => this.onNotice(notice));
    this.client = client;
    this.hadConnection = true;
    await this.write(client, attempt);
  }

  private begin(): Attempt {
    const key = `${this.settings.keyPrefix}-${this.process}-${this.seq++}`;
    this.counters.invoked++;
    this.counters.inFlight++;
    this.record({ type: 'invoke', op: 'write', process: this.process, key });
    return { key, startedAt: performance.now() };
  }

  /**
   * Sends the INSERT and records its outcome; resolves when it is recorded
   * (rejects only when record() throws). Callback style and a per-writer
   * watchdog instead of a promise race and a timer per write: at tens of
   * thousands of writes per second those allocations are much of what the
   * harness costs (bench/workload.ts measures it).
   */
  private write(client: pg.Client, attempt: Attempt): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const flight: InFlight = { attempt, client, sentAt: performance.now(), warnings: null, settled: false, resolve, reject };
      this.flight = flight;
      this.statement.values = [attempt.key, this.process];
      client.query<InsertedWriteRow>(this.statement, (error, result) => {
        if (flight.settled) return; // the watchdog already recorded info and moved on
        this.land(flight);
        try {
          this.settle(flight, error, result);
          flight.resolve();
        } catch (recordError) {
          flight.reject(recordError);
        }
      });
    });
  }

  private land(flight: InFlight): void {
    flight.settled = true;
    if (this.flight === flight) this.flight = null;
  }

  private settle(flight: InFlight, error: Error | undefined, result: pg.QueryResult<InsertedWriteRow> | undefined): void {
    const warnings = flight.warnings ?? NO_WARNINGS;
    const row = result?.rows[0];
    if (error || !row) {
      const verdict = error
        ? statementFailure(error, warnings)
        : // INSERT ... RETURNING without a row is no commit we understand.
          ({ outcome: 'info', error: 'INSERT returned no row' } as const);
      // After an ERROR the session is fine; after anything else it is gone.
      if (verdict.outcome === 'info') this.dropClient();
      this.finish(flight.attempt, verdict);
      return;
    }
    this.counters.inFlight--;
    this.counters.ok++;
    const ok: OkEvent = {
      type: 'ok',
      op: 'write',
      process: this.process,
      key: flight.attempt.key,
      instance: row.served_by,
      timeline: row.timeline,
      serverTime: row.committed_at,
      latencyMs: Math.round((performance.now() - flight.attempt.startedAt) * 100) / 100,
    };
    const syncRepWarning = warnings.length > 0 ? syncRepWarningOf(warnings) : undefined;
    if (syncRepWarning !== undefined) {
      ok.syncRepWarning = syncRepWarning;
      this.counters.syncRepWarnings++;
    }
    this.record(ok);
  }

  /** The client-side statement timeout, checked a few times per timeout period. */
  private watch(): void {
    const flight = this.flight;
    if (!flight || flight.settled) return;
    if (performance.now() - flight.sentAt < this.settings.statementTimeoutMs) return;
    // The late answer, if any, finds the flight settled and is ignored.
    this.land(flight);
    if (this.client === flight.client) this.client = null;
    abandonClient(flight.client, this.settings.endpoint, this.settings.cancelOnTimeout);
    try {
      this.finish(flight.attempt, statementTimeout(this.settings.statementTimeoutMs, flight.warnings ?? NO_WARNINGS));
      flight.resolve();
    } catch (recordError) {
      flight.reject(recordError);
    }
  }

  private finish(attempt: Attempt, verdict: WriteVerdict): void {
    this.counters.inFlight--;
    if (verdict.outcome === 'fail') {
      this.counters.fail++;
      this.record({
        type: 'fail',
        op: 'write',
        process: this.process,
        key: attempt.key,
        error: verdict.error,
        ...(verdict.sqlState === undefined ? {} : { sqlState: verdict.sqlState }),
      });
    } else {
      this.counters.info++;
      this.record({ type: 'info', op: 'write', process: this.process, key: attempt.key, error: verdict.error });
    }
  }

  private onNotice(notice: { severity?: string | undefined; code?: string | undefined; message?: string | undefined }): void {
    // NOTICE/INFO are chatter; WARNING is where PostgreSQL says "committed,
    // but not the way you asked".
    const flight = this.flight;
    if (!flight || CHATTER.has(notice.severity ?? '')) return;
    (flight.warnings ??= []).push({ code: notice.code, message: notice.message ?? '' });
  }

  private onBroken(client: pg.Client): void {
    if (this.client === client) this.dropClient();
  }

  private dropClient(): void {
    const client = this.client;
    this.client = null;
    if (client) closeClient(client);
  }
}

