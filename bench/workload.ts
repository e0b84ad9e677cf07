/**
 * What the harness costs per write: the workload (unthrottled writers) with
 * its ledger, against a plain `pg` insert loop with as many connections and
 * the very same INSERT, on one local PostgreSQL, in the same run. Sides
 * take turns in short phases so that the table growing, the machine warming
 * up and a busy neighbour affect them alike.
 *
 * Two ledgers: events pushed to an array (what the acceptance line asks for,
 * the least any in-memory ledger costs) and the real HistoryRecorder (stamp,
 * JSON line, writeSync per event, events kept for the checkers). Memory is
 * the heap growth over 100,000 acknowledged writes, after a full GC.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import pg from 'pg';
import { createRunClock } from '../src/history/clock.ts';
import type { HistoryBody } from '../src/history/events.ts';
import { HistoryRecorder } from '../src/history/recorder.ts';
import type { ConnectionInfo } from '../src/targets/endpoints.ts';
import { LocalPostgres } from '../test/support/local-postgres.ts';
import { INSERT_WRITE_SQL } from '../src/postgres/writes-table.ts';
import { Workload } from '../src/workload/workload.ts';
import type { BenchResult } from './bench-result.ts';

export interface WorkloadBenchOptions {
  writers?: number;
  /** Length of each measured phase. */
  phaseMs?: number;
  /** Rounds; each runs every side once, in a rotating order. */
  rounds?: number;
  /** Acknowledged writes for the memory measurement. */
  memoryWrites?: number;
}

const TARGET_RATIO = 0.8;

type Ledger = 'array' | 'recorder';
type Side = 'plain' | Ledger;

interface Phase {
  writes: number;
  ms: number;
  /** CPU of this process (user + system) during the phase, microseconds. */
  cpuUs: number;
}

export async function workloadBench(options: WorkloadBenchOptions = {}): Promise<BenchResult> {
  const writers = options.writers ?? 4;
  const phaseMs = options.phaseMs ?? 1_500;
  const rounds = options.rounds ?? 6;
  const memoryWrites = options.memoryWrites ?? 100_000;
  const server = await LocalPostgres.start({ instanceName: 'bench' });
  const scratch = await mkdtemp(join(tmpdir(), 'pgdrill-bench-'));
  try {
    // Creates the table and warms the server's caches and the JIT for both sides.
    await runWorkload(server.connection, writers, 'array', scratch, { durationMs: 1_000 });
    await plainLoop(server.connection, writers, 1_000);

    // The machine is shared (the server, and whatever else runs): each round
    // measures the sides back to back and yields its own ratio; the median of
    // those is robust to a noisy neighbour in one round.
    const sides: Side[] = ['plain', 'array', 'recorder'];
    const phases: Record<Side, Phase[]> = { plain: [], array: [], recorder: [] };
    for (let round = 0; round < rounds; round++) {
      const order = sides.map((_, i) => sides[(i + round) % sides.length] as Side);
      for (const side of order) {
        phases[side].push(
          side === 'plain'
            ? await plainLoop(server.connection, writers, phaseMs)
            : await runWorkload(server.connection, writers, side, scratch, { durationMs: phaseMs }),
        );
      }
    }
    const rate = (p: Phase) => (p.writes * 1_000) / p.ms;
    const ratios = (side: Ledger) => phases[side].map((p, i) => rate(p) / rate(phases.plain[i] ?? p));
    const total = (side: Side) => phases[side].reduce((a, p) => ({ writes: a.writes + p.writes, ms: a.ms + p.ms, cpuUs: a.cpuUs + p.cpuUs }), { writes: 0, ms: 0, cpuUs: 0 });
    const cpuPerWrite = (side: Side) => total(side).cpuUs / total(side).writes;
    const arrayRatios = ratios('array');
    const recorderRatios = ratios('recorder');
    const arrayRatio = median(arrayRatios);
    const recorderRatio = median(recorderRatios);

    const memory = await measureMemory(server.connection, writers, 'array', scratch, memoryWrites);
    const recorderMemory = await measureMemory(server.connection, writers, 'recorder', scratch, memoryWrites);
    const perHundredK = (m: typeof memory) => round1((m.heapDeltaBytes / m.writes) * 100_000 / 1024 / 1024);

    return {
      name: 'workload',
      title: 'Workload + ledger throughput vs a plain pg insert loop (same server, same run)',
      rows: [
        { metric: 'plain pg loop', value: Math.round(rate(total('plain'))), unit: 'writes/s' },
        { metric: 'workload + array ledger', value: Math.round(rate(total('array'))), unit: 'writes/s' },
        { metric: 'workload + HistoryRecorder (JSONL)', value: Math.round(rate(total('recorder'))), unit: 'writes/s' },
        { metric: `ratio workload+array / plain (median of ${rounds}; ${range(arrayRatios)})`, value: round2(arrayRatio) },
        {
          // The history file is the run's ledger: this is the ratio the target is about.
          metric: `ratio workload+HistoryRecorder / plain (median of ${rounds}; ${range(recorderRatios)})`,
          value: round2(recorderRatio),
          target: `>= ${TARGET_RATIO}`,
          met: recorderRatio >= TARGET_RATIO,
        },
        { metric: 'client CPU per write: plain', value: round1(cpuPerWrite('plain')), unit: 'µs' },
        { metric: 'client CPU per write: workload + array', value: round1(cpuPerWrite('array')), unit: 'µs' },
        { metric: 'client CPU per write: workload + HistoryRecorder', value: round1(cpuPerWrite('recorder')), unit: 'µs' },
        { metric: 'harness heap per 100,000 writes (array ledger)', value: perHundredK(memory), unit: 'MiB' },
        { metric: 'harness heap per 100,000 writes (HistoryRecorder, events kept)', value: perHundredK(recorderMemory), unit: 'MiB' },
      ],
      notes: [
        `${writers} connections each side, unthrottled; ${rounds} rounds x (plain, array, recorder) in rotating order, ${phaseMs} ms per phase`,
        `measured: ${total('plain').writes} plain, ${total('array').writes} workload+array, ${total('recorder').writes} workload+recorder writes`,
        `memory: ${memory.writes} / ${recorderMemory.writes} acknowledged writes (${memory.events} / ${recorderMemory.events} events), heap delta ${memory.gc ? 'after a full GC' : 'without GC (unavailable)'}: ${Math.round(memory.heapDeltaBytes / memory.writes)} / ${Math.round(recorderMemory.heapDeltaBytes / recorderMemory.writes)} bytes per write`,
        'server: PostgreSQL 15 on 127.0.0.1 with fsync off, so the client side is the bottleneck and harness overhead shows (drills run at 50-1,000 writes/s)',
      ],
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await server.destroy();
  }
}

async function plainLoop(connection: ConnectionInfo, writers: number, durationMs: number): Promise<Phase> {
  const prefix = `plain-${Math.random().toString(16).slice(2, 10)}`;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + durationMs;
  let writes = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const client = new pg.Client({ ...connection });
      await client.connect();
      try {
        for (let seq = 0; performance.now() < end; seq++) {
          await client.query({ name: 'pgdrill-write', text: INSERT_WRITE_SQL, values: [`${prefix}-${w}-${seq}`, w] });
          writes++;
        }
      } finally {
        await client.end();
      }
    }),
  );
  return { writes, ms: performance.now() - started, cpuUs: cpuSince(cpu) };
}

async function runWorkload(
  connection: ConnectionInfo,
  writers: number,
  ledger: Ledger,
  scratch: string,
  until: { durationMs?: number; okWrites?: number },
): Promise<Phase & { events: number; keep: unknown }> {
  const { record, keep, count, close } = makeLedger(ledger, scratch);
  const workload = new Workload({ endpoint: connection, record, writers, rate: Number.POSITIVE_INFINITY });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await workload.start();
  if (until.okWrites !== undefined) {
    const target = until.okWrites;
    while (workload.summary().ok < target) await sleep(5);
  } else {
    await sleep((until.durationMs ?? 0) - (performance.now() - started));
  }
  const summary = await workload.stop();
  const ms = performance.now() - started;
  const cpuUs = cpuSince(cpu);
  close();
  if (summary.fail + summary.info > 0) {
    throw new Error(`bench workload had ${summary.fail} fail / ${summary.info} info outcomes on a healthy server`);
  }
  return { writes: summary.ok, ms, cpuUs, events: count(), keep };
}

function makeLedger(ledger: Ledger, scratch: string) {
  if (ledger === 'array') {
    const events: HistoryBody[] = [];
    return { record: (body: HistoryBody) => void events.push(body), keep: events, count: () => events.length, close: () => undefined };
  }
  const recorder = new HistoryRecorder(join(scratch, `history-${Math.random().toString(16).slice(2)}.jsonl`), createRunClock());
  return {
    record: (body: HistoryBody) => void recorder.record(body),
    keep: recorder,
    count: () => recorder.events().length,
    close: () => recorder.close(),
  };
}

async function measureMemory(connection: ConnectionInfo, writers: number, ledger: Ledger, scratch: string, okWrites: number) {
  const gc = fullGc();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const run = await runWorkload(connection, writers, ledger, scratch, { okWrites });
  // Let closed sockets and timers go before weighing what is left.
  await sleep(100);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  // Returning `run.keep` keeps the recorder and its events alive past the weighing.
  return { writes: run.writes, events: run.events, heapDeltaBytes: after - before, gc: gc !== undefined, kept: run.keep };
}

/** global.gc when node runs with --expose-gc; otherwise switched on at run time. */
function fullGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

function range(values: number[]): string {
  return `${round2(Math.min(...values))}-${round2(Math.max(...values))}`;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
