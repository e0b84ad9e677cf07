import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/history/events.ts';
import type { RunResult } from '../../src/report/run-result.ts';
import { runCli } from '../support/cli.ts';
import { useTempStateDir } from '../support/stack.ts';

// The fault library's scenarios, run as users run them, each with the verdict
// a correct stack must give. The asynchronous partition is expected to FAIL:
// there the harness must catch the lost writes or the split-brain, while the
// strict synchronous one must pass. Both directions are asserted.
// The fault library's other drills (zone-loss, double-zone-loss,
// partition-halves with replica-partition, dcs-loss with failsafe,
// replica-lag) run with PGDRILL_E2E_FULL=1 (about 10 more minutes), outside
// the default `npm test`, which must fit CI's 45 minutes; skipped, they say so.
// Not run at all here, to keep the suite inside CI's budget: freeze-etcd3 and
// primary-kill-async (timing decides their verdict, so a test can only
// accept either) and replica-kill (primary-kill's definition aimed at a
// replica; its kill and witness are the ones drills.test.ts runs).
const state = useTempStateDir();
const reportRoot = mkdtempSync(join(tmpdir(), 'pgdrill-e2e-faults-'));

interface Drill {
  code: number | null;
  report: RunResult;
  history: HistoryEvent[];
}

async function drill(name: string): Promise<Drill> {
  const result = await runCli(['run', name, '--report-dir', reportRoot], { PGDRILL_STATE_DIR: state });
  const dir = /report: (\S+)report\.md/.exec(result.stdout)?.[1];
  if (!dir) throw new Error(`no report path in the output of pgdrill run ${name}:\n${result.stdout}\n${result.stderr}`);
  const absolute = join(process.cwd(), dir);
  return {
    code: result.code,
    report: JSON.parse(readFileSync(join(absolute, 'report.json'), 'utf8')) as RunResult,
    history: readFileSync(join(absolute, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as HistoryEvent),
  };
}

function expectPass({ report, code }: Drill): void {
  expect(report.verdict, `${report.scenario}: ${report.verdictReasons.join('; ')}`).toBe('pass');
  expect(code).toBe(0);
  expect(report.faults.every((f) => f.healOutcome === 'healed')).toBe(true);
}

/** A drill of the full fault library: run with PGDRILL_E2E_FULL=1, skipped (and listed as skipped) otherwise. */
const full = process.env.PGDRILL_E2E_FULL === '1' ? it : it.skip;

describe('fault library on the local target', () => {
  it('primary-partition-async: the harness catches what asynchronous replication loses (verdict fail, exit 1)', async () => {
    const d = await drill('primary-partition-async');
    expect(d.report.verdict).toBe('fail');
    expect(d.code).toBe(1);
    const lost = d.report.metrics.lost_writes ?? 0;
    const windows = d.report.metrics.split_brain_windows ?? 0;
    expect(lost + windows, 'lost writes or split-brain windows found').toBeGreaterThan(0);
    if (lost > 0) {
      // Each lost write is named with when it was acknowledged and by whom: the old primary, on the old timeline.
      const items = d.report.evidence!.rpo!.lost.items;
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((w) => w.instance === d.report.faults[0]!.targets[0])).toBe(true);
    }
  });

  it('primary-partition-strict: the same partition with strict synchronous replication loses nothing', async () => {
    const d = await drill('primary-partition-strict');
    expectPass(d);
    expect(d.report.metrics.lost_writes).toBe(0);
    expect(d.report.metrics.split_brain_windows).toBe(0);
  });

  full('zone-loss: failover with nothing lost', async () => {
    expectPass(await drill('zone-loss'));
  });

  full('double-zone-loss: strict synchronous replication blocks writes (not "no primary"), then resumes', async () => {
    const d = await drill('double-zone-loss');
    expectPass(d);
    expect(d.report.metrics.writes_blocked_on_sync_seconds).toBeGreaterThanOrEqual(10);
    expect(d.report.metrics.no_primary_seconds).toBeLessThanOrEqual(2);
    // Writes resumed after the heal: some acknowledged write was invoked after it.
    const healT = d.history.find((e) => e.type === 'heal')!.t;
    expect(d.history.some((e) => e.type === 'ok' && e.t > healT)).toBe(true);
  });

  full('partition-halves and replica-partition: no loss, no split-brain', async () => {
    expectPass(await drill('partition-halves'));
    expectPass(await drill('replica-partition'));
  });

  it('freeze: the woken primary accepts no write (no split-brain window)', async () => {
    const d = await drill('freeze');
    expectPass(d);
    expect(d.report.metrics.split_brain_windows).toBe(0);
  });

  it('stalled-archive: failures and backlog while it lasts, catch-up after, no gap in the WAL chain', async () => {
    const d = await drill('stalled-archive');
    expectPass(d);
    expect(d.report.metrics.archive_failed_count).toBeGreaterThan(0);
    expect(d.report.metrics.archive_max_age_seconds).toBeGreaterThanOrEqual(30);
    expect(d.report.metrics.archive_catchup_seconds).not.toBeNull();
    expect(d.report.metrics.archive_gaps).toBe(0);
    // The stall is visible while it lasts: failures rise between inject and heal.
    const inject = d.history.find((e) => e.type === 'inject')!.t;
    const heal = d.history.find((e) => e.type === 'heal')!.t;
    const during = d.history.filter((e) => e.type === 'archive' && e.t > inject && e.t < heal);
    const failed = during.map((e) => (e.type === 'archive' ? e.failedCount : 0));
    expect(Math.max(...failed)).toBeGreaterThan(Math.min(...failed));
  });

  full('dcs-loss: without failsafe the leader is demoted; with failsafe it keeps serving', async () => {
    const off = await drill('dcs-loss');
    expectPass(off);
    expect(off.report.metrics.no_primary_seconds).toBeGreaterThanOrEqual(5);
    const on = await drill('dcs-loss-failsafe');
    expectPass(on);
    expect(on.report.metrics.no_primary_seconds).toBeLessThanOrEqual(1);
  });

  full('replica-lag: writes go on, nothing lost', async () => {
    const lag = await drill('replica-lag');
    expectPass(lag);
    expect(lag.report.metrics.replication_lag_max_bytes).toBeGreaterThan(0);
  });
});
