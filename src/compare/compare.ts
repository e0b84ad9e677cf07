import { METRICS, METRIC_NAMES, isMetricName, type MetricName } from '../checks/metric-names.ts';
import type { Verdict } from '../checks/verdict.ts';
import { UsageError } from '../errors.ts';
import { didYouMean } from '../scenario/suggest.ts';
import type { RunResult } from '../report/run-result.ts';

/** Which way a metric gets worse. Informational metrics are shown, never gated. */
export type Direction = 'lower-is-better' | 'informational';

export interface Tolerance {
  /** Allowed worsening in the metric's unit. */
  absolute: number;
  /** Allowed worsening as a fraction of the baseline (A) value. */
  relative: number;
}

interface MetricRule {
  direction: Direction;
  tolerance?: Tolerance;
}

const ZERO: Tolerance = { absolute: 0, relative: 0 };
/** Durations measured with ~0.5–1 s resolution and Patroni's loop jitter: 1 s or 20 % of the baseline. */
const TIMING: Tolerance = { absolute: 1, relative: 0.2 };
const BYTES: Tolerance = { absolute: 16 * 1024 * 1024, relative: 0.5 };

/**
 * Per metric: which way is worse and the default tolerance (`--tolerance`
 * overrides). Correctness counts (lost, phantom, split-brain, divergence,
 * gaps) tolerate nothing; timings tolerate measurement noise; workload volume
 * and the measurement's own resolution are informational. A metric missing
 * here is informational (the rules test names every metric).
 */
export const METRIC_RULES: Partial<Record<MetricName, MetricRule>> = {
  writes_invoked: { direction: 'informational' },
  writes_ok: { direction: 'informational' },
  writes_failed: { direction: 'informational' },
  writes_unknown: { direction: 'informational' },
  recovered_writes: { direction: 'informational' },
  rto_resolution_seconds: { direction: 'informational' },
  faults_injected: { direction: 'informational' },
  restore_row_count: { direction: 'informational' },
  restore_expected_min: { direction: 'informational' },
  restore_expected_max: { direction: 'informational' },
  lost_writes: { direction: 'lower-is-better', tolerance: ZERO },
  unexpected_writes: { direction: 'lower-is-better', tolerance: ZERO },
  phantom_writes: { direction: 'lower-is-better', tolerance: ZERO },
  rpo_seconds: { direction: 'lower-is-better', tolerance: TIMING },
  rto_seconds: { direction: 'lower-is-better', tolerance: TIMING },
  write_downtime_seconds: { direction: 'lower-is-better', tolerance: TIMING },
  server_rto_seconds: { direction: 'lower-is-better', tolerance: TIMING },
  faults_unhealed: { direction: 'lower-is-better', tolerance: ZERO },
  split_brain_windows: { direction: 'lower-is-better', tolerance: ZERO },
  split_brain_seconds: { direction: 'lower-is-better', tolerance: ZERO },
  diverged_replicas: { direction: 'lower-is-better', tolerance: ZERO },
  writes_blocked_on_sync_seconds: { direction: 'lower-is-better', tolerance: TIMING },
  no_primary_seconds: { direction: 'lower-is-better', tolerance: TIMING },
  replication_lag_max_bytes: { direction: 'lower-is-better', tolerance: BYTES },
  archive_failed_count: { direction: 'lower-is-better', tolerance: { absolute: 5, relative: 0.5 } },
  archive_max_age_seconds: { direction: 'lower-is-better', tolerance: { absolute: 5, relative: 0.5 } },
  archive_catchup_seconds: { direction: 'lower-is-better', tolerance: TIMING },
  wal_retained_max_bytes: { direction: 'lower-is-better', tolerance: BYTES },
  archive_gaps: { direction: 'lower-is-better', tolerance: ZERO },
  restore_seconds: { direction: 'lower-is-better', tolerance: TIMING },
  restore_missing_writes: { direction: 'lower-is-better', tolerance: ZERO },
  restore_unexpected_writes: { direction: 'lower-is-better', tolerance: ZERO },
};

export type MetricStatus = 'regression' | 'within-tolerance' | 'same' | 'improvement' | 'informational' | 'not-comparable';

export interface MetricComparison {
  metric: MetricName;
  direction: Direction;
  a: number | null;
  b: number | null;
  /** b − a; null when either is null. */
  difference: number | null;
  tolerance: Tolerance | null;
  status: MetricStatus;
  note?: string;
}

export interface ScenarioComparison {
  scenario: string;
  a: { runId: string; verdict: Verdict } | null;
  b: { runId: string; verdict: Verdict } | null;
  regression: boolean;
  /** Why this scenario is a regression, one line each. */
  reasons: string[];
  metrics: MetricComparison[];
}

export interface Comparison {
  a: string;
  b: string;
  regressions: number;
  scenarios: ScenarioComparison[];
}

/** Parses `--tolerance metric=value` (absolute, in the metric's unit) or `metric=value%` (relative to A). */
export function parseTolerances(specs: readonly string[]): Partial<Record<MetricName, Tolerance>> {
  const out: Partial<Record<MetricName, Tolerance>> = {};
  for (const spec of specs) {
    const match = /^\s*([a-z_][a-z0-9_]*)\s*=\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/i.exec(spec);
    if (!match) throw new UsageError(`--tolerance expects metric=number or metric=number% (got "${spec}")`);
    const [, metric = '', number = '0', percent] = match;
    if (!isMetricName(metric)) throw new UsageError(`--tolerance: unknown metric "${metric}"${didYouMean(metric, METRIC_NAMES)}`);
    if ((METRIC_RULES[metric]?.direction ?? 'informational') === 'informational') {
      throw new UsageError(`--tolerance: ${metric} is informational (no direction is worse), so it has no tolerance`);
    }
    const value = Number(number);
    out[metric] = percent ? { absolute: 0, relative: value / 100 } : { absolute: value, relative: 0 };
  }
  return out;
}

/**
 * Compares runs per scenario, A the baseline and B the candidate. A scenario
 * regresses when a gated metric got worse by more than its tolerance (the
 * larger of the absolute and the relative allowance), when a metric A
 * measured has no value in B, when A passed and B did not, or when B lacks
 * a scenario A ran.
 */
export function compareRuns(
  a: { label: string; runs: readonly RunResult[] },
  b: { label: string; runs: readonly RunResult[] },
  overrides: Partial<Record<MetricName, Tolerance>> = {},
): Comparison {
  const byA = keyed(a.runs);
  const byB = keyed(b.runs);
  const keys = [...byA.keys(), ...[...byB.keys()].filter((k) => !byA.has(k))];
  const scenarios = keys.map((key) => compareScenario(key, byA.get(key) ?? null, byB.get(key) ?? null, overrides));
  return { a: a.label, b: b.label, regressions: scenarios.filter((s) => s.regression).length, scenarios };
}

function compareScenario(key: string, a: RunResult | null, b: RunResult | null, overrides: Partial<Record<MetricName, Tolerance>>): ScenarioComparison {
  const reasons: string[] = [];
  if (a && !b) reasons.push(`${key} was run in A but not in B`);
  if (a?.verdict === 'pass' && b && b.verdict !== 'pass') reasons.push(`verdict was pass in A, ${b.verdict} in B`);
  const metrics = a && b ? METRIC_NAMES.map((m) => compareMetric(m, a, b, overrides[m])) : [];
  for (const m of metrics) {
    if (m.status !== 'regression') continue;
    reasons.push(m.note ?? `${m.metric} went from ${m.a} to ${m.b} (+${round(m.difference ?? 0)}, tolerance ${toleranceText(m.tolerance)})`);
  }
  return {
    scenario: key,
    a: a ? { runId: a.runId, verdict: a.verdict } : null,
    b: b ? { runId: b.runId, verdict: b.verdict } : null,
    regression: reasons.length > 0,
    reasons,
    metrics,
  };
}

function compareMetric(metric: MetricName, ra: RunResult, rb: RunResult, override: Tolerance | undefined): MetricComparison {
  const rule = METRIC_RULES[metric] ?? { direction: 'informational' as const };
  const a = ra.metrics[metric] ?? null;
  const b = rb.metrics[metric] ?? null;
  const difference = a !== null && b !== null ? round(b - a) : null;
  const base = { metric, direction: rule.direction, a, b, difference };
  if (rule.direction === 'informational') return { ...base, tolerance: null, status: 'informational' };
  const tolerance = override ?? rule.tolerance ?? ZERO;
  if (a === null && b === null) return { ...base, tolerance, status: 'same' };
  if (b === null) {
    const why = rb.unmeasured?.[metric];
    return { ...base, tolerance, status: 'regression', note: `${metric} was ${a} in A and has no value in B (${why ? `not measured: ${why}` : 'unbounded: never recovered'})` };
  }
  if (a === null) return { ...base, tolerance, status: 'not-comparable', note: 'no value in A' };
  const allowed = Math.max(tolerance.absolute, tolerance.relative * Math.abs(a));
  const worse = b - a;
  // Round away float noise (0.1 + 0.2) before judging.
  const status: MetricStatus = round(worse) > round(allowed) ? 'regression' : worse > 0 ? 'within-tolerance' : worse < 0 ? 'improvement' : 'same';
  return { ...base, tolerance, status };
}

/** Scenario name as the key; a scenario run twice in one suite becomes "name#2". */
function keyed(runs: readonly RunResult[]): Map<string, RunResult> {
  const out = new Map<string, RunResult>();
  for (const r of runs) {
    let key = r.scenario;
    for (let n = 2; out.has(key); n++) key = `${r.scenario}#${n}`;
    out.set(key, r);
  }
  return out;
}

export function toleranceText(t: Tolerance | null): string {
  if (t === null) return '—';
  const parts = [];
  if (t.absolute > 0 || t.relative === 0) parts.push(String(t.absolute));
  if (t.relative > 0) parts.push(`${round(t.relative * 100)}%`);
  return parts.join(' or ');
}

const STATUS_TEXT: Record<MetricStatus, string> = {
  regression: '❌ regression',
  'within-tolerance': '≈ within tolerance',
  same: '= same',
  improvement: '✅ better',
  informational: 'informational',
  'not-comparable': 'not comparable',
};

export function renderComparisonMarkdown(c: Comparison): string {
  const out = [`# pgdrill compare: ${c.regressions === 0 ? '✅ no regression' : `❌ ${c.regressions} scenario(s) regressed`}`, ''];
  out.push(`- A (baseline): \`${c.a}\``, `- B (candidate): \`${c.b}\``, '');
  for (const s of c.scenarios) {
    const verdicts = `${s.a ? `A ${s.a.verdict} (run ${s.a.runId})` : 'not in A'} → ${s.b ? `B ${s.b.verdict} (run ${s.b.runId})` : 'not in B'}`;
    out.push(`## ${s.regression ? '❌' : '✅'} ${s.scenario}`, '', verdicts, '');
    if (s.reasons.length > 0) out.push(...s.reasons.map((r) => `- ${r}`), '');
    const rows = s.metrics.filter((m) => m.a !== null || m.b !== null);
    if (rows.length > 0) {
      out.push('| Metric | A | B | Difference | Tolerance | |', '| --- | --- | --- | --- | --- | --- |');
      for (const m of rows) {
        const unit = METRICS[m.metric].unit === 'seconds' ? ' s' : '';
        const value = (v: number | null) => (v === null ? '—' : `${v}${unit}`);
        const diff = m.difference === null ? '—' : `${m.difference > 0 ? '+' : ''}${m.difference}${unit}`;
        out.push(`| \`${m.metric}\` | ${value(m.a)} | ${value(m.b)} | ${diff} | ${toleranceText(m.tolerance)} | ${STATUS_TEXT[m.status]} |`);
      }
      out.push('');
    }
  }
  return out.join('\n');
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
