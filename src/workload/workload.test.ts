import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryBody, InfoEvent, InvokeEvent, WriteOutcomeEvent } from '../history/events.ts';
import { LocalPostgres } from '../../test/support/local-postgres.ts';
import { Workload, type WorkloadOptions } from './workload.ts';

interface Timed {
  at: number;
  body: HistoryBody;
}

const servers: LocalPostgres[] = [];
const workloads: Workload[] = [];

afterEach(async () => {
  await Promise.allSettled(workloads.splice(0).map((w) => w.stop()));
  await Promise.allSettled(servers.splice(0).map((s) => s.destroy()));
});

async function server(settings: Record<string, string> = {}): Promise<LocalPostgres> {
  const s = await LocalPostgres.start({ settings });
  servers.push(s);
  return s;
}

function workload(pg: LocalPostgres, options: Partial<WorkloadOptions> = {}): { w: Workload; events: Timed[] } {
  const events: Timed[] = [];
  const w = new Workload({
    endpoint: pg.connection,
    record: (body) => events.push({ at: performance.now(), body }),
    writers: 2,
    rate: 100,
    ...options,
  });
  workloads.push(w);
  return { w, events };
}

/** Every invoke has exactly one outcome, and no outcome lacks its invoke. */
function outcomes(events: Timed[]): Map<string, WriteOutcomeEvent> {
  const invoked = new Set<string>();
  const resolved = new Map<string, WriteOutcomeEvent>();
  for (const { body } of events) {
    if (body.type === 'invoke') {
      expect(invoked.has(body.key)).toBe(false);
      invoked.add(body.key);
    } else if (body.type === 'ok' || body.type === 'fail' || body.type === 'info') {
      expect(invoked.has(body.key), `outcome without invoke: ${body.key}`).toBe(true);
      expect(resolved.has(body.key), `second outcome for ${body.key}`).toBe(false);
      resolved.set(body.key, body);
    }
  }
  expect([...invoked].filter((k) => !resolved.has(k))).toEqual([]);
  return resolved;
}

/**
 * A TCP proxy to the server that can turn into a black hole: new connections
 * are accepted and never answered, existing ones go silent (what clients of
 * a killed container's address see, until their own timeouts).
 */
async function blackHoleProxy(targetPort: number): Promise<{ port: number; swallow(on: boolean): void; close(): Promise<void> }> {
  let swallowing = false;
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (swallowing) return; // never answered
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('data', (chunk) => !swallowing && upstream.write(chunk));
    upstream.on('data', (chunk) => !swallowing && client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    swallow: (on) => {
      swallowing = on;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

async function rowKeys(pg: LocalPostgres): Promise<Set<string>> {
  const rows = await pg.adminQuery<{ key: string }>('SELECT key FROM pgdrill_writes');
  return new Set(rows.map((r) => r.key));
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const syncRepWaiters = (pg: LocalPostgres) =>
  pg.adminQuery<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND application_name = 'pgdrill-workload'",
  );

describe('workload against a real PostgreSQL', () => {
  it('acknowledges writes that are in the table, with the serving instance, timeline and server time', async () => {
    const pg = await server();
    const { w, events } = workload(pg, { writers: 3, rate: 200 });
    await w.start();
    await sleep(600);
    const summary = await w.stop();

    const resolved = outcomes(events);
    const oks = [...resolved.values()].filter((e) => e.type === 'ok');
    expect(oks.length).toBe(resolved.size);
    expect(summary).toMatchObject({ writers: 3, ok: oks.length, fail: 0, info: 0, inFlight: 0 });
    // Paced: about 200/s for 0.6 s, not as fast as the server can go.
    expect(oks.length).toBeGreaterThan(60);
    expect(oks.length).toBeLessThan(180);

    const rows = await pg.adminQuery<{ key: string; served_by: string; timeline: number; committed_at: Date }>(
      'SELECT key, served_by, timeline, committed_at FROM pgdrill_writes',
    );
    const byKey = new Map(rows.map((r) => [r.key, r]));
    for (const ok of oks) {
      if (ok.type !== 'ok') continue;
      const row = byKey.get(ok.key);
      expect(row, ok.key).toBeDefined();
      expect(ok.instance).toBe('local');
      expect(row?.served_by).toBe('local');
      expect(ok.timeline).toBe(1);
      expect(row?.timeline).toBe(1);
      expect(Date.parse(ok.serverTime)).toBe(row?.committed_at.getTime());
      expect(ok.latencyMs).toBeGreaterThan(0);
    }
    expect(rows.length).toBe(oks.length);
    // Writers share the load.
    const processes = new Set(oks.map((e) => e.process));
    expect(processes).toEqual(new Set([0, 1, 2]));
  });

  it('records fail with SQLSTATE 25006 when the server refuses writes, and nothing is written', async () => {
    const pg = await server();
    const { w, events } = workload(pg, { writers: 1, rate: 50 });
    await w.start(); // creates the table while writable
    await pg.setSetting('default_transaction_read_only', 'on');
    await sleep(100);
    const before = events.length;
    await sleep(400);
    await w.stop();

    const resolved = outcomes(events);
    const later = events.slice(before).filter((e) => e.body.type === 'fail');
    expect(later.length).toBeGreaterThan(5);
    for (const { body } of later) expect(body).toMatchObject({ type: 'fail', sqlState: '25006' });
    expect([...resolved.values()].some((e) => e.type === 'info')).toBe(false);
    const present = await rowKeys(pg);
    for (const e of resolved.values()) if (e.type === 'fail') expect(present.has(e.key)).toBe(false);
  });

  it('records info, not fail, when the backend is terminated during a synchronous commit wait: the row is committed locally', async () => {
    const pg = await server();
    const { w, events } = workload(pg, { writers: 1, rate: 20, statementTimeoutMs: 30_000, stopTimeoutMs: 300 });
    await w.start();
    await pg.setSetting('synchronous_standby_names', "'nobody'");
    await waitFor('a write waiting for the standby', async () => (await syncRepWaiters(pg)).length > 0);
    const [waiter] = await syncRepWaiters(pg);
    await pg.adminQuery(`SELECT pg_terminate_backend(${waiter?.pid})`);
    await waitFor('an info outcome', () => events.some((e) => e.body.type === 'info'));
    await w.stop();
    await pg.setSetting('synchronous_standby_names', "''");

    const resolved = outcomes(events);
    const terminated = [...resolved.values()].find((e): e is InfoEvent => e.type === 'info');
    expect(terminated?.error).toMatch(/terminat/i);
    expect([...resolved.values()].some((e) => e.type === 'fail')).toBe(false);
    const present = await rowKeys(pg);
    expect(present.has(terminated?.key ?? '')).toBe(true);
  });

  it('records info when its client-side timeout fires during a synchronous commit wait, and frees the backend', async () => {
    const pg = await server();
    const { w, events } = workload(pg, { writers: 2, rate: 20, statementTimeoutMs: 400 });
    await w.start();
    await pg.setSetting('synchronous_standby_names', "'nobody'");
    await sleep(1_500);
    await w.stop();

    const resolved = outcomes(events);
    const infos = [...resolved.values()].filter((e): e is InfoEvent => e.type === 'info');
    expect(infos.length).toBeGreaterThanOrEqual(2);
    for (const info of infos) expect(info.error).toMatch(/client-side timeout/);
    expect([...resolved.values()].some((e) => e.type === 'fail')).toBe(false);
    // The timed-out commits stay committed locally (why they are info, not fail)...
    await waitFor('timed-out rows visible', async () => {
      const present = await rowKeys(pg);
      return infos.every((i) => present.has(i.key));
    });
    // ...and the cancel request freed their backends instead of leaving them
    // waiting for the standby and holding connection slots.
    await waitFor('no backend left waiting', async () => (await syncRepWaiters(pg)).length === 0, 3_000);
  });

  it('flags an acknowledgement that came with the "canceling wait for synchronous replication" warning', async () => {
    const pg = await server();
    const { w, events } = workload(pg, { writers: 1, rate: 20, statementTimeoutMs: 30_000 });
    await w.start();
    await pg.setSetting('synchronous_standby_names', "'nobody'");
    await waitFor('a write waiting for the standby', async () => (await syncRepWaiters(pg)).length > 0);
    const [waiter] = await syncRepWaiters(pg);
    // What a server-side statement_timeout would do: PostgreSQL then reports success.
    await pg.adminQuery(`SELECT pg_cancel_backend(${waiter?.pid})`);
    await waitFor('an acknowledgement', () => events.some((e) => e.body.type === 'ok'));
    await pg.setSetting('synchronous_standby_names', "''");
    const summary = await w.stop();

    const flagged = [...outcomes(events).values()].find((e) => e.type === 'ok' && e.syncRepWarning !== undefined);
    expect(flagged).toBeDefined();
    expect(flagged?.type === 'ok' && flagged.syncRepWarning).toMatch(/canceling wait for synchronous replication/);
    expect(summary.syncRepWarnings).toBe(1);
  });

  it('keeps attempting while the server is down: connect failures are fail, at bounded intervals, and writes resume', async () => {
    const pg = await server();
    const { w, events } = workload(pg, { writers: 2, rate: 40 });
    await w.start();
    await sleep(300);
    const downAt = performance.now();
    await pg.stop('fast');
    const stoppedAt = performance.now();
    await sleep(2_000);
    const upAt = performance.now();
    await pg.resume();
    await waitFor('a write after restart', () => events.some((e) => e.at > upAt && e.body.type === 'ok'));
    await w.stop();

    const resolved = outcomes(events);
    const outage = events.filter((e) => e.at > stoppedAt && e.at < upAt);
    const connectFails = outage.filter((e) => e.body.type === 'fail');
    expect(connectFails.length).toBeGreaterThan(10);
    for (const { body } of connectFails) expect(body.type === 'fail' && body.error).toMatch(/^connect: /);
    // No acknowledgement while the server was down.
    expect(outage.some((e) => e.body.type === 'ok')).toBe(false);
    // The measurement resolution: attempts never pause long during the outage.
    const invokes = outage.filter((e) => e.body.type === 'invoke').map((e) => e.at);
    const gaps = invokes.slice(1).map((t, i) => t - (invokes[i] ?? t));
    expect(Math.max(...gaps)).toBeLessThan(400);
    // A write in flight when the server went down is unknown or refused, never acknowledged after.
    for (const e of resolved.values()) {
      if (e.type === 'fail') expect(e.error).toMatch(/connect: |terminating connection/);
    }
    expect(downAt).toBeLessThan(stoppedAt);
  });

  it('keeps attempting every few tens of ms through a black-holed outage with its outage probes (without them: once per connect timeout)', async () => {
    const pg = await server();
    const hole = await blackHoleProxy(pg.port);
    try {
      const attemptsDuringOutage = async (intervalMs: number): Promise<{ attempts: number; probes: number }> => {
        const { w, events } = workload(pg, { writers: 2, rate: 40, endpoint: { ...pg.connection, port: hole.port }, outageProbes: { intervalMs, suspectAfterMs: 200, maxInFlight: 24 } });
        await w.start();
        await waitFor('a first write', () => events.some((e) => e.body.type === 'ok'));
        hole.swallow(true);
        const from = performance.now();
        await sleep(3_000);
        const to = performance.now();
        hole.swallow(false);
        await waitFor('a write after the outage', () => events.some((e) => e.at > to && e.body.type === 'ok'));
        const summary = await w.stop();
        // From the first second on (the writers are all stuck by then) to the end of the outage.
        const invokes = events.filter((e) => e.body.type === 'invoke' && e.at > from + 1_000 && e.at < to).map((e) => e.at);
        return { attempts: invokes.length, probes: summary.outageProbes };
      };
      // Counts, not timings (this machine may be busy): the mechanism, not a budget. The drills measure the resolution itself.
      // Without probes two stuck writers make about one attempt a second each: some 4 in these 2 s.
      const without = await attemptsDuringOutage(0);
      expect(without.probes).toBe(0);
      expect(without.attempts).toBeLessThanOrEqual(8);
      // With them an attempt starts every 50 ms: some 40 in 2 s, far more than the writers alone could make.
      const withProbes = await attemptsDuringOutage(50);
      expect(withProbes.probes).toBeGreaterThan(20);
      expect(withProbes.attempts).toBeGreaterThan(20);
    } finally {
      await hole.close();
    }
  });

  it('never leaves an invoke without an outcome when stopped mid-write', async () => {
    const pg = await server();
    const { w, events } = workload(pg, { writers: 3, rate: Number.POSITIVE_INFINITY, statementTimeoutMs: 30_000, stopTimeoutMs: 300 });
    await w.start();
    await sleep(200);
    await pg.setSetting('synchronous_standby_names', "'nobody'");
    await waitFor('writers blocked', async () => (await syncRepWaiters(pg)).length === 3);
    const summary = await w.stop();
    await pg.setSetting('synchronous_standby_names', "''");
    const resolved = outcomes(events);
    const invokes = events.filter((e): e is Timed & { body: InvokeEvent } => e.body.type === 'invoke');
    expect(resolved.size).toBe(invokes.length);
    expect(summary.inFlight).toBe(0);
    expect(summary.info).toBe(3);
  });
});
