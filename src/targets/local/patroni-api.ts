import { InfrastructureError } from '../../errors.ts';

/** One member as Patroni's GET /cluster lists it. */
export interface PatroniMember {
  name: string;
  role: 'leader' | 'standby_leader' | 'sync_standby' | 'quorum_standby' | 'replica' | string;
  state: string;
  host?: string;
  timeline?: number;
  lag?: number | 'unknown';
}

export interface PatroniCluster {
  members: PatroniMember[];
}

const TIMEOUT_MS = 2_000;

/** Talks to one instance's Patroni REST API (published on 127.0.0.1). */
export class PatroniApi {
  constructor(readonly baseUrl: string) {}

  async cluster(): Promise<PatroniCluster> {
    return (await this.request('GET', '/cluster')) as PatroniCluster;
  }

  /** The cluster-wide dynamic configuration as Patroni applies it (ttl, loop_wait, retry_timeout, ...). */
  async config(): Promise<Record<string, unknown>> {
    return (await this.request('GET', '/config')) as Record<string, unknown>;
  }

  /** Changes the cluster-wide dynamic configuration (Patroni applies it on every member). */
  async patchConfig(change: Record<string, unknown>): Promise<void> {
    await this.request('PATCH', '/config', change);
  }

  /** Restarts this member's PostgreSQL in place; Patroni answers once it runs again. */
  async restart(): Promise<void> {
    await this.request('POST', '/restart', {}, 60_000);
  }

  /** Planned switchover: leader hands over to candidate (or to the best replica). */
  async switchover(leader: string, candidate?: string): Promise<void> {
    await this.request('POST', '/switchover', { leader, ...(candidate ? { candidate } : {}) }, 30_000);
  }

  private async request(method: string, path: string, body?: unknown, timeoutMs = TIMEOUT_MS): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new InfrastructureError(`Patroni API ${method} ${path} at ${this.baseUrl} did not answer`, { method, path }, cause);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new InfrastructureError(`Patroni API ${method} ${path} answered ${response.status}: ${text.trim().slice(0, 200)}`, {
        method,
        path,
        status: response.status,
      });
    }
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
}
