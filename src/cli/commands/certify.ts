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
import type { TargetKind } from '../../targets/target.ts';
import { STACK_GENERATIONS } from '../../scenario/types.ts';
import { isKubeGenerationSpelling, OPERATOR_RELEASES, parseKubeGeneration } from '../../targets/kube/kube-generation.ts';
import { targetDriver } from '../../targets/registry.ts';
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

/** The run flag each target's generation goes into; the sides set it, so certify refuses it on its own. */
const GENERATION_KEY = { local: 'stack', kind: 'generation', kubernetes: 'generation' } as const;

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
  const target = targetDriver(flags.target).kind;
  const generationKey = GENERATION_KEY[target];
  if (flags[generationKey] !== undefined) {
    throw new UsageError(`--${generationKey} does not go with certify: --baseline and --candidate name each side's generation`);
  }
  // What each side is, before anything is made for either (a bad candidate leaves no baseline folder behind).
  const kinds = (['baseline', 'candidate'] as const).map((name) => classify(`--${name}`, flags[name], scenarios, target));
  if (target === 'kubernetes' && kinds.every((k) => k === 'generation')) sameInstalledOperator(flags.baseline, flags.candidate);
  const baseline = await side('--baseline', flags.baseline, scenarios, flags, join(dir, 'baseline'));
  const candidate = await side('--candidate', flags.candidate, scenarios, flags, join(dir, 'candidate'));
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
 * A generation of the target, or a report folder. A generation is the
 * target's own kind: a stack generation with --target local, a kube
 * generation (parsed here, exit 2 when bad) with kind and kubernetes.
 */
function classify(flag: string, value: string, scenarios: readonly string[], target: TargetKind): 'generation' | 'reports' {
  const local = (STACK_GENERATIONS as readonly string[]).includes(value);
  const kube = isKubeGenerationSpelling(value);
  if (target === 'local' && kube) throw new UsageError(`${flag} ${value} is a kube generation: it runs with --target kind or --target kubernetes`);
  if (target !== 'local' && local) {
    throw new UsageError(`${flag} ${value} is a local stack generation: it runs with --target local (--target ${target} takes cnpg-<operator version>[+<PostgreSQL image>])`);
  }
  if (kube) parseKubeGeneration(value, flag);
  if (local || kube) {
    if (scenarios.length === 0) throw new UsageError(`${flag} ${value} is a ${local ? 'stack' : 'kube'} generation: name the scenarios to run on it (e.g. primary-kill switchover)`);
    return 'generation';
  }
  if (!existsSync(value)) {
    const expected = target === 'local' ? `a stack generation (${STACK_GENERATIONS.join(', ')})` : `a kube generation (cnpg-<operator version>[+<PostgreSQL image>]; operator versions ${OPERATOR_RELEASES.map((r) => r.version).join(', ')})`;
    throw new UsageError(`${flag} "${value}" is neither ${expected} nor a report folder`);
  }
  return 'reports';
}

/** The kubernetes target installs no operator: both sides run on the installed one, so only their images may differ. */
function sameInstalledOperator(baseline: string, candidate: string): void {
  const a = parseKubeGeneration(baseline, '--baseline').operator.version;
  const b = parseKubeGeneration(candidate, '--candidate').operator.version;
  if (a !== b) {
    throw new UsageError(
      `--target kubernetes runs both sides on the installed CloudNativePG, but --baseline names ${a} and --candidate ${b}: certify an operator upgrade with --target kind, or certify two finished report folders`,
    );
  }
}

async function side(flag: string, value: string, scenarios: readonly string[], flags: CertifyFlags, root: string): Promise<Side> {
  const target = targetDriver(flags.target).kind;
  if (classify(flag, value, scenarios, target) === 'generation') {
    const { baseline: _b, candidate: _c, tolerance: _t, reportDir: _r, repeat, ...runFlags } = flags;
    const prepared = await prepareRun(scenarios, { ...runFlags, target, [GENERATION_KEY[target]]: value, reportDir: root, ...(repeat !== undefined ? { repeat } : {}) });
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
