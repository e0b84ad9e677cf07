import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/report/run-result.ts';
import { runDrill } from '../../src/runner/run-drill.ts';
import { execIn } from '../../src/targets/local/docker-exec.ts';
import { localDriver } from '../../src/targets/local/local-driver.ts';
import type { LocalTarget } from '../../src/targets/local/local-target.ts';
import { TeardownStack } from '../../src/lifecycle/teardown-stack.ts';
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
  return (await drillWithDir(name)).report;
}

async function drillWithDir(name: string): Promise<{ report: RunResult; dir: string }> {
  const result = await runCli(['run', name, '--report-dir', reportRoot], { PGDRILL_STATE_DIR: state });
  const dir = /report: (\S+)report\.md/.exec(result.stdout)?.[1];
  if (!dir) throw new Error(`no report path in the output of pgdrill run ${name}:\n${result.stdout}\n${result.stderr}`);
  const full = join(process.cwd(), dir);
  return { report: JSON.parse(readFileSync(join(full, 'report.json'), 'utf8')) as RunResult, dir: full };
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
  // pitr-bad-delete's restore into a full cluster covers its single-instance form too (the tampered test below restores a single instance).
  it('pitr-bad-delete-cluster: the 3-zone cluster restored to T holds, on every instance, every write acknowledged before T and none after; a primary kill inside it passes', async () => {
    const { report, dir } = await drillWithDir('pitr-bad-delete-cluster');
    expectRestorePass(report);
    expect(report.metrics.restore_expected_min).toBeGreaterThan(500);
    // The live cluster: the DELETE's rows are the scenario's own, not lost writes; the repository verifies clean.
    expect(report.metrics.lost_writes).toBe(0);
    expect(report.metrics.deleted_by_scenario).toBeGreaterThan(500);
    expect(report.metrics.backup_verify_errors).toBe(0);
    const restored = report.evidence!.restore.restores[0]!;
    expect(restored.instances?.map((i) => [i.name, i.matches, i.rowCount])).toEqual(
      ['a', 'b', 'c'].map((zone) => [`restore-1-${zone}`, true, report.metrics.restore_row_count]),
    );
    expect(restored.instances?.filter((i) => i.role === 'primary')).toHaveLength(1);
    expect(report.metrics.restore_ha_seconds).toBeGreaterThanOrEqual(report.metrics.restore_seconds!);
    expect(report.metrics.restore_instances_differing).toBe(0);
    // The drill inside the restored cluster: its own report, a real failover there.
    expect(restored.drill).toMatchObject({ verdict: 'pass', reportDir: 'restore-1' });
    expect(report.metrics.restored_drill_failures).toBe(0);
    const inner = JSON.parse(readFileSync(join(dir, 'restore-1', 'report.json'), 'utf8')) as RunResult;
    expect(inner.runId).toBe(`${report.runId}-restore-1`);
    expect(inner.verdict, inner.verdictReasons.join('; ')).toBe('pass');
    expect(inner.metrics.rto_seconds).toBeGreaterThan(0);
    expect(inner.metrics.lost_writes).toBe(0);
    expect(inner.metrics.rejoin_seconds).toBeGreaterThan(0);
    // Its final read counts its own writes only: the restored rows were the restore's check.
    expect(inner.metrics.unexpected_writes).toBe(0);
  });

  it('pitr-latest: after a failover, a restore to the end of WAL holds every acknowledged write', async () => {
    const report = await drill('pitr-latest');
    expectRestorePass(report);
    // The restore came from a backup taken on the new timeline.
    expect(report.metrics.backup_verify_errors).toBe(0);
    expect(report.evidence!.restore.restores[0]!.reached.timeline).toBeGreaterThanOrEqual(2);
  });

  it('pitr-after-archive-stall: a restore to a time inside the stall succeeds once archiving caught up', async () => {
    const report = await drill('pitr-after-archive-stall');
    expectRestorePass(report);
    expect(report.metrics.archive_failed_count).toBeGreaterThan(0);
  });

  it('a tampered restore (one row removed, one added) fails the check and names both keys; a damaged repository file fails its verification, named', async () => {
    const loaded = await loadScenario('pitr-bad-delete', { scenariosDir: SCENARIOS_DIR });
    let removed = '';
    let damaged = '';
    const teardowns = new TeardownStack();
    const outcome = await runDrill({
      loaded,
      target: localDriver.configure({}),
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
        // Bit rot in the repository: a few bytes of one backed-up file overwritten.
        beforeVerify: async (target) => {
          const repo = (target as LocalTarget).container('repo');
          const found = await execIn(repo, ['sh', '-c', "find /var/lib/pgbackrest/backup/pgdrill -path '*pg_data/base/*' -type f -size +8k | head -1"]);
          damaged = found.stdout.trim();
          await execIn(repo, ['sh', '-c', `printf garbage | dd of=${damaged} bs=1 seek=100 conv=notrunc 2>/dev/null`]);
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
    // pgBackRest verify finds the damaged file and the report names it.
    expect(result.metrics.backup_verify_errors).toBeGreaterThan(0);
    expect(result.verdictReasons).toContain(`backup_verify_errors == 0 failed: backup_verify_errors = ${result.metrics.backup_verify_errors}`);
    const relative = damaged.replace('/var/lib/pgbackrest/backup/pgdrill/', '');
    expect(result.evidence!.backupIntegrity.problems.items.join(' ')).toContain(relative);
    expect(md).toContain(relative);
  });
});
