import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Certification, ScenarioCertification } from '../../src/compare/certify.ts';
import type { HistoryEvent } from '../../src/history/events.ts';
import type { RunResult } from '../../src/report/run-result.ts';
import type { SuiteResult } from '../../src/report/suite-result.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { useTempStateDir } from '../support/stack.ts';

// The certification smoke of npm test: primary-kill, freeze-etcd3,
// switchover and pitr-bad-delete on both stack generations, compared, once
// each (the debian13 image is built here on a fresh machine). The baseline's
// runs are also the default generation's primary-kill and switchover drills:
// their assertions are below, so those drills run once, not twice. The full
// matrix (every shipped scenario, several runs each) is `npm run test:matrix`.
const state = useTempStateDir();
const reportRoot = mkdtempSync(join(tmpdir(), 'pgdrill-e2e-certify-'));
const SCENARIOS = ['primary-kill', 'freeze-etcd3', 'switchover', 'pitr-bad-delete'];

interface SideRun {
  report: RunResult;
  history: HistoryEvent[];
}

let cli: CliResult;
let folder: string;
let certification: Certification;
const runs: Record<'baseline' | 'candidate', Map<string, SideRun>> = { baseline: new Map(), candidate: new Map() };

beforeAll(async () => {
  cli = await runCli(['certify', '--baseline', 'debian12', '--candidate', 'debian13', ...SCENARIOS, '--report-dir', reportRoot], { PGDRILL_STATE_DIR: state });
  const name = readdirSync(reportRoot).find((f) => f.startsWith('certify-'));
  if (!name) throw new Error(`no certify folder:\n${cli.stdout}\n${cli.stderr}`);
  folder = join(reportRoot, name);
  certification = JSON.parse(readFileSync(join(folder, 'certify.json'), 'utf8')) as Certification;
  for (const side of ['baseline', 'candidate'] as const) {
    const suiteDir = join(folder, side, readdirSync(join(folder, side)).find((d) => existsSync(join(folder, side, d, 'suite.json')))!);
    const suite = JSON.parse(readFileSync(join(suiteDir, 'suite.json'), 'utf8')) as SuiteResult;
    for (const run of suite.runs) {
      const dir = join(suiteDir, run.dir);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunResult;
      const history = readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as HistoryEvent);
      runs[side].set(report.scenario, { report, history });
    }
  }
}, 1_800_000);

function scenario(name: string): ScenarioCertification {
  const found = certification.scenarios.find((s) => s.scenario === name);
  if (!found) throw new Error(`${name} is not in the certification: ${certification.scenarios.map((s) => s.scenario).join(', ')}`);
  return found;
}

function run(side: 'baseline' | 'candidate', name: string): SideRun {
  const found = runs[side].get(name);
  if (!found) throw new Error(`no ${side} run of ${name}`);
  return found;
}

function timelinesServed(history: HistoryEvent[]): Set<string> {
  return new Set(history.flatMap((e) => (e.type === 'ok' ? [`${e.instance}@${e.timeline}`] : [])));
}

describe('pgdrill certify on two real stack generations', () => {
  it('runs every scenario once on each side and reports each generation\'s versions', () => {
    expect(certification.scenarios.map((s) => s.scenario).sort(), cli.stdout).toEqual([...SCENARIOS].sort());
    for (const s of certification.scenarios) {
      expect(s.baseline?.versions).toMatchObject({ stack: 'debian12', patroni: expect.stringContaining('3.0.2') });
      expect(s.candidate?.versions).toMatchObject({ stack: 'debian13', patroni: expect.stringContaining('4.0.7'), postgres: expect.stringContaining('17.') });
    }
    for (const file of ['certify.md', 'certify.html', 'junit.xml']) expect(readdirSync(folder)).toContain(file);
  });

  // Patroni 3.0.2 takes the key back only when its first loop after the thaw still sees itself as the leader, a race
  // with its own etcd watch: most debian12 runs lose writes, not every one (see the README's Limits).
  // Either way certify must report what the runs showed; the fixed path is the usual one.
  it('freeze-etcd3: passes on debian13 with no lost write; fixed, naming the lost writes, when the defect showed on debian12', () => {
    const freeze = scenario('freeze-etcd3');
    expect(freeze.candidate?.verdicts).toEqual(['pass']);
    const lost = freeze.metrics.find((m) => m.metric === 'lost_writes');
    expect(lost?.candidate?.max).toBe(0);
    const baseline = run('baseline', 'freeze-etcd3').report;
    if (baseline.verdict === 'fail') {
      expect(freeze.verdict, freeze.reasons.join('; ')).toBe('fixed');
      expect(freeze.reasons.join('\n')).toMatch(/baseline run \S+: lost_writes == 0 failed: lost_writes = [1-9]/);
      expect(lost?.baseline?.min).toBeGreaterThan(0);
      expect(cli.stdout).toContain('fixed        freeze-etcd3');
    } else {
      expect(baseline.verdict, baseline.verdictReasons.join('; ')).toBe('pass');
      expect(baseline.metrics.lost_writes).toBe(0);
      expect(freeze.verdict).not.toBe('fixed');
      expect(['same', 'improved', 'regressed']).toContain(freeze.verdict);
    }
  });

  it('primary-kill: regressed on debian13 by Patroni 4\'s ttl floor of 20 s, no write lost on either side; the certification fails, exit 1', () => {
    const kill = scenario('primary-kill');
    expect(kill.verdict, kill.reasons.join('; ')).toBe('regressed');
    expect(kill.reasons.join('\n')).toMatch(/^rto_seconds worse: median \S+ → \S+/m);
    const rto = kill.metrics.find((m) => m.metric === 'rto_seconds')!;
    expect(rto.candidate!.min).toBeGreaterThan(rto.baseline!.max!);
    for (const side of [kill.baseline, kill.candidate]) expect(side?.verdicts).toEqual(['pass']);
    expect(kill.metrics.find((m) => m.metric === 'lost_writes')).toMatchObject({ baseline: { max: 0 }, candidate: { max: 0 } });
    expect(certification.verdict).toBe('fail');
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('regressed    primary-kill');
  });

  it('switchover and pitr-bad-delete pass on both sides and show both distributions of their metrics', () => {
    for (const name of ['switchover', 'pitr-bad-delete']) {
      const s = scenario(name);
      expect([s.baseline?.verdicts, s.candidate?.verdicts], `${name}: ${s.reasons.join('; ')}`).toEqual([['pass'], ['pass']]);
      expect(['same', 'improved', 'regressed']).toContain(s.verdict);
    }
    const restore = scenario('pitr-bad-delete').metrics.find((m) => m.metric === 'restore_seconds');
    expect(restore?.baseline?.median).toBeGreaterThan(0);
    expect(restore?.candidate?.median).toBeGreaterThan(0);
    for (const side of ['baseline', 'candidate'] as const) {
      const { report } = run(side, 'pitr-bad-delete');
      expect(report.metrics.restore_missing_writes).toBe(0);
      expect(report.metrics.restore_unexpected_writes).toBe(0);
      expect(report.metrics.backup_verify_errors).toBe(0);
    }
    const rto = scenario('switchover').metrics.find((m) => m.metric === 'rto_seconds');
    expect(rto?.baseline?.values).toHaveLength(1);
    expect(rto?.candidate?.values).toHaveLength(1);
  });

  // The default generation's drills, as drills.test.ts ran them before they moved here: the baseline runs are `pgdrill run <name>` on debian12.
  it('primary-kill (debian12): no lost write, an RTO that fits Patroni timings, writes on two timelines', () => {
    const { report, history } = run('baseline', 'primary-kill');
    expect(report.verdict, report.verdictReasons.join('; ')).toBe('pass');
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

  it('switchover (both generations): writes move to the new primary quickly with no lost write', () => {
    for (const side of ['baseline', 'candidate'] as const) {
      const { report, history } = run(side, 'switchover');
      expect(report.verdict, `${side}: ${report.verdictReasons.join('; ')}`).toBe('pass');
      expect(report.metrics.lost_writes).toBe(0);
      expect(report.rto[0]!.newInstance).toBe(true);
      expect(timelinesServed(history).size).toBeGreaterThanOrEqual(2);
    }
  });
});
