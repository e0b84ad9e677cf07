/**
 * A persistent connection to one instance, made (again) on demand, where
 * every call is bounded by a client-side deadline. An instance that hangs
 * (frozen, partitioned, killed without a reset) costs its own observer at most
 * that deadline and never touches the others: each instance has its own.
 *
 * Like the workload, it sets no server-side statement_timeout and overrides
 * any the role carries (a cancelled synchronous commit wait is reported as a
 * success by PostgreSQL, which would make a canary lie).
 */
import pg from 'pg';
import { sendCancelRequest } from '../postgres/cancel-request.ts';
import type { InstanceEndpoint } from '../targets/endpoints.ts';

export type InstanceAnswer<R> =
  | { ok: true; rows: R[] }
  | {
      ok: false;
      /** True when the server itself answered (with an ERROR); false when it could not be reached or went silent. */
      reachable: boolean;
      /** The deadline passed with the statement still running. */
      timedOut: boolean;
      error: string;
      sqlState?: string;
    };

export interface InstanceConnectionOptions {
  connectTimeoutMs: number;
  applicationName: string;
}

export class InstanceConnection {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private closed = false;

  constructor(
    readonly endpoint: InstanceEndpoint,
    private readonly options: InstanceConnectionOptions,
  ) {}

  /**
   * Runs one statement within `timeoutMs` (connecting first if needed). On a
   * timeout or a broken connection the connection is dropped (with a
   * CancelRequest first when `cancelOnTimeout`), so the next call starts clean.
   */
  async query<R extends pg.QueryResultRow>(
    statement: pg.QueryConfig,
    timeoutMs: number,
    cancelOnTimeout = false,
  ): Promise<InstanceAnswer<R>> {
    const deadline = performance.now() + timeoutMs;
    let client: pg.Client;
    try {
      client = await this.connected(Math.max(1, Math.min(this.options.connectTimeoutMs, timeoutMs)));
    } catch (error) {
      return failure(error, false);
    }
    let timer: NodeJS.Timeout | undefined;
    const answer = client.query<R>(statement).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const settled = await Promise.race([
      answer,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - performance.now()), 'timeout'))),
    ]);
    clearTimeout(timer);
    if (settled === 'timeout') {
      this.drop(client, cancelOnTimeout);
      return { ok: false, reachable: false, timedOut: true, error: `no answer within ${timeoutMs} ms` };
    }
    if ('error' in settled) {
      const answered = settled.error instanceof pg.DatabaseError && settled.error.severity === 'ERROR';
      if (!answered) this.drop(client, false);
      return failure(settled.error, answered);
    }
    return { ok: true, rows: settled.result.rows };
  }

  /**
   * Drops the current connection now (an answer in flight resolves as a
   * failure); the next query reconnects.
   */
  reset(cancel = false): void {
    const client = this.client;
    if (client) this.drop(client, cancel);
  }

  /** For good: also a connection still being made is closed when it completes. */
  close(cancel = false): void {
    this.closed = true;
    this.reset(cancel);
  }

  private connected(connectTimeoutMs: number): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('connection closed by the observer'));
    if (this.client) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    const c = this.endpoint.connection;
    const client = new pg.Client({
      host: c.host,
      port: c.port,
      user: c.user,
      password: c.password,
      database: c.database,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 1_000,
      application_name: this.options.applicationName,
      options: '-c statement_timeout=0',
    });
    // Without a listener an idle connection's error would crash the harness.
    client.on('error', () => this.forget(client));
    client.on('end', () => this.forget(client));
    this.connecting = client.connect().then(
      () => {
        this.connecting = null;
        if (this.closed) {
          client.end().catch(() => undefined);
          throw new Error('connection closed by the observer');
        }
        this.client = client;
        return client;
      },
      (error: unknown) => {
        this.connecting = null;
        throw error;
      },
    );
    return this.connecting;
  }

  private forget(client: pg.Client): void {
    if (this.client === client) this.client = null;
  }

  private drop(client: pg.Client, cancel: boolean): void {
    this.forget(client);
    const key = client as unknown as { processID: number | null; secretKey: number | null };
    if (cancel && key.processID !== null && key.secretKey !== null) {
      sendCancelRequest(this.endpoint.connection.host, this.endpoint.connection.port, key.processID, key.secretKey, 1_000);
    }
    // With a statement active, end() destroys the socket instead of waiting.
    client.end().catch(() => undefined);
  }
}

function failure(error: unknown, reachable: boolean): InstanceAnswer<never> {
  if (error instanceof pg.DatabaseError) {
    return {
      ok: false,
      reachable,
      timedOut: false,
      error: `${error.severity ?? 'error'}: ${error.message}`,
      ...(error.code === undefined ? {} : { sqlState: error.code }),
    };
  }
  const message = error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code || error.name : String(error);
  return { ok: false, reachable, timedOut: false, error: message };
}
