import { describe, expect, it } from 'vitest';
import { CannedHistory, wallAt } from '../../test/support/canned-history.ts';
import type { KeySource } from './final-reads.ts';
import { checkRpo } from './rpo.ts';

const rows = (...keys: string[]): KeySource => new Set(keys);

describe('checkRpo', () => {
  it('finds nothing wrong when every acknowledged write is present', async () => {
    const history = new CannedHistory().write('k1', 0, { ok: 5 }).write('k2', 10, { ok: 15 }).events();
    const { metrics, evidence } = await checkRpo(history, rows('k1', 'k2'));
    expect(metrics).toEqual({ lost_writes: 0, unexpected_writes: 0, phantom_writes: 0, recovered_writes: 0, rpo_seconds: 0, deleted_by_scenario: 0 });
    expect(evidence.rowsRead).toBe(2);
    expect(evidence.lostWindow).toBeNull();
  });

  it("counts the rows the scenario's own SQL removed apart, and stays strict about every other missing acknowledgement", async () => {
    const history = new CannedHistory()
      .write('k1', 0, { ok: 5 })
      .write('deleted-1', 10, { ok: 15 })
      .write('deleted-2', 20, { ok: 25 })
      .write('really-lost', 30, { ok: 35 })
      .add(40, { type: 'rows-deleted', statement: "DELETE FROM pgdrill_writes WHERE key LIKE 'deleted%'", keys: ['deleted-1', 'deleted-2'] })
      .events();
    const { metrics, evidence } = await checkRpo(history, rows('k1'));
    expect(metrics.deleted_by_scenario).toBe(2);
    expect(metrics.lost_writes).toBe(1);
    expect(evidence.lost.items.map((l) => l.key)).toEqual(['really-lost']);
    expect(evidence.deletedByScenario.items).toEqual(['deleted-1', 'deleted-2']);
  });

  it('reports lost writes with ack time, instance and timeline, and the RPO window', async () => {
    const history = new CannedHistory()
      .write('k1', 0, { ok: 5 })
      .write('lost-late', 12_400, { ok: 12_500, instance: 'pg-a', timeline: 1 })
      .write('lost-early', 9_990, { ok: 10_000, instance: 'pg-a', timeline: 1 })
      .events();
    const { metrics, evidence } = await checkRpo(history, rows('k1'));
    expect(metrics.lost_writes).toBe(2);
    expect(metrics.rpo_seconds).toBe(2.5);
    expect(evidence.lost.items.map((l) => l.key)).toEqual(['lost-early', 'lost-late']);
    expect(evidence.lost.items[0]).toMatchObject({ ackedAt: wallAt(10_000), instance: 'pg-a', timeline: 1 });
    expect(evidence.lostWindow).toEqual({ from: wallAt(10_000), to: wallAt(12_500) });
  });

  it('reports unexpected rows that no write attempted', async () => {
    const history = new CannedHistory().write('k1', 0, { ok: 5 }).events();
    const { metrics, evidence } = await checkRpo(history, rows('k1', 'ghost'));
    expect(metrics.unexpected_writes).toBe(1);
    expect(evidence.unexpected.items).toEqual(['ghost']);
  });

  it('reports phantom writes: failed but present', async () => {
    const history = new CannedHistory().write('k1', 0, { fail: 3, error: 'read-only' }).events();
    const { metrics, evidence } = await checkRpo(history, rows('k1'));
    expect(metrics.phantom_writes).toBe(1);
    expect(evidence.phantom.items).toEqual([{ key: 'k1', process: expect.any(Number), failedAt: wallAt(3), error: 'read-only' }]);
    expect(metrics.lost_writes).toBe(0);
  });

  it('allows unknown-outcome writes either way and counts the present ones as recovered', async () => {
    const history = new CannedHistory()
      .write('info-present', 0, { info: 50 })
      .write('info-absent', 10, { info: 60 })
      .write('pending-present', 20, 'pending')
      .events();
    const { metrics, evidence } = await checkRpo(history, rows('info-present', 'pending-present'));
    expect(metrics).toMatchObject({ recovered_writes: 2, lost_writes: 0, phantom_writes: 0 });
    expect(evidence.recovered.items.map((r) => [r.key, r.outcome])).toEqual([
      ['info-present', 'info'],
      ['pending-present', 'pending'],
    ]);
  });

  it('streams the final read from an async source (a database cursor) and caps evidence, not counts', async () => {
    const canned = new CannedHistory();
    for (let i = 0; i < 50; i++) canned.write(`k${i}`, i * 10, { ok: i * 10 + 5 });
    const source: KeySource = {
      async *keys() {
        for (let i = 0; i < 40; i++) yield `k${i}`;
      },
    };
    const { metrics, evidence } = await checkRpo(canned.events(), source, { evidenceLimit: 3 });
    expect(metrics.lost_writes).toBe(10);
    expect(evidence.lost).toMatchObject({ count: 10, truncated: true });
    expect(evidence.lost.items.map((l) => l.key)).toEqual(['k40', 'k41', 'k42']);
  });
});
