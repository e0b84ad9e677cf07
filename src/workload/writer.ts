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
import type { HistoryBody } from '../history/events.ts';
import type { ConnectionInfo } from '../targets/endpoints.ts';
import { INSERT_WRITE_SQL, type InsertedWriteRow } from './schema.ts';
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
  startedAt: number;
}

/** Thrown inside the reconnect loop only: the attempt is already recorded as fail. */
class ConnectFailed extends Error {}

export class Writer {
  private client: pg.Client | null = null;
  private seq = 0;
  private warnings: ServerWarning[] | null = null;
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
    try {
      while (await this.pacer.wait(signal)) {
        const client = this.client;
        if (client) await this.write(client, this.begin());
        else await this.reconnect(signal);
      }
    } finally {
      this.dropClient();
    }
  }

  /** Breaks the connection now: a write in flight becomes `info`. For a stop that ran out of time. */
  forceClose(): void {
    const client = this.client;
    this.client = null;
    if (client) abandonClient(client, this.settings.endpoint, false);
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
    await this.write(client, attempt);
  }

  private begin(): Attempt {
    const key = `${this.settings.keyPrefix}-${this.process}-${this.seq++}`;
    this.counters.invoked++;
    this.counters.inFlight++;
    this.record({ type: 'invoke', op: 'write', process: this.process, key });
    return { key, startedAt: performance.now() };
  }

  private async write(client: pg.Client, attempt: Attempt): Promise<void> {
    const warnings: ServerWarning[] = [];
    this.warnings = warnings;
    this.statement.values = [attempt.key, this.process];
    const answer = client.query<InsertedWriteRow>(this.statement).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, this.settings.statementTimeoutMs, 'timeout');
    });
    const settled = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    this.warnings = null;

    if (settled === 'timeout') {
      this.finish(attempt, statementTimeout(this.settings.statementTimeoutMs, warnings));
      this.client = null;
      abandonClient(client, this.settings.endpoint, this.settings.cancelOnTimeout);
      return;
    }
    if ('error' in settled) {
      const verdict = statementFailure(settled.error, warnings);
      this.finish(attempt, verdict);
      // After an ERROR the session is fine; after anything else it is gone.
      if (verdict.outcome === 'info') this.dropClient();
      return;
    }
    const row = settled.result.rows[0];
    if (!row) {
      // INSERT ... RETURNING without a row cannot be a committed insert we understand.
      this.finish(attempt, { outcome: 'info', error: 'INSERT returned no row' });
      return;
    }
    const latencyMs = round(performance.now() - attempt.startedAt);
    const syncRepWarning = syncRepWarningOf(warnings);
    this.counters.inFlight--;
    this.counters.ok++;
    if (syncRepWarning !== undefined) this.counters.syncRepWarnings++;
    this.record({
      type: 'ok',
      op: 'write',
      process: this.process,
      key: attempt.key,
      instance: row.served_by,
      timeline: row.timeline,
      serverTime: row.committed_at,
      latencyMs,
      ...(syncRepWarning === undefined ? {} : { syncRepWarning }),
    });
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
    if (this.warnings && notice.severity !== 'NOTICE' && notice.severity !== 'INFO' && notice.severity !== 'DEBUG' && notice.severity !== 'LOG') {
      this.warnings.push({ code: notice.code, message: notice.message ?? '' });
    }
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

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
