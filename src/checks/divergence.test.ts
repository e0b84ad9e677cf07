import { describe, expect, it } from 'vitest';
import { checkDivergence } from './divergence.ts';

describe('checkDivergence', () => {
  it('passes when every replica has exactly the primary rows', async () => {
    const { metrics, evidence } = await checkDivergence({
      primary: 'pg-b',
      instances: [
        { instance: 'pg-a', keys: new Set(['k1', 'k2']) },
        { instance: 'pg-b', keys: new Set(['k1', 'k2']) },
        { instance: 'pg-c', keys: new Set(['k2', 'k1']) },
      ],
    });
    expect(metrics.diverged_replicas).toBe(0);
    expect(evidence.replicas.map((r) => r.instance)).toEqual(['pg-a', 'pg-c']);
  });

  it('names the missing and extra keys of a diverged replica', async () => {
    const { metrics, evidence } = await checkDivergence({
      primary: 'pg-b',
      instances: [
        { instance: 'pg-a', keys: new Set(['k1', 'k2', 'old-timeline-only']) },
        { instance: 'pg-b', keys: new Set(['k1', 'k2', 'k3']) },
        { instance: 'pg-c', keys: new Set(['k1', 'k2', 'k3']) },
      ],
    });
    expect(metrics.diverged_replicas).toBe(1);
    expect(evidence.replicas[0]).toMatchObject({
      instance: 'pg-a', rows: 3,
      missing: { count: 1, items: ['k3'] },
      extra: { count: 1, items: ['old-timeline-only'] },
    });
  });

  it('is unmeasured when a replica or the primary cannot be read', async () => {
    const replicaDown = await checkDivergence({
      primary: 'pg-b',
      instances: [
        { instance: 'pg-a', error: 'connection refused' },
        { instance: 'pg-b', keys: new Set(['k1']) },
      ],
    });
    expect(replicaDown.metrics.diverged_replicas).toBeNull();
    expect(replicaDown.unmeasured.diverged_replicas).toBe('could not read pg-a');
    const noPrimary = await checkDivergence({ primary: null, instances: [] });
    expect(noPrimary.unmeasured.diverged_replicas).toMatch(/no primary/);
    expect((await checkDivergence(null)).unmeasured.diverged_replicas).toBe('no final read was made');
  });
});
