import { hostname, userInfo } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { MetricName } from '../checks/metric-names.ts';
import { mergeVerdicts, type Verdict } from '../checks/verdict.ts';
import { redactCommandLine } from '../report/audit.ts';
import { code, esc, facts, page, raw, table, verdictBadge } from '../report/html-kit.ts';
import { JUNIT_XML, renderJunit } from '../report/junit.ts';
import { HEADLINE_METRICS, renderMarkdownSummary, shellLine, VERDICT_BADGE } from '../report/markdown.ts';
import { valueText } from '../report/format.ts';
import { writePrometheusTextfile } from '../report/prometheus.ts';
import { redactSecrets } from '../report/redact.ts';
import type { RunResult } from '../report/run-result.ts';

export const SUITE_JSON = 'suite.json';
export const INDEX_MD = 'index.md';
export const INDEX_HTML = 'index.html';

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
 * verdict is the worst of its runs (mergeVerdicts); a scenario not run
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
  const verdicts = input.runs.map((r) => r.result.verdict);
  // A suite cut short was not shown to pass, whatever its finished runs say.
  if (input.notRun.length > 0) verdicts.push('interrupted');
  return {
    schemaVersion: 1,
    kind: 'suite',
    suiteId: input.suiteId,
    verdict: mergeVerdicts(...verdicts),
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
    audit: {
      host: input.runs[0]?.result.environment.host ?? hostname(),
      user: input.runs[0]?.result.environment.user ?? safeUser(),
      target: input.target,
      commandLine: redactCommandLine(input.commandLine ?? process.argv),
      workingDirectory: process.cwd(),
    },
  };
}

export function renderSuiteMarkdown(suite: SuiteResult, results: readonly RunResult[]): string {
  const out = [`# ${VERDICT_BADGE[suite.verdict]} — suite ${suite.suiteId}`, ''];
  out.push(`${suite.runs.length} run(s) on ${suite.audit.target}, ${suite.startedAt} to ${suite.finishedAt} (${suite.durationSeconds} s). The suite's verdict is the worst of its runs.`, '');
  out.push(mdTable(['Scenario', 'Verdict', ...HEADLINE_METRICS, 'Report'], suite.runs.map((run, i) => {
    const r = results[i]!;
    return [run.scenario, VERDICT_BADGE[run.verdict], ...HEADLINE_METRICS.map((m) => (r.metrics[m] === null ? '—' : valueText(m, r.metrics[m], r))), `[report](${run.dir}/report.md)`];
  })));
  if (suite.notRun.length > 0) out.push('Not run:', '', ...suite.notRun.map((n) => `- ${n.scenario}: ${n.reason}`), '');
  for (const [i, r] of results.entries()) out.push(renderMarkdownSummary(r, { level: 2, reportLink: `${suite.runs[i]!.dir}/report.md` }));
  out.push('## Audit', '');
  out.push(mdTable(['', ''], [
    ['When', `${suite.startedAt} to ${suite.finishedAt}`],
    ['Where', `host \`${suite.audit.host}\`, target ${suite.audit.target}`],
    ['Who', suite.audit.user],
    ['Command line', `\`${shellLine(suite.audit.commandLine)}\``],
    ['Working directory', `\`${suite.audit.workingDirectory}\``],
  ]));
  out.push('Each run\'s report has its versions, images, scenario hash and thresholds.', '');
  return out.join('\n');
}

export function renderSuiteHtml(suite: SuiteResult, results: readonly RunResult[]): string {
  const parts = [`<header><h1>${verdictBadge(suite.verdict).html} <span>suite ${esc(suite.suiteId)}</span></h1>`];
  parts.push(`<p class="description">${suite.runs.length} run(s) on ${esc(suite.audit.target)}; the suite's verdict is the worst of its runs.</p></header>`);
  parts.push('<section><h2>Runs</h2>');
  const metric = (r: RunResult, m: MetricName) => (r.metrics[m] === null || r.metrics[m] === undefined ? '—' : valueText(m, r.metrics[m], r));
  parts.push(table(['Scenario', 'Verdict', 'Thresholds', 'RTO', 'Write downtime', 'Lost writes', 'Split-brain windows', 'Writes ok / failed / unknown', 'Report'], suite.runs.map((run, i) => {
    const r = results[i]!;
    const failed = r.thresholds.filter((t) => !t.ok).length;
    return [
      run.scenario, verdictBadge(run.verdict), `${r.thresholds.length - failed}/${r.thresholds.length} hold`,
      metric(r, 'rto_seconds'), metric(r, 'write_downtime_seconds'), metric(r, 'lost_writes'), metric(r, 'split_brain_windows'),
      `${metric(r, 'writes_ok')} / ${metric(r, 'writes_failed')} / ${metric(r, 'writes_unknown')}`,
      raw(`<a href="${esc(`${run.dir}/report.html`)}">report</a>`),
    ];
  }), { id: 'runs', rowClass: (i) => (suite.runs[i]!.verdict === 'pass' ? 'good' : suite.runs[i]!.verdict === 'skipped' ? '' : 'bad') }));
  if (suite.notRun.length > 0) parts.push(`<p>Not run: ${suite.notRun.map((n) => `${esc(n.scenario)} (${esc(n.reason)})`).join(', ')}</p>`);
  parts.push('</section>');
  const reasons = results.flatMap((r) => r.verdictReasons.map((reason) => [r.scenario, reason] as const));
  if (reasons.length > 0) parts.push('<section><h2>Why not a pass</h2>', table(['Scenario', 'Reason'], reasons), '</section>');
  parts.push('<section id="audit"><h2>Audit</h2>', facts([
    ['When', `${suite.startedAt} to ${suite.finishedAt} (${suite.durationSeconds} s)`],
    ['Where', raw(`host ${code(suite.audit.host).html}, target ${esc(suite.audit.target)}`)],
    ['Who', suite.audit.user],
    ['Command line', code(shellLine(suite.audit.commandLine))],
    ['Working directory', code(suite.audit.workingDirectory)],
  ]), '<p class="muted">Each run\'s report has its versions, images, scenario hash and thresholds.</p></section>');
  return page(`${suite.verdict.toUpperCase()} suite ${suite.suiteId} — pgdrill`, parts.join('\n'));
}

/** Writes suite.json, index.md, index.html, one junit.xml with every run's testsuite, and metrics.prom for every run. */
export async function writeSuiteReport(suiteDir: string, suite: SuiteResult, results: readonly RunResult[]): Promise<string[]> {
  await mkdir(suiteDir, { recursive: true });
  const safe = redactSecrets(results);
  await writeFile(join(suiteDir, SUITE_JSON), JSON.stringify(suite, null, 2) + '\n');
  await writeFile(join(suiteDir, INDEX_MD), renderSuiteMarkdown(suite, safe));
  await writeFile(join(suiteDir, INDEX_HTML), renderSuiteHtml(suite, safe));
  await writeFile(join(suiteDir, JUNIT_XML), renderJunit(safe, `pgdrill suite ${suite.suiteId}`));
  const prom = await writePrometheusTextfile(suiteDir, safe);
  return [INDEX_MD, INDEX_HTML, JUNIT_XML, prom, SUITE_JSON];
}

function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line), ''].join('\n');
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
