import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { analyzeRun, type RunAnalysis } from '../checks/analyze.ts';
import type { RestoreTestObservation } from '../checks/restore-test.ts';
import { InterruptedError, PgdrillError } from '../errors.ts';
import { createRunClock } from '../history/clock.ts';
import type { HistoryBody, PhaseName } from '../history/events.ts';
import { HISTORY_FILE, HistoryRecorder } from '../history/recorder.ts';
import { judgeRun, type RunnerOutcome } from '../judge/judge-run.ts';
import type { TeardownStack } from '../lifecycle/teardown-stack.ts';
import type { Progress } from '../progress/progress.ts';
import { buildRunResult } from '../report/build-run-result.ts';
import { publishRun, type RunPublishOptions } from '../report/publish.ts';
import type { ReporterOutcome } from '../report/reporter.ts';
import type { RunResult } from '../report/run-result.ts';
import { parseThreshold } from '../scenario/thresholds.ts';
import type { Scenario } from '../scenario/types.ts';
import type { RestoreSource, ScratchRestore } from '../targets/restore-source.ts';
import type { RecoveryTarget } from '../targets/target.ts';
import { PGDRILL_VERSION } from '../version.ts';
import type { RestoreTestConfig } from './restore-test-config.ts';

/** What every restore test gates on; a config's thresholds come on top. */
const DEFAULT_THRESHOLDS = ['restore_target_missed == 0', 'amcheck_errors == 0', 'restore_assertions_failed == 0'];

export interface RestoreTestOptions {
  config: RestoreTestConfig;
  source: RestoreSource;
  runId: string;
  reportDir: string;
  progress: Progress;
  signal: AbortSignal;
  /** The scratch's removal goes here before it is created; the caller runs what is left on a forced exit. */
  teardowns: TeardownStack;
  publish?: Omit<RunPublishOptions, 'reportDir'>;
}

export interface RestoreTestOutcome {
  result: RunResult;
  reportDir: string;
  reporters: ReporterOutcome[];
}

/**
 * `pgdrill restore-test`: a restore test of an existing repository, with no
 * ledger and nothing written to the source. Restores the latest backup (or
 * to a time) into a scratch instance and measures how long that took;
 * checks that recovery reached its target, runs pg_amcheck over heap and
 * btree indexes, counts the rows of every table, runs the user's SQL
 * assertions; reports like a drill (the same reporters) and removes the
 * scratch on every path.
 */
export async function runRestoreTest(options: RestoreTestOptions): Promise<RestoreTestOutcome> {
  const { config, source, progress, signal, teardowns } = options;
  const clock = createRunClock();
  const recorder = new HistoryRecorder(join(options.reportDir, HISTORY_FILE), clock);
  const record = (body: HistoryBody): void => void recorder.record(body);
  const startedAt = new Date().toISOString();
  record({ type: 'run-start', runId: options.runId, scenario: 'restore-test', target: config.source.kind });
  const phase = async <T>(name: PhaseName, work: () => Promise<T>): Promise<T> => {
    record({ type: 'phase', phase: name, edge: 'begin' });
    try {
      return await progress.phase(name, work);
    } finally {
      record({ type: 'phase', phase: name, edge: 'end' });
    }
  };
  const scenario = restoreTestScenario(config, source);
  let analysis: RunAnalysis | null = null;
  let outcome: RunnerOutcome | undefined;
  const errors: string[] = [];
  let environment: Record<string, string> = { pgdrill: PGDRILL_VERSION, node: process.version, host: hostname(), user: safeUser() };
  try {
    environment = { ...environment, ...(await source.versions()) };
    const target: RecoveryTarget = config.target === 'latest' ? { kind: 'latest' } : { kind: 'time', time: new Date(config.target).toISOString() };
    const started = performance.now();
    const scratch = await phase('provision', () => source.restore(target, 'restore-test', teardowns));
    const seconds = Math.round(performance.now() - started) / 1000;
    progress.note(`restored in ${seconds}s (timeline ${scratch.reached.timeline ?? '?'}, last commit ${scratch.reached.lastCommitAt ?? 'unknown'})`);
    signal.throwIfAborted();
    const observation = await phase('verify', () => observe(scratch, config, seconds));
    analysis = await analyzeRun(recorder.events(), { primary: null, instances: [], restoreTest: observation });
  } catch (error) {
    if (signal.aborted || error instanceof InterruptedError) {
      outcome = { verdict: 'interrupted', reason: 'interrupted by a signal; the scratch instance removed' };
    } else {
      const message = error instanceof Error ? error.message : String(error);
      errors.push(message);
      outcome = { verdict: 'inconclusive', reason: error instanceof PgdrillError ? error.message : `the restore test could not finish: ${message}` };
    }
  }
  const failures = await phase('teardown', () => teardowns.runAll((name) => progress.note(name)));
  for (const f of failures) errors.push(`cleanup "${f.name}" failed: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
  const result = buildRunResult({
    scenario,
    scenarioFile: config.file,
    scenarioSha256: '',
    target: config.source.kind,
    runId: options.runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    environment,
    targetConfiguration: { source: source.description, recoveryTarget: config.target, assertions: config.assertions.length },
    history: recorder.events(),
    analysis,
    judgement: judgeRun({ thresholds: scenario.thresholds, analysis, ...(outcome ? { outcome } : {}) }),
    errors,
  });
  record({ type: 'run-end', verdict: result.verdict });
  recorder.close();
  const reporters = await progress.phase('report', () => publishRun(result, { ...options.publish, reportDir: options.reportDir }));
  return { result, reportDir: options.reportDir, reporters };
}

async function observe(scratch: ScratchRestore, config: RestoreTestConfig, seconds: number): Promise<RestoreTestObservation> {
  const databases = (await scratch.query('postgres', 'SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1')).map((r) => r[0]!);
  const tables: RestoreTestObservation['tables'] = [];
  for (const database of databases) {
    const names = await scratch.query(database, "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
    for (const [table] of names) {
      const [[rows] = ['0']] = await scratch.query(database, `SELECT count(*) FROM ${table}`);
      tables.push({ database, table: table!, rows: Number(rows) });
    }
  }
  const amcheck = await scratch.amcheck();
  const assertions: RestoreTestObservation['assertions'] = [];
  for (const a of config.assertions) {
    const expected = a.expect.map((row) => row.join('|'));
    try {
      const got = (await scratch.query(a.database, a.sql)).map((row) => row.join('|'));
      assertions.push({ name: a.name, ok: JSON.stringify(got) === JSON.stringify(expected), expected, got });
    } catch (error) {
      assertions.push({ name: a.name, ok: false, expected, got: [], error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { target: config.target, seconds, reached: scratch.reached, tables, amcheck, assertions };
}

/** The restore test as the scenario the reports show: its one step and its thresholds. */
function restoreTestScenario(config: RestoreTestConfig, source: RestoreSource): Scenario {
  const thresholds = [...DEFAULT_THRESHOLDS.map(parseThreshold), ...config.thresholds];
  return {
    name: 'restore-test',
    description: `A restore test of ${source.description}: restore ${config.target === 'latest' ? 'the latest backup to the end of its WAL' : `to ${config.target}`} into a scratch instance, then amcheck, row counts and ${config.assertions.length} assertion(s); nothing is written to the source.`,
    cluster: { zones: ['restore'], synchronous: 'off', dcs: 'per-zone', failsafe: false, etcdApi: 'v2' },
    workload: { writers: 0, rate: 0 },
    steps: [],
    thresholds,
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
