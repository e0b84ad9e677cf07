import type { FaultKind, HistoryBody, HistoryEvent, ProbeEvent } from '../../src/history/events.ts';

/**
 * Builds histories for checker tests, on a run clock that starts at
 * 2025-01-01T10:00:00Z: t milliseconds in is wall time 10:00:00 + t.
 * Events are sorted by t at the end, as the recorder would have appended them.
 */
export const CANNED_START_MS = Date.parse('2025-01-01T10:00:00.000Z');

export function wallAt(t: number): string {
  return new Date(CANNED_START_MS + t).toISOString();
}

type Outcome =
  | { ok: number; instance?: string; timeline?: number; serverTime?: string }
  | { fail: number; error?: string }
  | { info: number; error?: string }
  | 'pending';

export class CannedHistory {
  private readonly list: HistoryEvent[] = [];
  private nextProcess = 0;

  add(t: number, body: HistoryBody): this {
    this.list.push({ t, wall: wallAt(t), ...body } as HistoryEvent);
    return this;
  }

  /** One write by `process`: invoke at invokeT, then its outcome. */
  write(key: string, invokeT: number, outcome: Outcome, process = this.nextProcess++ % 4): this {
    this.add(invokeT, { type: 'invoke', op: 'write', process, key });
    if (outcome === 'pending') return this;
    if ('ok' in outcome) {
      this.add(outcome.ok, {
        type: 'ok', op: 'write', process, key,
        instance: outcome.instance ?? 'pg-a', timeline: outcome.timeline ?? 1,
        // The commit happened on the server a moment before the client saw it.
        serverTime: outcome.serverTime ?? wallAt(outcome.ok - 2),
        latencyMs: outcome.ok - invokeT,
      });
    } else if ('fail' in outcome) {
      this.add(outcome.fail, { type: 'fail', op: 'write', process, key, error: outcome.error ?? 'cannot execute INSERT in a read-only transaction', sqlState: '25006' });
    } else {
      this.add(outcome.info, { type: 'info', op: 'write', process, key, error: outcome.error ?? 'Connection terminated unexpectedly' });
    }
    return this;
  }

  /** A steady stream of acknowledged writes: one every `everyMs` from `from` to `to` (inclusive), 5 ms latency. */
  steadyWrites(prefix: string, from: number, to: number, everyMs: number, served: { instance: string; timeline: number }): this {
    for (let t = from, i = 0; t <= to; t += everyMs, i++) this.write(`${prefix}-${i}`, t, { ok: t + 5, ...served });
    return this;
  }

  /** Attempts that fail (refused) every `everyMs` from `from` to `to`. */
  failingWrites(prefix: string, from: number, to: number, everyMs: number): this {
    for (let t = from, i = 0; t <= to; t += everyMs, i++) this.write(`${prefix}-${i}`, t, { fail: t + 1, error: 'connect ECONNREFUSED' });
    return this;
  }

  inject(t: number, fault: string, kind: FaultKind = 'primary-kill', targets: string[] = ['pg-a']): this {
    return this.add(t, { type: 'inject', fault, kind, targets });
  }

  /** The fault's action returned (the kill took effect). */
  /**
   * fault-applied recorded at `t`; `effectAt`: the moment its witness dated the fault (default: none, as in older histories);
   * `seenAt`: when that observation returned (default: none, as in older histories).
   */
  applied(t: number, fault: string, effectAt?: number, seenAt?: number): this {
    return this.add(t, {
      type: 'fault-applied',
      fault,
      ...(effectAt === undefined ? {} : { at: { t: effectAt, wall: wallAt(effectAt) }, witness: 'canned witness', dated: 'by-observation' as const }),
      ...(seenAt === undefined ? {} : { seen: { t: seenAt, wall: wallAt(seenAt) } }),
    });
  }

  heal(t: number, fault: string, outcome: 'healed' | 'failed' = 'healed', kind: FaultKind = 'primary-kill'): this {
    return this.add(t, { type: 'heal', fault, kind, targets: ['pg-a'], outcome, ...(outcome === 'failed' ? { error: 'container did not start' } : {}) });
  }

  probe(t: number, instance: string, sample: Partial<Omit<ProbeEvent, 'type' | 'instance'>>): this {
    return this.add(t, { type: 'probe', instance, reachable: true, latencyMs: 2, ...sample });
  }

  /** Probes of one instance every `everyMs` from `from` to `to`, all with the same sample. */
  probes(instance: string, from: number, to: number, everyMs: number, sample: Partial<Omit<ProbeEvent, 'type' | 'instance'>>): this {
    for (let t = from; t <= to; t += everyMs) this.probe(t, instance, sample);
    return this;
  }

  events(): HistoryEvent[] {
    return [...this.list].sort((a, b) => a.t - b.t);
  }
}
