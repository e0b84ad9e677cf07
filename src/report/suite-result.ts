import { hostname, userInfo } from 'node:os';
import { relative } from 'node:path';
import { judgeSuite } from '../judge/judge-suite.ts';
import type { Verdict } from '../judge/verdict.ts';
import { redactCommandLine } from './audit.ts';
import { scenarioDistributions, type ScenarioDistribution } from './distributions.ts';
import type { RunResult } from './run-result.ts';

/** One run of a suite, as suite.json lists it; the run's own report.json has the rest. */
export interface SuiteRun {
  scenario: string;
  runId: string;
  verdict: Verdict;
  durationSeconds: number;
  /** The run's report folder, relative to the suite folder. */
  dir: string;
}

/**
 * suite.json: what `pgdrill compare` and other tools read of a suite. The
 * verdict is the worst of its runs (judgeSuite); a scenario not run
 * because the suite was interrupted is listed in notRun.
 */
export interface SuiteResult {
  schemaVersion: 1;
  kind: 'suite';
  suiteId: string;
  verdict: Verdict;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  runs: SuiteRun[];
  notRun: { scenario: string; reason: string }[];
  /** Scenarios run more than once (--repeat): each metric's values, min, median and max. */
  distributions: ScenarioDistribution[];
  audit: { host: string; user: string; target: string; commandLine: string[]; workingDirectory: string };
}

export interface SuiteInput {
  suiteId: string;
  suiteDir: string;
  target: string;
  startedAt: string;
  finishedAt: string;
  runs: { result: RunResult; reportDir: string }[];
  notRun: { scenario: string; reason: string }[];
  commandLine?: readonly string[];
}

export function buildSuiteResult(input: SuiteInput): SuiteResult {
  return {
    schemaVersion: 1,
    kind: 'suite',
    suiteId: input.suiteId,
    verdict: judgeSuite(input.runs.map((r) => r.result.verdict), input.notRun.length),
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationSeconds: Math.max(0, (Date.parse(input.finishedAt) - Date.parse(input.startedAt)) / 1000),
    runs: input.runs.map(({ result, reportDir }) => ({
      scenario: result.scenario,
      runId: result.runId,
      verdict: result.verdict,
      durationSeconds: result.durationSeconds,
      dir: relative(input.suiteDir, reportDir) || '.',
    })),
    notRun: input.notRun,
    distributions: scenarioDistributions(input.runs.map((r) => r.result)).filter((d) => d.runIds.length > 1),
    audit: {
      host: input.runs[0]?.result.environment.host ?? hostname(),
      user: input.runs[0]?.result.environment.user ?? safeUser(),
      target: input.target,
      commandLine: redactCommandLine(input.commandLine ?? process.argv),
      workingDirectory: process.cwd(),
    },
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
