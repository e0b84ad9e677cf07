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
// the real local stack. Each asserts what its report must show.
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

function timelinesServed(history: HistoryEvent[]): Set<string> {
  return new Set(history.flatMap((e) => (e.type === 'ok' ? [`${e.instance}@${e.timeline}`] : [])));
}

describe('shipped drills on the local target', () => {
  it('primary-kill: passes with no lost write, an RTO that fits Patroni timings, writes on two timelines', async () => {
    const { code, report, history } = await drill('primary-kill');
    expect(report.verdict, report.verdictReasons.join('; ')).toBe('pass');
    expect(code).toBe(0);
    expect(report.metrics.lost_writes).toBe(0);
    expect(report.metrics.writes_ok).toBeGreaterThan(1000);
    // ttl 10 s: the leader key expires within ttl, a standby promotes within a loop or two.
    expect(report.metrics.rto_seconds).toBeGreaterThan(1);
    expect(report.metrics.rto_seconds).toBeLessThanOrEqual(25);
    const served = timelinesServed(history);
    const timelines = new Set([...served].map((s) => s.split('@')[1]));
    expect(timelines.size, `served on ${[...served].join(', ')}`).toBeGreaterThanOrEqual(2);
    // The client-side RTO and the server's own view (first commit on the new primary) agree within the resolution.
    const [fault] = report.rto;
    expect(fault!.newTimeline).toBe(true);
    expect(Math.abs(fault!.rtoSeconds! - fault!.serverRtoSeconds!)).toBeLessThanOrEqual(fault!.resolutionSeconds! + 0.05);
    expect(report.faults).toEqual([expect.objectContaining({ kind: 'primary-kill', target: fault!.targets[0], healedAt: expect.any(String) })]);
  });

  it('postgres-crash: the killed postgres comes back (restart or failover) with no lost write', async () => {
    const { report } = await drill('postgres-crash');
    expect(report.verdict, report.verdictReasons.join('; ')).toBe('pass');
    expect(report.metrics.lost_writes).toBe(0);
    expect(report.metrics.rto_seconds).not.toBeNull();
  });

  it('switchover: writes move to the new primary quickly with no lost write', async () => {
    const { report, history } = await drill('switchover');
    expect(report.verdict, report.verdictReasons.join('; ')).toBe('pass');
    expect(report.metrics.lost_writes).toBe(0);
    expect(report.rto[0]!.newInstance).toBe(true);
    expect(timelinesServed(history).size).toBeGreaterThanOrEqual(2);
  });
});
