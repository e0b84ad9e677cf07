import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryBody, ProbeEvent } from '../history/events.ts';
import type { InstanceEndpoint } from '../targets/endpoints.ts';
import { LocalPostgres } from '../../test/support/local-postgres.ts';
import { InstanceProbe, type InstanceProbeOptions } from './instance-probe.ts';

interface Timed {
  at: number;
  event: ProbeEvent;
}

function probing(instances: InstanceEndpoint[], options: Partial<InstanceProbeOptions> = {}) {
  const samples: Timed[] = [];
  const record = (body: HistoryBody) => {
    if (body.type === 'probe') samples.push({ at: performance.now(), event: body });
  };
  const probe = new InstanceProbe({ instances, record, ...options });
  return { probe, samples, of: (name: string) => samples.filter((s) => s.event.instance === name) };
}

function maxGap(samples: Timed[]): number {
  return Math.max(...samples.slice(1).map((s, i) => s.at - (samples[i]?.at ?? s.at)));
}

/** Accepts TCP connections and never answers: a frozen or partitioned instance. */
async function blackhole(): Promise<{ endpoint: InstanceEndpoint; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: { name: 'hung', zone: 'zone-c', connection: { host: '127.0.0.1', port, user: 'x', password: 'x', database: 'x' } },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('instance probe against a real primary and replica', () => {
  let primary: LocalPostgres;
  let replica: LocalPostgres;

  beforeAll(async () => {
    primary = await LocalPostgres.start({ instanceName: 'pg-a' });
    replica = await primary.startReplica('pg-b');
  });
  afterAll(async () => {
    await replica?.destroy();
    await primary?.destroy();
  });

  it('reports the primary as primary accepting writes, and the replica as a replica that does not', async () => {
    const { probe, of } = probing([primary.endpoint(), replica.endpoint('zone-b')]);
    probe.start();
    await sleep(1_100);
    await probe.stop();

    const a = of('pg-a');
    const b = of('pg-b');
    // At least every 250 ms.
    expect(a.length).toBeGreaterThanOrEqual(4);
    expect(b.length).toBeGreaterThanOrEqual(4);
    for (const { event } of a) {
      expect(event).toMatchObject({ reachable: true, role: 'primary', timeline: 1, acceptsWrites: true, syncRepWaiters: 0 });
      expect(event.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    }
    for (const { event } of b) {
      expect(event).toMatchObject({ reachable: true, role: 'replica', timeline: 1, acceptsWrites: false });
      expect(event.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    }
    // The canary really wrote on the primary, as that instance.
    const rows = await primary.adminQuery<{ instance: string }>('SELECT instance FROM pgdrill_canary');
    expect(rows.map((r) => r.instance)).toEqual(['pg-a']);
  });

  it('reports a primary whose commits wait for a missing synchronous standby as not accepting writes, with one waiting canary', async () => {
    const { probe, of } = probing([primary.endpoint()], { canaryTimeoutMs: 300 });
    await primary.setSetting('synchronous_standby_names', "'nobody'");
    try {
      probe.start();
      await sleep(1_500);
      const waiting = await primary.adminQuery<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND application_name = 'pgdrill-canary'",
      );
      // Pending, not retried: retrying would pile up backends stuck in the wait.
      expect(waiting[0]?.n).toBe(1);
    } finally {
      await primary.setSetting('synchronous_standby_names', "''");
    }
    await sleep(600);
    await probe.stop();

    const samples = of('pg-a');
    const blocked = samples.filter((s) => s.event.acceptsWrites === null);
    expect(blocked.length).toBeGreaterThanOrEqual(3);
    for (const { event } of blocked) expect(event).toMatchObject({ reachable: true, role: 'primary', error: expect.stringMatching(/canary write unanswered/) });
    // Once the wait is released the instance accepts writes again.
    expect(samples.at(-1)?.event.acceptsWrites).toBe(true);
  });

  it('reports acceptsWrites false with the SQLSTATE when the primary refuses writes', async () => {
    const { probe, of } = probing([primary.endpoint()]);
    await primary.setSetting('default_transaction_read_only', 'on');
    try {
      probe.start();
      await sleep(700);
      await probe.stop();
    } finally {
      await primary.setSetting('default_transaction_read_only', 'off');
    }
    const last = of('pg-a').at(-1)?.event;
    expect(last).toMatchObject({ role: 'primary', acceptsWrites: false, error: expect.stringContaining('25006') });
  });

  it('keeps a hung instance from stalling the others, and stops promptly', async () => {
    const hung = await blackhole();
    try {
      const { probe, of } = probing([hung.endpoint, primary.endpoint()], { timeoutMs: 600 });
      probe.start();
      await sleep(2_000);
      const stopping = performance.now();
      await probe.stop();
      expect(performance.now() - stopping).toBeLessThan(400);

      const healthy = of('pg-a');
      expect(healthy.length).toBeGreaterThanOrEqual(7);
      expect(maxGap(healthy)).toBeLessThan(400);
      const stuck = of('hung');
      expect(stuck.length).toBeGreaterThanOrEqual(2);
      for (const { event } of stuck) expect(event).toMatchObject({ reachable: false });
    } finally {
      await hung.close();
    }
  });
});

describe('instance probe while the server is down', () => {
  let server: LocalPostgres;
  beforeAll(async () => {
    server = await LocalPostgres.start({ instanceName: 'pg-c' });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('records reachable false at its cadence, then the instance again when it returns', async () => {
    const { probe, samples } = probing([server.endpoint()]);
    probe.start();
    await sleep(400);
    await server.stop('immediate');
    const downAt = performance.now();
    await sleep(1_500);
    const upAt = performance.now();
    await server.resume();
    await sleep(1_000);
    await probe.stop();

    const down = samples.filter((s) => s.at > downAt && s.at < upAt);
    expect(down.length).toBeGreaterThanOrEqual(5);
    for (const { event } of down) {
      expect(event.reachable).toBe(false);
      expect(event.role).toBeUndefined();
      expect(event.error).toBeTruthy();
    }
    expect(maxGap(down)).toBeLessThan(400);
    expect(samples.at(-1)?.event).toMatchObject({ reachable: true, role: 'primary', acceptsWrites: true });
  });
});

describe('instance probe canary without the right to write its table', () => {
  let server: LocalPostgres;
  beforeAll(async () => {
    server = await LocalPostgres.start({ instanceName: 'pg-d' });
    // The table exists but belongs to someone else: a missing privilege is
    // no evidence that the instance refuses writes.
    await server.adminQuery('CREATE TABLE pgdrill_canary (instance text PRIMARY KEY, seq bigint NOT NULL, written_at timestamptz)');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('reports acceptsWrites null (unknown), not false, with the error', async () => {
    const { probe, of } = probing([server.endpoint()]);
    probe.start();
    await sleep(400);
    await probe.stop();
    const last = of('pg-d').at(-1)?.event;
    expect(last).toMatchObject({ reachable: true, role: 'primary', acceptsWrites: null, error: expect.stringContaining('42501') });
  });
});
