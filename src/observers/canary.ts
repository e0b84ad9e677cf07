/**
 * "Does this instance accept writes right now?" answered by trying one: an
 * upsert of the instance's own row in pgdrill_canary, with the instance's
 * DEFAULT synchronous_commit. On a primary whose commits wait for a missing
 * synchronous standby the canary waits too: that instance does not accept
 * writes, whatever pg_is_in_recovery() says.
 *
 * A canary that does not answer within a probe's budget is not abandoned: it
 * stays pending and later probes report null until it resolves. Abandoning and
 * retrying every probe would leave a backend stuck in the synchronous wait per
 * retry. Only after `abandonMs`, or when the probe loses the instance, is it
 * cancelled and its connection dropped.
 *
 * Only pgdrill_writes is compared across instances after a drill; this table
 * differs by design (each instance's row is written wherever it is primary).
 */
import { InstanceConnection } from './instance-connection.ts';
import type { InstanceEndpoint } from '../targets/endpoints.ts';

export const CANARY_TABLE = 'pgdrill_canary';

const CANARY_DDL = `CREATE TABLE IF NOT EXISTS ${CANARY_TABLE} (
  instance text PRIMARY KEY,
  seq bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`;

const CANARY_UPSERT = `INSERT INTO ${CANARY_TABLE} (instance, seq) VALUES ($1, $2)
ON CONFLICT (instance) DO UPDATE SET seq = EXCLUDED.seq, written_at = clock_timestamp()`;

export interface CanaryResult {
  /** true: committed; false: the server refused it; null: unknown (pending, timed out, connection lost). */
  acceptsWrites: boolean | null;
  error?: string;
}

export interface CanaryOptions {
  connectTimeoutMs: number;
  /** A canary pending this long is cancelled and its connection dropped. */
  abandonMs: number;
  applicationName: string;
}

export class Canary {
  private readonly connection: InstanceConnection;
  private pending: Promise<CanaryResult> | null = null;
  private pendingSince = 0;
  private seq = 0;

  constructor(
    private readonly endpoint: InstanceEndpoint,
    private readonly options: CanaryOptions,
  ) {
    this.connection = new InstanceConnection(endpoint, options);
  }

  /** Starts a canary write unless one is pending, and waits at most `waitMs` for it. */
  async check(waitMs: number): Promise<CanaryResult> {
    if (!this.pending) {
      this.pending = this.write();
      this.pendingSince = performance.now();
    }
    const pending = this.pending;
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      pending,
      new Promise<'waiting'>((resolve) => (timer = setTimeout(resolve, waitMs, 'waiting'))),
    ]);
    clearTimeout(timer);
    if (settled === 'waiting') {
      const age = Math.round(performance.now() - this.pendingSince);
      return { acceptsWrites: null, error: `canary write unanswered for ${age} ms` };
    }
    if (this.pending === pending) this.pending = null;
    return settled;
  }

  /**
   * Forgets any pending canary (cancelling it): its eventual answer would
   * describe an instance that has since changed (demoted, lost, restarted).
   */
  discard(): void {
    if (!this.pending) return;
    this.pending = null;
    this.connection.reset(true);
  }

  close(): void {
    this.pending = null;
    this.connection.close(true);
  }

  private async write(): Promise<CanaryResult> {
    const upsert = { text: CANARY_UPSERT, values: [this.endpoint.name, this.seq++] };
    let answer = await this.connection.query(upsert, this.options.abandonMs, true);
    if (!answer.ok && answer.sqlState === '42P01') {
      // First canary on a fresh cluster: the table is ours to create.
      const created = await this.connection.query({ text: CANARY_DDL }, this.options.abandonMs, true);
      if (!created.ok) return verdict(created);
      answer = await this.connection.query(upsert, this.options.abandonMs, true);
    }
    return verdict(answer);
  }
}

/**
 * SQLSTATE classes by which a server says "no writes here": 25 (read-only
 * transaction, e.g. in recovery), 53 (disk full, out of memory), 55 (not in
 * the required state), 57 (operator intervention), 58 (I/O error). Any other
 * ERROR (a missing privilege, a broken canary table) says nothing about the
 * instance accepting writes: null, with the error for the report.
 */
const REFUSAL_CLASSES = new Set(['25', '53', '55', '57', '58']);

function verdict(answer: Awaited<ReturnType<InstanceConnection['query']>>): CanaryResult {
  if (answer.ok) return { acceptsWrites: true };
  const error = `canary: ${answer.error}${answer.sqlState ? ` (SQLSTATE ${answer.sqlState})` : ''}`;
  const refused = answer.reachable && REFUSAL_CLASSES.has(answer.sqlState?.slice(0, 2) ?? '');
  return { acceptsWrites: refused ? false : null, error };
}
