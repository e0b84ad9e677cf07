import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/history/events.ts';
import type { RunResult } from '../../src/report/run-result.ts';
import { runCli } from '../support/cli.ts';
import { useTempStateDir } from '../support/stack.ts';

// The shipped drills, run as a user runs them (`pgdrill run <name>`) against
// the real local stack. Each asserts what its report must show. primary-kill
// and switchover on the default generation are the certification smoke's
// baseline runs (certify.test.ts): their assertions are there.
const state = useTempStateDir();
const reportRoot = mkdtempSync(join(tmpdir(), 'pgdrill-e2e-reports-'));

async function drill(name: string): Promise<{ code: number | null; stdout: string; report: RunResult; history: HistoryEvent[] }> {
  const result = await runCli(['run', name, '--report-dir', reportRoot], { PGDRILL_STATE_DIR: state });
  const dir = /report: (\S+)report\.md/.exec(result.stdout)?.[1];
  if (!dir) throw new Error(`no report path in the output of pgdrill run ${name}:\n${result.stdout}\n${result.stderr}`);
  const absolute = join(process.cwd(), dir);
  const report = JSON.parse(readFileSync(join(absolute, 'report.json'), 'utf8')) as RunResult;
  const history = readFileSync(join(absolute, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as HistoryEvent);
  return { code: result.code, stdout: result.stdout, report, history };
}

describe('shipped drills on the local target', () => {
  it('postgres-crash: the killed postgres comes back (restart or failover) with no lost write', async () => {
    const { report } = await drill('postgres-crash');
    expect(report.verdict, report.verdictReasons.join('; ')).toBe('pass');
    expect(report.metrics.lost_writes).toBe(0);
    expect(report.metrics.rto_seconds).not.toBeNull();
  });
});
