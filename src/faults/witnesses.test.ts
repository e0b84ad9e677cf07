/**
 * Every fault kind's witness, through the real injectFault and catalogue,
 * against real PostgreSQL servers (a primary and a streaming replica): a
 * fault that silently does nothing is never counted as in effect (the
 * drill would be inconclusive), and one that does take effect is proven
 * and dated. The primitives are test doubles whose observations tell the
 * truth about what they did.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind, HistoryBody } from '../history/events.ts';
import { TeardownStack } from '../lifecycle/teardown-stack.ts';
import type { FaultPrimitives, PartitionSide } from '../targets/fault-primitives.ts';
import type { StartedTarget, Topology } from '../targets/target.ts';
import { LocalPostgres } from '../../test/support/local-postgres.ts';
import { FaultNotInEffect } from './errors.ts';
import type { FaultContext } from './fault.ts';
import { FAULT_CATALOGUE } from './catalogue.ts';
import { injectFault } from './inject.ts';

let primary: LocalPostgres;
let replica: LocalPostgres;

beforeAll(async () => {
  primary = await LocalPostgres.start({ instanceName: 'pg-a', settings: { archive_mode: 'on', archive_command: "'true'" } });
  await primary.adminQuery('GRANT EXECUTE ON FUNCTION pg_switch_wal() TO pgdrill_app');
  replica = await primary.startReplica('pg-b');
}, 60_000);

afterAll(async () => {
  await replica?.destroy();
  await primary?.destroy();
});

const TOPOLOGY: Topology = {
  primary: 'pg-a',
  instances: [
    { name: 'pg-a', zone: 'a', role: 'primary', state: 'running', timeline: 1, lagBytes: 0 },
    { name: 'pg-b', zone: 'b', role: 'replica', state: 'streaming', timeline: 1, lagBytes: 0 },
  ],
};

function target(a = primary, b = replica): StartedTarget {
  return {
    kind: 'local',
    runId: 'witness-test',
    client: a.connection,
    instances: [
      { name: 'pg-a', zone: 'a', connection: a.connection },
      { name: 'pg-b', zone: 'b', connection: b.connection },
    ],
    faults: {},
    topology: async () => TOPOLOGY,
    versions: async () => ({}),
    secrets: () => [],
    teardown: async () => undefined,
  };
}

/** Primitives whose actions do nothing and whose observations say so truthfully: every fault silently a no-op. */
function noOps(): Required<FaultPrimitives> {
  const nothing = async (): Promise<void> => undefined;
  return {
    killInstance: nothing,
    startInstance: nothing,
    incarnation: async () => 'container started once',
    killPostgres: nothing,
    switchover: nothing,
    restartMember: nothing,
    engineRollingRestart: async () => 'the engine did nothing',
    freezeInstance: nothing,
    thawInstance: nothing,
    frozen: async () => null,
    stopZone: nothing,
    startZone: nothing,
    zoneStopped: async () => null,
    isolateInstances: nothing,
    rejoinInstances: nothing,
    isolateZone: nothing,
    rejoinZone: nothing,
    cutEvidence: async () => null,
    rejoinedEvidence: async (_side: PartitionSide) => 'nothing was cut',
    stallArchive: nothing,
    resumeArchive: nothing,
    dcsMembers: () => ['etcd-a', 'etcd-b', 'etcd-c'],
    stopDcsMembers: nothing,
    startDcsMembers: nothing,
    dcsMemberAnswers: async () => true,
    degradeLink: async () => 'nothing degraded',
    restoreLink: nothing,
  };
}

async function inject(kind: FaultKind, faults: FaultPrimitives, word?: string, on: StartedTarget = target()) {
  const events: HistoryBody[] = [];
  const context: FaultContext = {
    target: on,
    faults,
    record: (e) => void events.push(e),
    now: () => ({ t: performance.now(), wall: new Date().toISOString() }),
    bounds: { moment: 1_500, proof: 3_000, healed: 3_000 },
  };
  const teardowns = new TeardownStack();
  const started = performance.now();
  try {
    const fault = await injectFault(context, teardowns, { id: 'f1', kind, target: word ?? FAULT_CATALOGUE[kind].targets[0]! });
    return { fault, events, error: undefined as unknown, seconds: (performance.now() - started) / 1000, teardowns };
  } catch (error) {
    await teardowns.runAll();
    return { fault: undefined, events, error, seconds: (performance.now() - started) / 1000, teardowns };
  }
}

describe('a fault that silently does nothing is never counted as in effect', () => {
  // noOps() has both forms of the rolling restart, so the engine-driven one is taken; the stepped one on its own below.
  const { engineRollingRestart: _engine, ...stepped } = noOps();
  it.each([
    ...(Object.keys(FAULT_CATALOGUE) as FaultKind[]).map((kind): [string, FaultKind, FaultPrimitives] => [kind, kind, noOps()]),
    ['rolling-restart, step by step', 'rolling-restart', stepped] as [string, FaultKind, FaultPrimitives],
  ])('%s', async (_name, kind, faults) => {
    const { error, events } = await inject(kind, faults);
    expect(error).toBeInstanceOf(FaultNotInEffect);
    expect(events.map((e) => e.type)).not.toContain('fault-applied');
    expect(events.find((e) => e.type === 'fault-not-applied')).toMatchObject({ fault: 'f1', reason: expect.stringContaining('did not take effect') });
    // Its heal still ran: registered before the inject.
    expect(events.filter((e) => e.type === 'heal')).toMatchObject([{ fault: 'f1', outcome: 'healed' }]);
  }, 30_000);
});

describe('a fault that takes effect is proven and dated by its witness', () => {
  it('primary-kill: the incarnation gone dates it, the postmaster not answering proves it, the answer again shows the heal', async () => {
    let running = true;
    const faults: FaultPrimitives = {
      ...noOps(),
      killInstance: async () => {
        await primary.stop('immediate');
        running = false;
      },
      startInstance: async () => {
        await primary.resume();
        running = true;
      },
      incarnation: async () => (running ? 'container started once' : null),
    };
    const { fault, events, error } = await inject('primary-kill', faults);
    expect(error).toBeUndefined();
    const applied = events.find((e) => e.type === 'fault-applied');
    expect(applied).toMatchObject({ dated: 'by-observation', witness: expect.stringMatching(/pg-a: container started once gone; pg-a's postmaster does not answer/) });
    await fault!.heal();
    expect(events.find((e) => e.type === 'heal-verified')).toMatchObject({ confirmed: true, evidence: 'pg-a answers again' });
  }, 60_000);

  it('postgres-kill: a new postmaster start time proves it', async () => {
    const faults: FaultPrimitives = {
      ...noOps(),
      killPostgres: async () => {
        await primary.stop('immediate');
        await primary.resume();
      },
    };
    const { events, error } = await inject('postgres-kill', faults);
    expect(error).toBeUndefined();
    expect(events.find((e) => e.type === 'fault-applied')).toMatchObject({ witness: expect.stringContaining("pg-a's postmaster") });
  }, 60_000);

  it('stalled-archive: a failing archive attempt proves it, an archived segment shows the heal', async () => {
    const faults: FaultPrimitives = {
      ...noOps(),
      stallArchive: async () => primary.setSetting('archive_command', "'exit 1'"),
      resumeArchive: async () => primary.setSetting('archive_command', "'true'"),
    };
    // The archiver needs WAL to close: writes go on while the witness waits.
    await primary.adminQuery('CREATE TABLE IF NOT EXISTS wal_maker (v text)');
    const writing = setInterval(() => void primary.adminQuery("INSERT INTO wal_maker VALUES (repeat('x', 1000))").catch(() => undefined), 100);
    try {
      const { fault, events, error } = await inject('stalled-archive', faults);
      expect(error).toBeUndefined();
      expect(events.find((e) => e.type === 'fault-applied')).toMatchObject({ dated: 'by-inject', witness: expect.stringMatching(/archive attempts fail on pg-a: failed_count \d+ → \d+/) });
      await fault!.heal();
      expect(events.find((e) => e.type === 'heal-verified')).toMatchObject({ confirmed: true, evidence: expect.stringContaining('archiving works again') });
    } finally {
      clearInterval(writing);
    }
  }, 60_000);

  it('partition: the cut seen from inside and the replication across it gone prove it', async () => {
    let cut = false;
    const faults: FaultPrimitives = {
      ...noOps(),
      isolateInstances: async () => {
        cut = true;
        await replica.stop('immediate');
      },
      rejoinInstances: async () => {
        cut = false;
        await replica.resume();
      },
      cutEvidence: async () => (cut ? 'pg-b → pg-a no answer' : null),
      rejoinedEvidence: async () => (cut ? null : 'pg-b → pg-a answers'),
    };
    const { fault, events, error } = await inject('partition', faults, 'primary');
    expect(error).toBeUndefined();
    expect(events.find((e) => e.type === 'fault-applied')).toMatchObject({ witness: expect.stringMatching(/pg-b → pg-a no answer; replication pg-a → pg-b gone/) });
    await fault!.heal();
    expect(events.find((e) => e.type === 'heal-verified')).toMatchObject({ confirmed: true });
  }, 60_000);

  it('switchover: a primary too busy to answer does not date it; its own refusal while it goes down does', async () => {
    // A pair of its own: this test demotes its primary for real.
    await using oldPrimary = await LocalPostgres.start({ instanceName: 'pg-a' });
    await using candidate = await oldPrimary.startReplica('pg-b');
    let busyOver = Infinity;
    const faults: FaultPrimitives = {
      ...noOps(),
      switchover: async () => {
        // First the primary turns every new connection away the way a full server does (53300),
        // as a loaded machine's witness can see before anything happened; then the real switchover.
        await oldPrimary.adminQuery('ALTER ROLE pgdrill_app CONNECTION LIMIT 0');
        await sleep(400);
        busyOver = performance.now();
        await oldPrimary.adminQuery('ALTER ROLE pgdrill_app CONNECTION LIMIT -1');
        await oldPrimary.stop('fast');
        await candidate.adminQuery('SELECT pg_promote()');
      },
    };
    const { events, error } = await inject('switchover', faults, 'primary', target(oldPrimary, candidate));
    expect(error).toBeUndefined();
    const applied = events.find((e) => e.type === 'fault-applied');
    expect(applied).toMatchObject({ witness: expect.stringMatching(/pg-a refuses connections .*; pg-b answers as the primary/) });
    // Not dated in the 400 ms busy spell: a 53300 refusal is no outage, and the witness polls every 25 ms, so a date
    // taken from one would fall near the spell's start. A probe that set out shortly before the stop and met the
    // shutdown is dated when it set out (9 ms before the stop was asked, seen in CI): 100 ms of slack for that.
    expect((applied as { at: { t: number } }).at.t).toBeGreaterThanOrEqual(busyOver - 100);
  }, 60_000);
});
