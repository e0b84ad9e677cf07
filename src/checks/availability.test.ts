import { describe, expect, it } from 'vitest';
import { checkAvailability } from './availability.ts';
import { CannedHistory } from '../../test/support/canned-history.ts';

describe('checkAvailability', () => {
  it('tells commits blocked on a synchronous standby apart from having no primary', () => {
    const h = new CannedHistory()
      .probes('pg-a', 0, 9_750, 250, { role: 'primary', syncRepWaiters: 0 })
      // Both replicas' zones lost: pg-a is still primary but every commit waits for a standby.
      .probes('pg-a', 10_000, 19_750, 250, { role: 'primary', syncRepWaiters: 4, acceptsWrites: null })
      .probes('pg-a', 20_000, 29_750, 250, { role: 'primary', syncRepWaiters: 0 });
    const { metrics, evidence } = checkAvailability(h.events());
    expect(metrics.writes_blocked_on_sync_seconds).toBe(9.75); // first to last probe that saw the waiters
    expect(metrics.no_primary_seconds).toBe(0);
    expect(evidence.blockedOnSync[0]).toMatchObject({ instance: 'pg-a', maxWaiters: 4 });
  });

  it('does not count a commit caught waiting by a single probe (normal synchronous latency) as blocked', () => {
    const h = new CannedHistory().probes('pg-a', 0, 9_750, 250, { role: 'primary', syncRepWaiters: 0 });
    for (const t of [1_000, 3_000, 5_000]) h.probe(t + 1, 'pg-a', { role: 'primary', syncRepWaiters: 1 });
    expect(checkAvailability(h.events()).metrics.writes_blocked_on_sync_seconds).toBe(0);
  });

  it('counts the time no instance answered as primary', () => {
    const h = new CannedHistory()
      .probes('pg-a', 0, 4_750, 250, { role: 'primary' })
      .probes('pg-a', 5_000, 12_000, 250, { role: 'replica' }) // demoted: the DCS is gone
      .probes('pg-b', 0, 12_000, 250, { role: 'replica' })
      .probes('pg-a', 12_250, 15_000, 250, { role: 'primary' });
    const sorted = h.events().sort((a, b) => a.t - b.t);
    const { metrics } = checkAvailability(sorted);
    expect(metrics.no_primary_seconds).toBe(7.25);
    expect(metrics.writes_blocked_on_sync_seconds).toBe(0);
  });

  it('reports the largest replication lag, and unmeasured without samples', () => {
    const h = new CannedHistory()
      .add(1_000, { type: 'lag', instance: 'pg-a', replica: 'pg-b', lagBytes: 100, syncState: 'sync' })
      .add(2_000, { type: 'lag', instance: 'pg-a', replica: 'pg-b', lagBytes: 9_000_000, syncState: 'sync' })
      .add(2_000, { type: 'lag', instance: 'pg-a', replica: 'pg-c', lagBytes: null, syncState: 'async' });
    const { metrics, unmeasured } = checkAvailability(h.events());
    expect(metrics.replication_lag_max_bytes).toBe(9_000_000);
    expect(metrics.no_primary_seconds).toBeNull();
    expect(unmeasured.no_primary_seconds).toBe('no instance was probed');
  });
});
