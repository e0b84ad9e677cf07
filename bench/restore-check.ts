import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readHistory } from '../src/history/reader.ts';
import { readRestore } from '../src/runner/restore-read.ts';
import { ensureWritesTable } from '../src/postgres/writes-table.ts';
import { LocalPostgres } from '../test/support/local-postgres.ts';
import type { BenchResult } from './bench-result.ts';

const ROWS = 1_000_000;
const BUDGET_SECONDS = 30;
const BUDGET_MIB = 300;

/**
 * The PITR restore check over 1,000,000 rows: a history file of a million
 * acknowledged writes (and some after the target) is streamed into the
 * comparison with a "restored" database holding the rows, on one local
 * PostgreSQL. Measures the check's time and the harness's peak memory.
 */
export async function restoreCheckBench(): Promise<BenchResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'pgdrill-bench-restore-'));
  const server = await LocalPostgres.start({ instanceName: 'restored', settings: { fsync: 'off', synchronous_commit: 'off' } });
  try {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const targetMs = start + ROWS; // one write per millisecond of "wall time" before the target
    const after = 50_000;
    const historyFile = join(scratch, 'history.jsonl');
    await writeHistory(historyFile, start, ROWS, after);

    const client = new pg.Client({ ...server.connection });
    await client.connect();
    await ensureWritesTable(client);
    // The restored rows: every write acknowledged before the target, made server-side (no JS array).
    await client.query(
      `INSERT INTO pgdrill_writes (key, writer, committed_at, served_by, timeline)
       SELECT 'bench-' || i, 0, now(), 'restored', 1 FROM generate_series(0, $1::int - 1) AS i`,
      [ROWS],
    );
    await client.query('VACUUM ANALYZE pgdrill_writes');
    await client.end();

    const heapBefore = process.memoryUsage();
    let peakRss = heapBefore.rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const started = performance.now();
    const read = await readRestore(
      { primary: server.connection, reached: { timeline: 1, lsn: null, lastCommitAt: null } },
      readHistory(historyFile),
      { name: 'bench', target: 'bench', targetMs, mode: 'time', seconds: 0 },
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const peakMiB = Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20;
    if (read.missing.count !== 0 || read.unexpected.count !== 0 || read.rowCount !== ROWS) {
      throw new Error(`bench restore check disagrees with its own data: ${read.missing.count} missing, ${read.unexpected.count} unexpected, ${read.rowCount} rows`);
    }
    return {
      name: 'restore-check',
      title: `PITR restore check over ${ROWS.toLocaleString('en')} rows (ledger streamed from history.jsonl, compared inside PostgreSQL)`,
      rows: [
        { metric: 'check time', value: Number(seconds.toFixed(1)), unit: 's', target: `<= ${BUDGET_SECONDS}`, met: seconds <= BUDGET_SECONDS },
        { metric: 'harness peak RSS during the check', value: Math.round(peakMiB), unit: 'MiB', target: `<= ${BUDGET_MIB}`, met: peakMiB <= BUDGET_MIB },
        { metric: 'expected range (min-max)', value: `${read.expectedMin}-${read.expectedMax}` },
      ],
      notes: [`${ROWS + after} writes in the history (${after} invoked after the target), fsync off on the bench server`],
    };
  } finally {
    await server.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function writeHistory(path: string, start: number, before: number, after: number): Promise<void> {
  const out = createWriteStream(path);
  const line = (t: number, body: object): string => `${JSON.stringify({ t, wall: new Date(start + t).toISOString(), ...body })}\n`;
  for (let i = 0; i < before + after; i++) {
    const key = `bench-${i}`;
    const invokeT = i;
    let chunk = line(invokeT, { type: 'invoke', op: 'write', process: 0, key });
    chunk += i < before
      ? line(invokeT + 0.5, { type: 'ok', op: 'write', process: 0, key, instance: 'pg-a', timeline: 1, serverTime: new Date(start + i).toISOString(), latencyMs: 0.5 })
      : line(invokeT + 0.5, { type: 'info', op: 'write', process: 0, key, error: 'bench: after the target' });
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
