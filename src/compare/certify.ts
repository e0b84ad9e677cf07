import { METRICS, METRIC_NAMES, type MetricName, type Tolerance } from '../checks/metric-catalogue.ts';
import { mergeVerdicts, type Verdict } from '../judge/verdict.ts';
import { scenarioDistributions, type MetricDistribution, type ScenarioDistribution } from '../report/distributions.ts';
import type { RunResult } from '../report/run-result.ts';
import { allowedWorsening } from './compare.ts';

/** What became of a scenario, or of one of its metrics, from the baseline to the candidate. */
export type CertifyVerdict = 'regressed' | 'improved' | 'fixed' | 'broken' | 'same' | 'inconclusive';

export interface MetricCertification {
  metric: MetricName;
  baseline: MetricDistribution | null;
  candidate: MetricDistribution | null;
  /** Candidate median minus baseline median; null when a side has no value. */
  difference: number | null;
  /** Gated metrics only: the allowance from the catalogue or --tolerance. */
  tolerance: Tolerance | null;
  /** For times: the larger RTO resolution of the two sides, which a difference must also exceed. */
  resolution: number | null;
  /** 'informational' metrics are shown and never judged. */
  verdict: 'regressed' | 'improved' | 'same' | 'informational' | 'not-comparable';
  note?: string;
}

export interface CertifiedSide {
  runIds: string[];
  verdicts: Verdict[];
  /** Versions the runs reported (the first run's environment: stack, postgres, patroni, ...). */
  versions: Record<string, string>;
}

export interface ScenarioCertification {
  scenario: string;
  baseline: CertifiedSide | null;
  candidate: CertifiedSide | null;
  verdict: CertifyVerdict;
  /** One line per reason for the verdict (the metrics that moved, the verdicts that changed). */
  reasons: string[];
  metrics: MetricCertification[];
}

export interface Certification {
  schemaVersion: 1;
  kind: 'certification';
  baseline: string;
  candidate: string;
  /** fail: something regressed or broke; inconclusive: a scenario could not be told; pass otherwise. */
  verdict: Verdict;
  scenarios: ScenarioCertification[];
}

/**
 * Certifies a candidate against a baseline, scenario by scenario, from their
 * repeated runs. A scenario is fixed when it failed on the baseline and
 * every candidate run passed, broken the other way round, and inconclusive
 * when a side lacks it or has runs that are neither pass nor fail. Otherwise
 * it is regressed when a gated metric got worse beyond the noise (see
 * certifyMetric), improved when one got better and none worse, same when
 * neither.
 */
export function certify(
  baseline: { label: string; runs: readonly RunResult[] },
  candidate: { label: string; runs: readonly RunResult[] },
  overrides: Partial<Record<MetricName, Tolerance>> = {},
): Certification {
  const a = byScenario(baseline.runs);
  const b = byScenario(candidate.runs);
  const names = [...a.keys(), ...[...b.keys()].filter((k) => !a.has(k))];
  const scenarios = names.map((name) => certifyScenario(name, a.get(name) ?? null, b.get(name) ?? null, overrides));
  const failed = scenarios.some((s) => s.verdict === 'regressed' || s.verdict === 'broken');
  const unclear = scenarios.some((s) => s.verdict === 'inconclusive');
  return {
    schemaVersion: 1,
    kind: 'certification',
    baseline: baseline.label,
    candidate: candidate.label,
    verdict: failed ? 'fail' : unclear || scenarios.length === 0 ? 'inconclusive' : 'pass',
    scenarios,
  };
}

interface Side {
  distribution: ScenarioDistribution;
  runs: RunResult[];
}

function byScenario(runs: readonly RunResult[]): Map<string, Side> {
  const out = new Map<string, Side>();
  for (const distribution of scenarioDistributions(runs)) {
    out.set(distribution.scenario, { distribution, runs: runs.filter((r) => r.scenario === distribution.scenario) });
  }
  return out;
}

/** pass: every run passed; fail: at least one failed; unclear: no failure, but a run that is neither (inconclusive, skipped, interrupted). */
function outcome(side: Side): 'pass' | 'fail' | 'unclear' {
  const merged = mergeVerdicts(...side.distribution.verdicts);
  return merged === 'pass' ? 'pass' : side.distribution.verdicts.includes('fail') ? 'fail' : 'unclear';
}

function certifyScenario(name: string, a: Side | null, b: Side | null, overrides: Partial<Record<MetricName, Tolerance>>): ScenarioCertification {
  const side = (s: Side | null): CertifiedSide | null =>
    s ? { runIds: s.distribution.runIds, verdicts: s.distribution.verdicts, versions: versionsOf(s.runs[0]!) } : null;
  const base = { scenario: name, baseline: side(a), candidate: side(b) };
  if (!a || !b) {
    return { ...base, verdict: 'inconclusive', reasons: [`${name} was not run on the ${a ? 'candidate' : 'baseline'}`], metrics: [] };
  }
  const resolution = maxOf([...valuesOf(a, 'rto_resolution_seconds'), ...valuesOf(b, 'rto_resolution_seconds')]);
  const metrics = METRIC_NAMES.flatMap((metric) => {
    const da = a.distribution.metrics.find((m) => m.metric === metric) ?? null;
    const db = b.distribution.metrics.find((m) => m.metric === metric) ?? null;
    return da || db ? [certifyMetric(metric, da, db, overrides[metric], resolution)] : [];
  });
  const [oa, ob] = [outcome(a), outcome(b)];
  const verdictsText = `baseline ${a.distribution.verdicts.join(', ')}; candidate ${b.distribution.verdicts.join(', ')}`;
  if (oa === 'fail' && ob === 'pass') return { ...base, verdict: 'fixed', reasons: [`failed on the baseline, passes on the candidate (${verdictsText})`, ...failureLines('baseline', a)], metrics };
  if (oa === 'pass' && ob === 'fail') return { ...base, verdict: 'broken', reasons: [`passed on the baseline, fails on the candidate (${verdictsText})`, ...failureLines('candidate', b)], metrics };
  if (oa === 'unclear' || ob === 'unclear') {
    return { ...base, verdict: 'inconclusive', reasons: [`a run that neither passed nor failed (${verdictsText}): the change cannot be told`], metrics };
  }
  const regressed = metrics.filter((m) => m.verdict === 'regressed');
  const improved = metrics.filter((m) => m.verdict === 'improved');
  const reasons = [...regressed, ...improved].map((m) => m.note!);
  if (oa === 'fail' && ob === 'fail') reasons.unshift(`fails on both sides (${verdictsText})`);
  return { ...base, verdict: regressed.length > 0 ? 'regressed' : improved.length > 0 ? 'improved' : 'same', reasons, metrics };
}

/**
 * A gated metric regressed when the candidate's median is worse than the
 * baseline's by more than the tolerance, the two sides' ranges do not
 * overlap (every candidate run worse than every baseline run: beyond the
 * runs' own noise), and, for times, by more than the larger RTO
 * resolution of either side. Improved is the same test the other way. A
 * metric the baseline measured and no candidate run did regressed.
 */
export function certifyMetric(
  metric: MetricName,
  a: MetricDistribution | null,
  b: MetricDistribution | null,
  override: Tolerance | undefined,
  resolution: number | null,
): MetricCertification {
  const info = METRICS[metric];
  const difference = a && b ? round(b.median! - a.median!) : null;
  const base = { metric, baseline: a, candidate: b, difference };
  if (info.direction === 'informational') return { ...base, tolerance: null, resolution: null, verdict: 'informational' };
  const tolerance = override ?? info.tolerance;
  const noise = info.unit === 'seconds' ? resolution : null;
  const judged = { ...base, tolerance, resolution: noise };
  if (a && !b) return { ...judged, verdict: 'regressed', note: `${metric}: measured on the baseline (median ${a.median}), on no candidate run` };
  if (!a || !b) return { ...judged, verdict: 'not-comparable', note: `${metric}: no baseline value` };
  const allowed = Math.max(allowedWorsening(tolerance, a.median!), noise ?? 0);
  const worse = round(b.median! - a.median!);
  const range = (d: MetricDistribution) => `${d.min}–${d.max}`;
  const moved = `median ${a.median} → ${b.median} (baseline ${range(a)}, candidate ${range(b)}; allowed ${round(allowed)})`;
  if (worse > allowed && b.min! > a.max!) return { ...judged, verdict: 'regressed', note: `${metric} worse: ${moved}` };
  if (-worse > allowed && b.max! < a.min!) return { ...judged, verdict: 'improved', note: `${metric} better: ${moved}` };
  return { ...judged, verdict: 'same' };
}

function failureLines(label: string, side: Side): string[] {
  const lines = side.runs.filter((r) => r.verdict === 'fail').flatMap((r) => r.verdictReasons.map((reason) => `${label} run ${r.runId}: ${reason}`));
  return [...new Set(lines)].slice(0, 6);
}

function versionsOf(run: RunResult): Record<string, string> {
  const env = run.environment;
  // local: the generation and its packages; kind and kubernetes: the generation, the operator's and the Cluster's images, the plugin's, the API server's.
  const keys = ['stack', 'postgres', 'patroni', 'pgbackrest', 'etcd', 'haproxy', 'operator', 'image', 'cloudnativePg', 'postgresImage', 'barmanCloudPlugin', 'kubernetes'];
  return Object.fromEntries(keys.flatMap((k) => (typeof env[k] === 'string' ? [[k, env[k]]] : [])));
}

function valuesOf(side: Side, metric: MetricName): number[] {
  return side.distribution.metrics.find((m) => m.metric === metric)?.values ?? [];
}

function maxOf(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
