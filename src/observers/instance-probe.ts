/**
 * Probes every instance directly (its own endpoint, never the client
 * endpoint) and records what it says about itself: reachable, role,
 * timeline, LSN, sessions waiting for a synchronous standby, and whether a
 * canary write commits. These samples are what split-brain windows are
 * computed from.
 *
 * Each instance has its own loop and connections, and every call is bounded
 * client-side, so a hung instance slows only its own probes (to one per
 * `timeoutMs` + `canaryTimeoutMs` at worst); a refusing one keeps the cadence.
 */
import type { HistoryBody, ProbeEvent } from '../history/events.ts';
import type { InstanceEndpoint } from '../targets/endpoints.ts';
import { Canary } from './canary.ts';
import { InstanceConnection } from './instance-connection.ts';
import { InstanceSampling, type SamplingUnit } from './sampling-loop.ts';
import { INSTANCE_TIMELINE_SQL } from '../postgres/instance-sql.ts';

export interface InstanceProbeOptions {
  instances: readonly InstanceEndpoint[];
  record: (body: HistoryBody) => void;
  /** Default 250. */
  intervalMs?: number;
  /** Budget for connecting and the status query. Default 1000. */
  timeoutMs?: number;
  /** How long a probe waits for its canary write. Default 1000. */
  canaryTimeoutMs?: number;
  /** A canary unanswered this long is cancelled and retried. Default 30000. */
  canaryAbandonMs?: number;
  /** Set false to probe without canary writes (acceptsWrites then null on primaries). Default true. */
  canary?: boolean;
}

/**
 * One round trip (timeline: see INSTANCE_TIMELINE_SQL). Sync-rep waiters
 * leave out our own canary: its wait shows as acceptsWrites null.
 */
const STATUS_SQL = `SELECT
  pg_is_in_recovery() AS in_recovery,
  ${INSTANCE_TIMELINE_SQL} AS timeline,
  (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn,
  (SELECT count(*) FROM pg_stat_activity
    WHERE wait_event = 'SyncRep' AND application_name IS DISTINCT FROM 'pgdrill-canary')::int AS sync_rep_waiters`;

interface StatusRow {
  in_recovery: boolean;
  timeline: number | null;
  lsn: string | null;
  sync_rep_waiters: number;
}

export class InstanceProbe extends InstanceSampling {
  constructor(options: InstanceProbeOptions) {
    const settings = {
      timeoutMs: options.timeoutMs ?? 1_000,
      canaryTimeoutMs: options.canaryTimeoutMs ?? 1_000,
      canaryAbandonMs: options.canaryAbandonMs ?? 30_000,
      canary: options.canary ?? true,
    };
    super(options.intervalMs ?? 250, options.record, options.instances.map((endpoint) => new SingleInstanceProbe(endpoint, settings)));
  }
}

class SingleInstanceProbe implements SamplingUnit {
  private readonly status: InstanceConnection;
  private readonly canary: Canary;

  constructor(
    private readonly endpoint: InstanceEndpoint,
    private readonly settings: { timeoutMs: number; canaryTimeoutMs: number; canaryAbandonMs: number; canary: boolean },
  ) {
    const connect = { connectTimeoutMs: settings.timeoutMs, applicationName: 'pgdrill-probe' };
    this.status = new InstanceConnection(endpoint, connect);
    this.canary = new Canary(endpoint, {
      connectTimeoutMs: settings.canaryTimeoutMs,
      abandonMs: settings.canaryAbandonMs,
      applicationName: 'pgdrill-canary',
    });
  }

  async sample(): Promise<ProbeEvent[]> {
    const started = performance.now();
    const instance = this.endpoint.name;
    const answer = await this.status.query<StatusRow>({ text: STATUS_SQL }, this.settings.timeoutMs);
    if (!answer.ok) {
      if (!answer.reachable) this.canary.discard();
      return [
        {
          type: 'probe',
          instance,
          reachable: answer.reachable,
          latencyMs: elapsed(started),
          error: answer.sqlState ? `${answer.error} (SQLSTATE ${answer.sqlState})` : answer.error,
        },
      ];
    }
    const row = answer.rows[0];
    if (!row) throw new Error('status query returned no row');
    const role = row.in_recovery ? 'replica' : 'primary';
    let acceptsWrites: boolean | null = false;
    let canaryError: string | undefined;
    if (role === 'replica') {
      this.canary.discard();
    } else if (!this.settings.canary) {
      acceptsWrites = null;
    } else {
      const canary = await this.canary.check(this.settings.canaryTimeoutMs);
      acceptsWrites = canary.acceptsWrites;
      canaryError = canary.error;
    }
    return [{
      type: 'probe',
      instance,
      reachable: true,
      role,
      ...(row.timeline === null ? {} : { timeline: row.timeline }),
      ...(row.lsn === null ? {} : { lsn: row.lsn }),
      acceptsWrites,
      syncRepWaiters: row.sync_rep_waiters,
      latencyMs: elapsed(started),
      ...(canaryError === undefined ? {} : { error: canaryError }),
    }];
  }

  close(): void {
    this.status.close();
    this.canary.close();
  }
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 100) / 100;
}
