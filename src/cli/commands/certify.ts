import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EXIT, UsageError } from '../../errors.ts';
import { certify, type Certification } from '../../compare/certify.ts';
import { CERTIFY_FILES, writeCertificationReports } from '../../compare/certify-report.ts';
import { parseTolerances } from '../../compare/compare.ts';
import { loadRuns } from '../../compare/load-runs.ts';
import { verdictExitCode } from '../../judge/verdict.ts';
import { checkReportFolder } from '../../report/report-folder.ts';
import type { RunResult } from '../../report/run-result.ts';
import type { TargetDriver, TargetGenerations } from '../../targets/driver.ts';
import { TARGET_DRIVERS, targetDriver } from '../../targets/registry.ts';
import { newRunId } from '../local-options.ts';
import { logLine, printLine } from '../output.ts';
import { prepareRun, type PreparedRun } from './run.ts';

export interface CertifyFlags extends Record<string, unknown> {
  baseline: string;
  candidate: string;
  /** Where a side given as a generation runs: local (default; debian12, debian13), kind or kubernetes (cnpg-<version>[+<image>]). */
  target?: string;
  repeat?: string;
  tolerance?: string[];
  reportDir?: string;
}

/** A target that names no generations: only report folders can be its sides. */
const NONE: TargetGenerations = { key: 'generation', noun: 'generation', description: 'a generation (this target has none)', spelledAs: () => false, check: () => undefined };

const generationsOf = (driver: TargetDriver): TargetGenerations => driver.generations ?? NONE;

type Side = { label: string; kind: 'generation'; prepared: PreparedRun; root: string } | { label: string; kind: 'reports'; runs: RunResult[] };

/**
 * `pgdrill certify --baseline X --candidate Y [scenarios...] [--repeat N]`:
 * X and Y are each a generation of the target (local: a stack generation;
 * kind, kubernetes: a kube generation, kube-generation.ts; the scenarios run
 * on it, N times each) or a finished report folder (its runs are reused).
 * Both sides are checked before either runs (exit 2). The certification report goes to
 * <report-dir>/certify-<id>/, beside each side's runs; exit 1 when a
 * scenario regressed or broke, 3 when one could not be told, 0 otherwise.
 */
export async function certifyCommand(scenarios: readonly string[], flags: CertifyFlags): Promise<number> {
  const tolerances = parseTolerances(flags.tolerance ?? []);
  const reportRoot = flags.reportDir ?? 'reports';
  checkReportFolder(reportRoot);
  const dir = join(reportRoot, `certify-${newRunId()}`);
  const driver = targetDriver(flags.target);
  const generations = generationsOf(driver);
  // The sides set the run option a generation goes into.
  if (flags[generations.key] !== undefined) {
    throw new UsageError(`--${generations.key} does not go with certify: --baseline and --candidate name each side's generation`);
  }
  // What each side is, before anything is made for either (a bad candidate leaves no baseline folder behind).
  const kinds = (['baseline', 'candidate'] as const).map((name) => classify(`--${name}`, flags[name], scenarios, driver));
  if (kinds.every((k) => k === 'generation')) generations.checkPair?.(flags.baseline, flags.candidate);
  const baseline = await side(kinds[0]!, '--baseline', flags.baseline, scenarios, flags, driver, join(dir, 'baseline'));
  const candidate = await side(kinds[1]!, '--candidate', flags.candidate, scenarios, flags, driver, join(dir, 'candidate'));
  if (baseline.kind === 'reports' && candidate.kind === 'reports' && scenarios.length > 0) {
    throw new UsageError('scenarios were named, but both sides are finished report folders: nothing would run them');
  }
  mkdirSync(dir, { recursive: true });
  logLine(`pgdrill: certifying ${candidate.label} against ${baseline.label}; reports in ${dir}`);
  const runsOf = async (s: Side): Promise<RunResult[] | number> => {
    if (s.kind === 'reports') return s.runs;
    logLine(`pgdrill: certify: running the ${s === baseline ? 'baseline' : 'candidate'} (${s.label})`);
    const code = await s.prepared.execute();
    if (code === EXIT.interrupted) return code;
    return loadRuns(s.prepared.suiteDir ?? s.root);
  };
  const a = await runsOf(baseline);
  if (typeof a === 'number') return a;
  const b = await runsOf(candidate);
  if (typeof b === 'number') return b;
  const certification = certify({ label: baseline.label, runs: a }, { label: candidate.label, runs: b }, tolerances);
  writeCertificationReports(certification, dir);
  printCertification(certification, dir);
  return verdictExitCode(certification.verdict);
}

/**
 * A generation of the target (checked here, exit 2 when bad), or a report
 * folder. A generation written for another target is refused, naming it.
 */
function classify(flag: string, value: string, scenarios: readonly string[], driver: TargetDriver): 'generation' | 'reports' {
  const own = generationsOf(driver);
  if (own.spelledAs(value)) {
    own.check(value, flag);
    if (scenarios.length === 0) throw new UsageError(`${flag} ${value} is a ${own.noun}: name the scenarios to run on it (e.g. primary-kill switchover)`);
    return 'generation';
  }
  const others = Object.values(TARGET_DRIVERS).filter((d) => d.kind !== driver.kind && generationsOf(d).spelledAs(value));
  if (others.length > 0) {
    const where = others.map((d) => `--target ${d.kind}`).join(' or ');
    throw new UsageError(`${flag} ${value} is a ${generationsOf(others[0]!).noun}: it runs with ${where} (--target ${driver.kind} takes ${own.description})`);
  }
  if (!existsSync(value)) throw new UsageError(`${flag} "${value}" is neither ${own.description} nor a report folder`);
  return 'reports';
}

/** One side, as classify() found it: a generation prepared to run (every check made, nothing started), or a report folder's runs. */
async function side(
  kind: 'generation' | 'reports',
  flag: string,
  value: string,
  scenarios: readonly string[],
  flags: CertifyFlags,
  driver: TargetDriver,
  root: string,
): Promise<Side> {
  if (kind === 'generation') {
    const { baseline: _b, candidate: _c, tolerance: _t, reportDir: _r, repeat, ...runFlags } = flags;
    const prepared = await prepareRun(scenarios, {
      ...runFlags,
      target: driver.kind,
      [generationsOf(driver).key]: value,
      reportDir: root,
      ...(repeat !== undefined ? { repeat } : {}),
    });
    return { label: value, kind: 'generation', prepared, root };
  }
  if (flags.repeat !== undefined) logLine(`pgdrill: ${flag} ${value} is a finished report folder: --repeat does not apply to it`);
  return { label: value, kind: 'reports', runs: await loadRuns(value) };
}

function printCertification(c: Certification, dir: string): void {
  printLine(`certify ${c.candidate} against ${c.baseline}: ${c.verdict.toUpperCase()}`);
  for (const s of c.scenarios) printLine(`  ${s.verdict.padEnd(12)} ${s.scenario}${s.reasons[0] ? `: ${s.reasons[0]}` : ''}`);
  printLine(`  report: ${relative(process.cwd(), join(dir, CERTIFY_FILES.md))} (also ${CERTIFY_FILES.html}, ${CERTIFY_FILES.json}, ${CERTIFY_FILES.junit})`);
}
