import { METRICS, METRIC_NAMES, isMetricName, type MetricDirection, type MetricName, type MetricUnit, type Tolerance } from '../checks/metric-catalogue.ts';
import type { Verdict } from '../judge/verdict.ts';
import { UsageError } from '../errors.ts';
import { didYouMean } from '../scenario/suggest.ts';
import { amountText, amountWithUnitText } from '../report/format.ts';
import type { RunResult } from '../report/run-result.ts';

export type MetricStatus = 'regression' | 'within-tolerance' | 'same' | 'improvement' | 'informational' | 'not-comparable';

export interface MetricComparison {
  metric: MetricName;
  direction: MetricDirection;
  a: number | null;
  b: number | null;
  /** b − a; null when either is null. */
  difference: number | null;
  tolerance: Tolerance | null;
  status: MetricStatus;
  note?: string;
}

/** The run of a scenario one side contributes. */
export interface ComparedRun {
  runId: string;
  verdict: Verdict;
  startedAt: string;
  /** How many runs of the scenario that side holds (the newest is compared). */
  runsHeld: number;
}

export interface ScenarioComparison {
  scenario: string;
  a: ComparedRun | null;
  b: ComparedRun | null;
  regression: boolean;
  /** Why this scenario is a regression, one line each. */
  reasons: string[];
  metrics: MetricComparison[];
}

/** A run not compared because its side holds a newer run of the same scenario. */
export interface SetAsideRun {
  side: 'A' | 'B';
  scenario: string;
  runId: string;
  startedAt: string;
}

export interface Comparison {
  a: string;
  b: string;
  regressions: number;
  scenarios: ScenarioComparison[];
  /** Older runs of a scenario a side holds several of, newest first. */
  setAside: SetAsideRun[];
  /** Scenarios whose A and B are the very same run (a mis-wired comparison: it proves nothing). */
  sameRuns: Array<{ scenario: string; runId: string }>;
}

/** Parses `--tolerance metric=value` (absolute, in the metric's unit) or `metric=value%` (relative to A). */
export function parseTolerances(specs: readonly string[]): Partial<Record<MetricName, Tolerance>> {
  const out: Partial<Record<MetricName, Tolerance>> = {};
  for (const spec of specs) {
    const match = /^\s*([a-z_][a-z0-9_]*)\s*=\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/i.exec(spec);
    if (!match) throw new UsageError(`--tolerance expects metric=number or metric=number% (got "${spec}")`);
    const [, metric = '', number = '0', percent] = match;
    if (!isMetricName(metric)) throw new UsageError(`--tolerance: unknown metric "${metric}"${didYouMean(metric, METRIC_NAMES)}`);
    if (METRICS[metric].direction === 'informational') {
      throw new UsageError(`--tolerance: ${metric} is informational (no direction is worse), so it has no tolerance`);
    }
    const value = Number(number);
    out[metric] = percent ? { absolute: 0, relative: value / 100 } : { absolute: value, relative: 0 };
  }
  return out;
}

/**
 * Compares runs per scenario, A the baseline and B the candidate. Each side
 * contributes one run per scenario: the newest (latest start; the others are
 * listed as set aside), so a --report-dir holding several runs of a scenario
 * compares its latest. A scenario regresses when a gated metric got worse by
 * more than its tolerance (the larger of the absolute and the relative
 * allowance), when a metric A measured has no value in B, when A passed and
 * B did not, or when B lacks a scenario A ran. A and B being the same run is
 * reported in sameRuns (it compares nothing).
 */
export function compareRuns(
  a: { label: string; runs: readonly RunResult[] },
  b: { label: string; runs: readonly RunResult[] },
  overrides: Partial<Record<MetricName, Tolerance>> = {},
): Comparison {
  const byA = newestPerScenario('A', a.runs);
  const byB = newestPerScenario('B', b.runs);
  const keys = [...byA.chosen.keys(), ...[...byB.chosen.keys()].filter((k) => !byA.chosen.has(k))];
  const scenarios = keys.map((key) => compareScenario(key, byA.chosen.get(key) ?? null, byB.chosen.get(key) ?? null, overrides));
  const sameRuns = scenarios.flatMap((s) => (s.a && s.b && s.a.runId === s.b.runId ? [{ scenario: s.scenario, runId: s.a.runId }] : []));
  return {
    a: a.label,
    b: b.label,
    regressions: scenarios.filter((s) => s.regression).length,
    scenarios,
    setAside: [...byA.setAside, ...byB.setAside],
    sameRuns,
  };
}

interface Chosen {
  run: RunResult;
  runsHeld: number;
}

function compareScenario(key: string, a: Chosen | null, b: Chosen | null, overrides: Partial<Record<MetricName, Tolerance>>): ScenarioComparison {
  const reasons: string[] = [];
  const ra = a?.run ?? null;
  const rb = b?.run ?? null;
  if (ra && !rb) reasons.push(`${key} was run in A but not in B`);
  if (ra?.verdict === 'pass' && rb && rb.verdict !== 'pass') reasons.push(`verdict was pass in A, ${rb.verdict} in B`);
  const metrics = ra && rb ? METRIC_NAMES.map((m) => compareMetric(m, ra, rb, overrides[m])) : [];
  for (const m of metrics) {
    if (m.status !== 'regression') continue;
    const unit = METRICS[m.metric].unit;
    reasons.push(
      m.note ??
        `${m.metric} went from ${amountText(unit, m.a ?? 0)} to ${amountWithUnitText(unit, m.b ?? 0)} (+${amountWithUnitText(unit, m.difference ?? 0)}, tolerance ${toleranceText(m.tolerance, unit)})`,
    );
  }
  const compared = (c: Chosen | null): ComparedRun | null =>
    c ? { runId: c.run.runId, verdict: c.run.verdict, startedAt: c.run.startedAt ?? '', runsHeld: c.runsHeld } : null;
  return { scenario: key, a: compared(a), b: compared(b), regression: reasons.length > 0, reasons, metrics };
}

/** Per scenario the run that started last (a missing or unreadable start counts as oldest; a tie keeps the later one listed). */
function newestPerScenario(side: 'A' | 'B', runs: readonly RunResult[]): { chosen: Map<string, Chosen>; setAside: SetAsideRun[] } {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) groups.set(r.scenario, [...(groups.get(r.scenario) ?? []), r]);
  const chosen = new Map<string, Chosen>();
  const setAside: SetAsideRun[] = [];
  const started = (r: RunResult): number => {
    const t = Date.parse(r.startedAt ?? '');
    return Number.isNaN(t) ? -Infinity : t;
  };
  for (const [scenario, group] of groups) {
    const newestFirst = group.map((run, index) => ({ run, index })).sort((x, y) => started(y.run) - started(x.run) || y.index - x.index);
    chosen.set(scenario, { run: newestFirst[0]!.run, runsHeld: group.length });
    for (const { run } of newestFirst.slice(1)) setAside.push({ side, scenario, runId: run.runId, startedAt: run.startedAt ?? '' });
  }
  return { chosen, setAside };
}

function compareMetric(metric: MetricName, ra: RunResult, rb: RunResult, override: Tolerance | undefined): MetricComparison {
  const info = METRICS[metric];
  const a = ra.metrics[metric] ?? null;
  const b = rb.metrics[metric] ?? null;
  const difference = a !== null && b !== null ? round(b - a) : null;
  const base = { metric, direction: info.direction, a, b, difference };
  if (info.direction === 'informational') return { ...base, tolerance: null, status: 'informational' };
  const tolerance = override ?? info.tolerance;
  if (a === null && b === null) return { ...base, tolerance, status: 'same' };
  if (b === null) {
    const why = rb.unmeasured?.[metric];
    return { ...base, tolerance, status: 'regression', note: `${metric} was ${amountWithUnitText(info.unit, a ?? 0)} in A and has no value in B (${why ? `not measured: ${why}` : 'unbounded: never recovered'})` };
  }
  if (a === null) return { ...base, tolerance, status: 'not-comparable', note: 'no value in A' };
  const allowed = allowedWorsening(tolerance, a);
  const worse = b - a;
  // Round away float noise (0.1 + 0.2) before judging.
  const status: MetricStatus = round(worse) > round(allowed) ? 'regression' : worse > 0 ? 'within-tolerance' : worse < 0 ? 'improvement' : 'same';
  return { ...base, tolerance, status };
}

/** How much worse than the baseline value a metric may get: the larger of the absolute and the relative allowance. */
export function allowedWorsening(tolerance: Tolerance, baseline: number): number {
  return Math.max(tolerance.absolute, tolerance.relative * Math.abs(baseline));
}

/** A tolerance in the metric's unit: "1 s or 20%", "16 MiB or 50%", "0 writes"; "—" for an informational metric. */
export function toleranceText(t: Tolerance | null, unit: MetricUnit): string {
  if (t === null) return '—';
  const parts = [];
  if (t.absolute > 0 || t.relative === 0) parts.push(amountWithUnitText(unit, t.absolute));
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
  if (c.sameRuns.length > 0) out.push(...c.sameRuns.map(sameRunText).map((line) => `> ⚠️ ${line}`), '');
  for (const s of c.scenarios) {
    const verdicts = `${s.a ? `A ${s.a.verdict} (run ${s.a.runId})` : 'not in A'} → ${s.b ? `B ${s.b.verdict} (run ${s.b.runId})` : 'not in B'}`;
    out.push(`## ${s.regression ? '❌' : '✅'} ${s.scenario}`, '', verdicts, '');
    const held = (['A', 'B'] as const).flatMap((side) => {
      const run = side === 'A' ? s.a : s.b;
      if (!run || run.runsHeld < 2) return [];
      const others = c.setAside.filter((x) => x.side === side && x.scenario === s.scenario).map((x) => x.runId);
      return [`- ${side} holds ${run.runsHeld} runs of ${s.scenario}: compared the newest (${run.runId}, started ${run.startedAt || 'at an unknown time'}); set aside ${others.join(', ')}`];
    });
    if (held.length > 0) out.push(...held, '');
    if (s.reasons.length > 0) out.push(...s.reasons.map((r) => `- ${r}`), '');
    const rows = s.metrics.filter((m) => m.a !== null || m.b !== null);
    if (rows.length > 0) {
      out.push('| Metric | A | B | Difference | Tolerance | |', '| --- | --- | --- | --- | --- | --- |');
      for (const m of rows) {
        const unit = METRICS[m.metric].unit;
        const value = (v: number | null) => (v === null ? '—' : amountText(unit, v));
        const diff = m.difference === null ? '—' : `${m.difference > 0 ? '+' : ''}${amountText(unit, m.difference)}`;
        out.push(`| \`${m.metric}\` | ${value(m.a)} | ${value(m.b)} | ${diff} | ${toleranceText(m.tolerance, unit)} | ${STATUS_TEXT[m.status]} |`);
      }
      out.push('');
    }
  }
  return out.join('\n');
}

/** One line for a scenario whose A and B are the same run. */
export function sameRunText(same: { scenario: string; runId: string }): string {
  return `${same.scenario}: A and B are the same run (${same.runId}), compared with itself`;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
