import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/report/run-result.ts';
import { runCli } from '../support/cli.ts';
import { useTempStateDir } from '../support/stack.ts';

// Archiving that survives a failover: the same drill (archive stalled, then
// the primary killed) with archive_mode on and always, in one pair of runs.
const state = useTempStateDir();
const reportRoot = mkdtempSync(join(tmpdir(), 'pgdrill-e2e-archive-'));

async function drill(name: string): Promise<{ code: number | null; report: RunResult }> {
  const result = await runCli(['run', name, '--report-dir', reportRoot], { PGDRILL_STATE_DIR: state });
  const dir = /report: (\S+)report\.md/.exec(result.stdout)?.[1];
  if (!dir) throw new Error(`no report path in the output of pgdrill run ${name}:\n${result.stdout}\n${result.stderr}`);
  return { code: result.code, report: JSON.parse(readFileSync(join(process.cwd(), dir, 'report.json'), 'utf8')) as RunResult };
}

describe("WAL the killed primary had not archived", () => {
  it('with archive_mode on, is never archived: the gap is reported (fail, exit 1); with always, the standbys archive it (no gap, pass)', async () => {
    const on = await drill('archive-failover');
    expect(on.report.verdict, on.report.verdictReasons.join('; ')).toBe('fail');
    expect(on.code).toBe(1);
    expect(on.report.metrics.archive_gaps).toBeGreaterThan(0);
    expect(on.report.metrics.lost_writes).toBe(0);
    expect(on.report.evidence!.archive.gaps[0]).toMatchObject({ timeline: '00000001' });

    const always = await drill('archive-failover-always');
    expect(always.report.verdict, always.report.verdictReasons.join('; ')).toBe('pass');
    expect(always.report.metrics.archive_gaps).toBe(0);
    expect(always.report.metrics.lost_writes).toBe(0);
    expect(always.report.configuration.cluster.archive).toBe('always');
  });
});
