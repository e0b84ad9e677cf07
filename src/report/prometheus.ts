import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { METRICS, METRIC_NAMES, type MetricName } from '../checks/metric-catalogue.ts';
import { VERDICTS } from '../judge/verdict.ts';
import { redactSecrets } from './redact.ts';
import type { Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';

export const METRICS_PROM = 'metrics.prom';

const LABELS = ['scenario', 'target'] as const;

/**
 * Exposition names that differ from the catalogue's: Prometheus reserves the
 * _count suffix for histograms and summaries (promtool refuses a gauge named
 * so), so archive_failed_count is pgdrill_archive_failures and
 * restore_row_count pgdrill_restore_rows here and only here; report.json,
 * thresholds and compare keep the catalogue's names.
 */
const EXPOSITION_NAMES: Partial<Record<MetricName, string>> = {
  archive_failed_count: 'archive_failures',
  restore_row_count: 'restore_rows',
};

/** pgdrill_<name> for a metric in metrics.prom and the Pushgateway. */
export function exposedMetricName(metric: MetricName): string {
  return `pgdrill_${EXPOSITION_NAMES[metric] ?? metric}`;
}

/** The version labels of pgdrill_run_info and where each comes from in the run's environment. */
const VERSION_LABELS = {
  pgdrill_version: (e: Record<string, string>) => e.pgdrill,
  postgres_version: (e: Record<string, string>) => e.postgres,
  ha_version: (e: Record<string, string>) => e.patroni ?? e.operator,
} as const;

/**
 * The run's numbers as Prometheus gauges, labelled by scenario and target:
 * pgdrill_<metric> for every metric that has a value (a null metric is left
 * out rather than faked as 0), pgdrill_verdict with one series per verdict
 * (1 for the run's), pgdrill_threshold_ok per threshold, the run's start and
 * duration, and pgdrill_run_info with the scenario file's hash and the
 * versions known (a version the run never learned, as when the stack never
 * came up, is left out, never an empty label). The run id is not a label:
 * each run would be a new series; it is in report.json and the report
 * folder's name. Several results (a suite) share one registry, one series
 * per scenario.
 */
export function prometheusRegistry(results: readonly RunResult[]): Registry {
  const registry = new Registry();
  const registers = [registry];
  const gauges = new Map(METRIC_NAMES.map((m) => [m, new Gauge({
    name: exposedMetricName(m),
    help: `${METRICS[m].description} (${METRICS[m].unit})`,
    labelNames: LABELS,
    registers,
  })]));
  const verdict = new Gauge({ name: 'pgdrill_verdict', help: 'the run\'s verdict: 1 for the series whose verdict label it is, 0 for the others', labelNames: [...LABELS, 'verdict'], registers });
  const threshold = new Gauge({ name: 'pgdrill_threshold_ok', help: '1 when the threshold held, 0 when it did not', labelNames: [...LABELS, 'threshold'], registers });
  const started = new Gauge({ name: 'pgdrill_run_start_timestamp_seconds', help: 'when the run started, Unix time', labelNames: LABELS, registers });
  const finished = new Gauge({ name: 'pgdrill_run_finish_timestamp_seconds', help: 'when the run finished, Unix time', labelNames: LABELS, registers });
  const duration = new Gauge({ name: 'pgdrill_run_duration_seconds', help: 'how long the run took', labelNames: LABELS, registers });
  const info = new Gauge({
    name: 'pgdrill_run_info',
    help: 'always 1; labels say which scenario file ran and the versions under test',
    labelNames: [...LABELS, 'scenario_sha256', ...(Object.keys(VERSION_LABELS) as (keyof typeof VERSION_LABELS)[])],
    registers,
  });

  for (const r of redactSecrets(results)) {
    const labels = { scenario: r.scenario, target: r.target };
    for (const m of METRIC_NAMES) {
      const value = r.metrics[m];
      if (value !== null && value !== undefined && Number.isFinite(value)) gauges.get(m)!.set(labels, value);
    }
    for (const v of VERDICTS) verdict.set({ ...labels, verdict: v }, r.verdict === v ? 1 : 0);
    for (const t of r.thresholds) threshold.set({ ...labels, threshold: t.expression }, t.ok ? 1 : 0);
    started.set(labels, Date.parse(r.startedAt) / 1000);
    finished.set(labels, Date.parse(r.finishedAt) / 1000);
    duration.set(labels, r.durationSeconds);
    const versions = Object.entries(VERSION_LABELS).flatMap(([label, from]) => {
      const value = from(r.environment);
      return value ? [[label, value] as const] : [];
    });
    info.set({ ...labels, ...(r.scenarioSha256 ? { scenario_sha256: r.scenarioSha256 } : {}), ...Object.fromEntries(versions) }, 1);
  }
  return registry;
}

/** The text exposition format, as node_exporter's textfile collector reads it. */
export async function renderPrometheus(results: readonly RunResult[]): Promise<string> {
  return prometheusRegistry(results).metrics();
}

/**
 * Writes metrics.prom atomically (a temporary file renamed into place), so a
 * textfile collector scraping the folder never reads half a file.
 */
export async function writePrometheusTextfile(dir: string, results: readonly RunResult[]): Promise<string> {
  const file = join(dir, METRICS_PROM);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, await renderPrometheus(results));
  await rename(temporary, file);
  return METRICS_PROM;
}

export const prometheusReporter: Reporter = {
  name: 'prometheus',
  async onRun(result, { reportDir }) {
    return [await writePrometheusTextfile(reportDir, [result])];
  },
  async onSuite(_suite, results, { suiteDir }) {
    return [await writePrometheusTextfile(suiteDir, results)];
  },
};
