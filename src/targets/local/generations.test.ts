import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { patroniConfig } from './config/patroni-config.ts';
import { expectedLocalRto } from './expected-rto.ts';
import { appliedPatroniTimings, localGeneration, parseGeneration } from './generations.ts';
import { nodeImageTag } from './node-image.ts';
import type { PatroniApi } from './patroni-api.ts';
import { checkAppliedTimings } from './provision.ts';
import { createProgress } from '../../progress/progress.ts';
import { InfrastructureError } from '../../errors.ts';
import { stackLayout } from './stack-layout.ts';
import { localStackOptions, validateLocalOptions } from './stack-options.ts';

const secrets = { superuser: 's', replication: 'r', rewind: 'w', app: 'a' };

describe('stack generations', () => {
  it('builds one image per generation, tagged by its name and recipe', () => {
    expect(nodeImageTag('debian12')).toMatch(/^pgdrill-node:debian12-[0-9a-f]{12}$/);
    expect(nodeImageTag('debian13')).toMatch(/^pgdrill-node:debian13-[0-9a-f]{12}$/);
    expect(nodeImageTag('debian12').split('-').at(-1)).not.toBe(nodeImageTag('debian13').split('-').at(-1));
  });

  it('refuses an unknown generation with exit 2, naming the known ones', () => {
    expect(() => parseGeneration('debian11', '--stack')).toThrow(UsageError);
    expect(() => parseGeneration('debian11', '--stack')).toThrow('--stack: stack generation "debian11" is unknown: expected debian12 or debian13');
  });

  it("points Patroni at the generation's PostgreSQL binaries", () => {
    for (const stack of ['debian12', 'debian13'] as const) {
      const options = localStackOptions('gen1', { stack });
      const layout = stackLayout(options, '198.18.7');
      const config = patroniConfig(options, layout, layout.postgres[0]!, secrets) as { postgresql: { bin_dir: string } };
      expect(config.postgresql.bin_dir).toBe(`/usr/lib/postgresql/${localGeneration(stack).postgresMajor}/bin`);
    }
  });

  it("writes Patroni 4's minimum ttl itself and predicts the RTO from it", () => {
    const asked = { ttl: 10, loopWait: 2, retryTimeout: 4 };
    expect(appliedPatroniTimings('debian12', asked)).toEqual(asked);
    expect(appliedPatroniTimings('debian13', asked)).toEqual({ ttl: 20, loopWait: 2, retryTimeout: 4, askedTtl: 10 });
    const options = localStackOptions('gen2', { stack: 'debian13', patroni: asked });
    const layout = stackLayout(options, '198.18.7');
    const config = patroniConfig(options, layout, layout.postgres[0]!, secrets) as { bootstrap: { dcs: { ttl: number } } };
    expect(config.bootstrap.dcs.ttl).toBe(20);
    const rto = expectedLocalRto(appliedPatroniTimings('debian13', asked), { kind: 'primary-kill', hitsPrimary: true })!;
    expect(rto.maxSeconds).toBe(25.5);
    expect(rto.basis).toContain("ttl 20 (Patroni's minimum; 10 was asked)");
  });

  it('maps quorum to Patroni 4 and refuses it on Patroni 3.0.2 before anything starts', () => {
    const quorum = localStackOptions('gen3', { stack: 'debian13', synchronous: 'quorum' });
    const layout = stackLayout(quorum, '198.18.7');
    const dcs = (patroniConfig(quorum, layout, layout.postgres[0]!, secrets) as { bootstrap: { dcs: Record<string, unknown> } }).bootstrap.dcs;
    expect(dcs.synchronous_mode).toBe('quorum');
    expect(() => validateLocalOptions(quorum)).not.toThrow();
    expect(() => validateLocalOptions(localStackOptions('gen4', { synchronous: 'quorum' }))).toThrow(
      "synchronous 'quorum' needs Patroni 4's quorum commit; stack debian12 has Patroni 3.0.2 (use --stack debian13)",
    );
  });

  it("refuses to go on when Patroni's /config does not hold the timings pgdrill wrote", async () => {
    const answering = (config: Record<string, unknown>) => ({ config: async () => config }) as unknown as PatroniApi;
    const notes: string[] = [];
    const progress = createProgress((line) => void notes.push(line));
    const options = localStackOptions('gen5', { stack: 'debian13', patroni: { ttl: 10, loopWait: 2, retryTimeout: 4 } });
    await expect(checkAppliedTimings(answering({ ttl: 20, loop_wait: 2, retry_timeout: 4 }), options, progress)).resolves.toBeUndefined();
    expect(notes.join('\n')).toContain('Patroni 4.0.7 runs ttl 20, its minimum (10 was asked)');
    const silentlyOther = checkAppliedTimings(answering({ ttl: 30, loop_wait: 2, retry_timeout: 4 }), options, progress);
    await expect(silentlyOther).rejects.toThrow(InfrastructureError);
    await expect(checkAppliedTimings(answering({ ttl: 30, loop_wait: 2, retry_timeout: 4 }), options, progress)).rejects.toThrow('Patroni applies ttl 30, loop_wait 2, retry_timeout 4; pgdrill wrote 20, 2, 4');
  });
});
