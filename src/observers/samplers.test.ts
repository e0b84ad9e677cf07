import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveEvent, HistoryBody, LagEvent } from '../history/events.ts';
import { LocalPostgres } from '../../test/support/local-postgres.ts';
import { ArchiveSampler } from './archive-sampler.ts';
import { LagSampler } from './lag-sampler.ts';

describe('archive and lag samplers against a real primary and replica', () => {
  let primary: LocalPostgres;
  let replica: LocalPostgres;

  beforeAll(async () => {
    // 'true' archives every segment successfully without storing it anywhere.
    primary = await LocalPostgres.start({
      instanceName: 'pg-a',
      settings: { archive_mode: 'on', archive_command: "'true'" },
    });
    replica = await primary.startReplica('pg-b');
  });
  afterAll(async () => {
    await replica?.destroy();
    await primary?.destroy();
  });

  it('samples the archiver on the primary only: counts, last segment, its age and WAL kept', async () => {
    await primary.adminQuery('CREATE TABLE IF NOT EXISTS filler AS SELECT 1 AS x; SELECT pg_switch_wal()');
    const events: ArchiveEvent[] = [];
    const sampler = new ArchiveSampler({
      instances: [primary.endpoint(), replica.endpoint('zone-b')],
      record: (body: HistoryBody) => body.type === 'archive' && events.push(body),
      intervalMs: 200,
    });
    sampler.start();
    await sleep(900);
    await sampler.stop();

    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(new Set(events.map((e) => e.instance))).toEqual(new Set(['pg-a']));
    const last = events.at(-1);
    expect(last?.archivedCount).toBeGreaterThanOrEqual(1);
    expect(last?.failedCount).toBe(0);
    expect(last?.lastArchivedWal).toMatch(/^[0-9A-F]{24}$/);
    expect(last?.lastArchivedAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(last?.lastArchivedAgeSeconds).toBeLessThan(60);
    expect(last?.walRetainedBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
  });

  it('shows a stalled archive as rising failures', async () => {
    await primary.setSetting('archive_command', "'false'");
    try {
      await primary.adminQuery('INSERT INTO filler VALUES (2); SELECT pg_switch_wal()');
      const events: ArchiveEvent[] = [];
      const sampler = new ArchiveSampler({
        instances: [primary.endpoint()],
        record: (body: HistoryBody) => body.type === 'archive' && events.push(body),
        intervalMs: 250,
      });
      sampler.start();
      // The archiver retries a failing command 3 times, then waits ~1 s.
      await sleep(2_500);
      await sampler.stop();
      expect(events.at(-1)?.failedCount).toBeGreaterThan(events[0]?.failedCount ?? 0);
    } finally {
      await primary.setSetting('archive_command', "'true'");
    }
  });

  it('samples replication lag per standby on the primary, under its instance name', async () => {
    const events: LagEvent[] = [];
    const sampler = new LagSampler({
      instances: [primary.endpoint(), replica.endpoint('zone-b')],
      record: (body: HistoryBody) => body.type === 'lag' && events.push(body),
      intervalMs: 200,
    });
    sampler.start();
    await sleep(700);
    await sampler.stop();

    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const e of events) {
      expect(e).toMatchObject({ instance: 'pg-a', replica: 'pg-b', syncState: 'async' });
      expect(e.lagBytes).toBeGreaterThanOrEqual(0);
    }
  });
});
