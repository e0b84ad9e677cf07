import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cannedResult } from '../../test/support/canned-run.ts';
import { ensureNodeExporter, scrapeTextfiles } from '../../test/support/node-exporter.ts';
import { checkMetrics, ensurePromtool } from '../../test/support/promtool.ts';
import type { ToolCheck } from '../../test/support/debian-package.ts';
import { METRICS_PROM, prometheusReporter, renderPrometheus } from './prometheus.ts';
import { publishRun } from './publish.ts';
import type { RunResult } from './run-result.ts';
import { METRIC_NAMES } from '../checks/metric-catalogue.ts';
import { textfileName, textfileReporter } from './textfile.ts';

/** The canned run as one that never got its stack: inconclusive, no target versions, nothing measured. */
async function inconclusiveRun(): Promise<RunResult> {
  const r = await cannedResult({ analysis: null, outcome: { verdict: 'inconclusive', reason: 'the stack never became healthy' } });
  r.environment = { pgdrill: '0.1.0', node: 'v20.19.0', host: 'drill-host', user: 'sre' };
  return r;
}

/** Every line of the text exposition format: HELP, TYPE, or `name{labels} value`. */
const LINE = /^(# (HELP|TYPE) pgdrill_[a-z0-9_]+ .+|pgdrill_[a-z0-9_]+\{([a-z_][a-z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\} -?[0-9.e+-]+|)$/;

describe('metrics.prom', () => {
  it('has the run\'s metrics labelled by scenario and target, a verdict series per value, and the thresholds', async () => {
    const text = await renderPrometheus([await cannedResult()]);
    expect(text).toContain('pgdrill_rto_seconds{scenario="primary-kill",target="local"} 5.005');
    expect(text).toContain('pgdrill_lost_writes{scenario="primary-kill",target="local"} 1');
    expect(text).toContain('pgdrill_verdict{scenario="primary-kill",target="local",verdict="fail"} 1');
    expect(text).toContain('pgdrill_verdict{scenario="primary-kill",target="local",verdict="pass"} 0');
    expect(text.match(/^pgdrill_verdict\{/gm)).toHaveLength(5);
    expect(text).toContain('pgdrill_threshold_ok{scenario="primary-kill",target="local",threshold="lost_writes == 0"} 0');
    expect(text).toContain('pgdrill_run_start_timestamp_seconds{scenario="primary-kill",target="local"} 1735725600');
    expect(text).toMatch(/pgdrill_run_info\{scenario="primary-kill",target="local",scenario_sha256="(ab){32}",pgdrill_version="0.1.0",postgres_version="15.18",ha_version="3.0.2"\} 1/);
    expect(text).toContain('# TYPE pgdrill_rto_seconds gauge');
    for (const line of text.split('\n')) expect(line).toMatch(LINE);
  });

  it('leaves out a metric that was not measured instead of reporting 0', async () => {
    const r = await cannedResult();
    r.metrics.lost_writes = null;
    const text = await renderPrometheus([r]);
    expect(text).not.toMatch(/^pgdrill_lost_writes\{/m);
    expect(text).toContain('# HELP pgdrill_lost_writes');
  });

  it('escapes label values and keeps one series per scenario in a suite', async () => {
    const a = await cannedResult();
    const b = await cannedResult();
    b.scenario = 'odd "name"\\with\nnewline';
    const text = await renderPrometheus([a, b]);
    expect(text).toContain('pgdrill_rto_seconds{scenario="odd \\"name\\"\\\\with\\nnewline",target="local"} 5.005');
    expect(text.match(/^pgdrill_rto_seconds\{/gm)).toHaveLength(2);
    for (const line of text.split('\n')) expect(line).toMatch(LINE);
  });

  it('is written as metrics.prom in the report directory, with no temporary file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-prom-'));
    const outcomes = await publishRun(await cannedResult(), { reportDir: dir, reporters: [prometheusReporter] });
    expect(outcomes).toEqual([{ reporter: 'prometheus', files: [METRICS_PROM] }]);
    expect(readdirSync(dir)).toEqual([METRICS_PROM]);
    expect(readFileSync(join(dir, METRICS_PROM), 'utf8')).toContain('pgdrill_lost_writes{scenario="primary-kill",target="local"} 1');
  });

  it('names the archive failures pgdrill_archive_failures: a gauge must not end in _count', async () => {
    const text = await renderPrometheus([await cannedResult()]);
    expect(text).toContain('pgdrill_archive_failures{scenario="primary-kill",target="local"} 2');
    const everything = await cannedResult();
    for (const m of METRIC_NAMES) everything.metrics[m] = 1;
    const all = await renderPrometheus([everything]);
    expect(all).toContain('pgdrill_restore_rows{scenario="primary-kill",target="local"} 1');
    expect(all).not.toMatch(/_count\b/);
  });

  it('pgdrill_run_info carries no run id (a new series every run) and no version it does not know', async () => {
    const text = await renderPrometheus([await cannedResult()]);
    expect(text).not.toMatch(/run_id=/);
    const inconclusive = await renderPrometheus([await inconclusiveRun()]);
    expect(inconclusive).toMatch(/^pgdrill_run_info\{scenario="primary-kill",target="local",scenario_sha256="(ab){32}",pgdrill_version="0.1.0"\} 1$/m);
    expect(inconclusive).not.toMatch(/=""/);
    expect(inconclusive).toContain('pgdrill_verdict{scenario="primary-kill",target="local",verdict="inconclusive"} 1');
  });

  describe('real consumers', () => {
    let promtool: ToolCheck;
    let nodeExporter: ToolCheck;
    beforeAll(async () => {
      promtool = await ensurePromtool();
      nodeExporter = await ensureNodeExporter();
    }, 600_000);

    it('promtool check metrics finds nothing in a run\'s, an inconclusive run\'s or a suite\'s file', async (context) => {
      if (!promtool.ok) return context.skip(promtool.reason);
      const other = await cannedResult();
      other.scenario = 'switchover';
      // Every metric with a value: each name and its HELP pass the linter.
      const everything = await cannedResult();
      for (const m of METRIC_NAMES) everything.metrics[m] = 1;
      for (const results of [[await cannedResult()], [await inconclusiveRun()], [await cannedResult(), other], [everything]]) {
        const checked = await checkMetrics(await renderPrometheus(results));
        expect(checked, checked.output).toEqual({ code: 0, output: '' });
      }
    });

    it('node_exporter: two runs of one scenario and target in the textfile folder replace each other instead of colliding', async (context) => {
      if (!nodeExporter.ok) return context.skip(nodeExporter.reason);
      const older = await cannedResult();
      const newer = await cannedResult();
      newer.runId = 'run-2';
      newer.metrics.rto_seconds = 7.25;
      // What each run folder's metrics.prom gives when both are copied into one textfile folder: a collision.
      const copied = mkdtempSync(join(tmpdir(), 'pgdrill-textfile-copied-'));
      for (const [n, r] of [older, newer].entries()) {
        const dir = join(copied, `run-${n}`);
        mkdirSync(dir);
        await publishRun(r, { reportDir: dir, reporters: [prometheusReporter] });
        copyFileSync(join(dir, METRICS_PROM), join(copied, `run-${n}.prom`));
      }
      // Newer node_exporters refuse the pair ("collected before with the same name and label values");
      // Debian's 1.5 keeps one file's series silently: either way the newest run's RTO is not what is scraped.
      const collided = await scrapeTextfiles(copied);
      expect(/collected before with the same name and label values/.test(collided) || !collided.includes('pgdrill_rto_seconds{scenario="primary-kill",target="local"} 7.25')).toBe(true);
      // The textfile reporter: one stable file per scenario and target, the newest run's.
      const textfiles = mkdtempSync(join(tmpdir(), 'pgdrill-textfile-'));
      for (const r of [older, newer]) await publishRun(r, { reportDir: mkdtempSync(join(tmpdir(), 'pgdrill-run-')), reporters: [textfileReporter(textfiles)] });
      expect(readdirSync(textfiles)).toEqual([textfileName(newer)]);
      expect(textfileName(newer)).toBe('pgdrill-primary-kill-local.prom');
      const scraped = await scrapeTextfiles(textfiles);
      expect(scraped).toMatch(/^node_textfile_scrape_error 0$/m);
      expect(scraped).not.toMatch(/collected before/);
      expect(scraped).toContain('pgdrill_rto_seconds{scenario="primary-kill",target="local"} 7.25');
      expect(scraped.match(/^pgdrill_rto_seconds\{/gm)).toHaveLength(1);
    }, 60_000);
  });
});
