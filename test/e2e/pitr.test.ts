import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/report/run-result.ts';
import { runDrill } from '../../src/runner/run-drill.ts';
import { TeardownStack } from '../../src/runner/teardown-stack.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { silentProgress } from '../../src/progress/progress.ts';
import { SCENARIOS_DIR } from '../../src/cli/commands/run.ts';
import { runCli } from '../support/cli.ts';
import { useTempStateDir } from '../support/stack.ts';

// PITR drills on the local target: restores from the pgBackRest repository
// into fresh instances, checked against the ledger of acknowledged writes.
const state = useTempStateDir();
const reportRoot = mkdtempSync(join(tmpdir(), 'pgdrill-e2e-pitr-'));

async function drill(name: string): Promise<RunResult> {
  const result = await runCli(['run', name, '--report-dir', reportRoot], { PGDRILL_STATE_DIR: state });
  const dir = /report: (\S+)report\.md/.exec(result.stdout)?.[1];
  if (!dir) throw new Error(`no report path in the output of pgdrill run ${name}:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(readFileSync(join(process.cwd(), dir, 'report.json'), 'utf8')) as RunResult;
}

function expectRestorePass(report: RunResult): void {
  expect(report.verdict, `${report.scenario}: ${report.verdictReasons.join('; ')}`).toBe('pass');
  expect(report.metrics.restore_missing_writes).toBe(0);
  expect(report.metrics.restore_unexpected_writes).toBe(0);
  expect(report.metrics.restore_seconds).toBeGreaterThan(0);
  const { restore_row_count: rows, restore_expected_min: min, restore_expected_max: max } = report.metrics;
  expect(rows).toBeGreaterThanOrEqual(min!);
  expect(rows).toBeLessThanOrEqual(max!);
}

describe('PITR drills', () => {
  it('pitr-bad-delete: the restore to T holds every write acknowledged before T and none after', async () => {
    const report = await drill('pitr-bad-delete');
    expectRestorePass(report);
    expect(report.metrics.restore_expected_min).toBeGreaterThan(500);
  });

  it('pitr-latest: after a failover, a restore to the end of WAL holds every acknowledged write', async () => {
    expectRestorePass(await drill('pitr-latest'));
  });

  it('pitr-after-archive-stall: a restore to a time inside the stall succeeds once archiving caught up', async () => {
    const report = await drill('pitr-after-archive-stall');
    expectRestorePass(report);
    expect(report.metrics.archive_failed_count).toBeGreaterThan(0);
  });

  it('a tampered restore (one row removed, one added) fails the check and names both keys', async () => {
    const loaded = await loadScenario('pitr-bad-delete', { scenariosDir: SCENARIOS_DIR });
    let removed = '';
    const teardowns = new TeardownStack();
    const outcome = await runDrill({
      loaded,
      targetKind: 'local',
      runId: `tamper${Date.now().toString(36).slice(-4)}`,
      reportDir: join(reportRoot, 'tampered'),
      keep: false,
      progress: silentProgress(),
      signal: new AbortController().signal,
      teardowns,
      hooks: {
        afterRestore: async (restored) => {
          const client = new pg.Client({ ...restored.primary });
          await client.connect();
          // The oldest row is surely acknowledged well before T.
          const { rows } = await client.query<{ key: string }>('DELETE FROM pgdrill_writes WHERE key = (SELECT key FROM pgdrill_writes ORDER BY committed_at LIMIT 1) RETURNING key');
          removed = rows[0]!.key;
          await client.query("INSERT INTO pgdrill_writes (key, writer) VALUES ('tampered-intruder', 99)");
          await client.end();
        },
      },
    });
    const { result } = outcome;
    expect(result.verdict).toBe('fail');
    expect(result.metrics.restore_missing_writes).toBe(1);
    expect(result.metrics.restore_unexpected_writes).toBe(1);
    const restoreEvidence = result.evidence!.restore.restores[0]!;
    expect(restoreEvidence.missing.items).toEqual([removed]);
    expect(restoreEvidence.unexpected.items).toEqual(['tampered-intruder']);
    // The person reading report.md sees the same two keys in the restore's row.
    const md = readFileSync(join(outcome.reportDir, 'report.md'), 'utf8');
    const row = md.split('\n').find((line) => line.startsWith('| restore-1 |'));
    expect(row, md.slice(md.indexOf('### Restores'))).toContain(`| 1: ${removed} | 1: tampered-intruder |`);
  });
});
