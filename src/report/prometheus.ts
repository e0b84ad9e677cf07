import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Gauge, Pushgateway, Registry } from 'prom-client';
import { METRICS, METRIC_NAMES } from '../checks/metric-names.ts';
import { VERDICTS } from '../checks/verdict.ts';
import { redactSecrets } from './redact.ts';
import type { Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';

export const METRICS_PROM = 'metrics.prom';
export const PUSHGATEWAY_JOB = 'pgdrill';

const LABELS = ['scenario', 'target'] as const;

/**
 * The run's numbers as Prometheus gauges, labelled by scenario and target:
 * pgdrill_<metric> for every metric that has a value (a null metric is left
 * out rather than faked as 0), pgdrill_verdict with one series per verdict
 * (1 for the run's), pgdrill_threshold_ok per threshold, the run's start and
 * duration, and pgdrill_run_info carrying the run id and versions. Several
 * results (a suite) share one registry, one series per scenario.
 */
export function prometheusRegistry(results: readonly RunResult[]): Registry {
  const registry = new Registry();
  const registers = [registry];
  const gauges = new Map(METRIC_NAMES.map((m) => [m, new Gauge({
    name: `pgdrill_${m}`,
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
    help: 'always 1; labels identify the run and what it ran on',
    labelNames: [...LABELS, 'run_id', 'scenario_sha256', 'pgdrill_version', 'postgres_version', 'ha_version'],
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
    info.set({
      ...labels,
      run_id: r.runId,
      scenario_sha256: r.scenarioSha256,
      pgdrill_version: r.environment.pgdrill ?? '',
      postgres_version: r.environment.postgres ?? '',
      ha_version: r.environment.patroni ?? r.environment.operator ?? '',
    }, 1);
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
  async onEnd(result, { reportDir }) {
    return [await writePrometheusTextfile(reportDir, [result])];
  },
};

/**
 * Pushes each run to a Pushgateway under job "pgdrill", grouped by scenario
 * and target (PUT: a run replaces the previous run of the same scenario).
 * Rejects with a message naming the gateway without its credentials.
 */
export async function pushToGateway(url: string, results: readonly RunResult[], timeoutMs = 10_000): Promise<void> {
  for (const r of results) {
    const gateway = new Pushgateway(url, { timeout: timeoutMs }, prometheusRegistry([r]));
    try {
      await gateway.push({ jobName: PUSHGATEWAY_JOB, groupings: { scenario: r.scenario, target: r.target } });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(redactSecrets(`push of ${r.scenario} to the Pushgateway ${safeUrl(url)} failed: ${message}`));
    }
  }
}

function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
