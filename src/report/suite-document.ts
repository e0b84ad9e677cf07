import { HEADLINE_METRICS, METRICS } from '../checks/metric-catalogue.ts';
import type { ScenarioDistribution } from './distributions.ts';
import { code, facts, joined, list, paragraph, reportLink, table, verdictBadge, type Block, type ReportDocument, type RowClass, type Section } from './document/blocks.ts';
import { amountText, shellLine } from './format.ts';
import type { RunResult } from './run-result.ts';
import { headlineValue, runSummarySection } from './run-summary.ts';
import type { SuiteResult } from './suite-result.ts';

/**
 * index.md and index.html of a suite, as one document: the suite's verdict,
 * a row per run with its headline numbers and a link to its report, then
 * each run in short, and the audit facts. `results` are the runs' results
 * in the order of `suite.runs`.
 */
export function suiteDocument(suite: SuiteResult, results: readonly RunResult[]): ReportDocument {
  const runs: Block[] = [table(
    ['Scenario', 'Verdict', 'Thresholds', ...HEADLINE_METRICS.map((m) => METRICS[m].label), 'Report'],
    suite.runs.map((run, i) => {
      const r = results[i]!;
      const held = r.thresholds.filter((t) => t.ok).length;
      return [run.scenario, verdictBadge(run.verdict), `${held}/${r.thresholds.length} hold`, ...HEADLINE_METRICS.map((m) => headlineValue(r, m)), reportLink('report', run.dir)];
    }),
    { id: 'runs', rowClasses: suite.runs.map((run) => rowClassOf(run.verdict)) },
  )];
  if (suite.notRun.length > 0) runs.push(paragraph('Not run:'), list(suite.notRun.map((n) => `${n.scenario}: ${n.reason}`)));
  const repeated: Section[] = (suite.distributions ?? []).map((d) => ({
    id: `repeats-${d.scenario}`,
    title: `Repeated: ${d.scenario} (${d.runIds.length} runs)`,
    blocks: distributionBlocks(d),
  }));

  return {
    title: `${suite.verdict.toUpperCase()} suite ${suite.suiteId} — pgdrill`,
    heading: { verdict: suite.verdict, text: `suite ${suite.suiteId}` },
    lead: [paragraph(`${suite.runs.length} run(s) on ${suite.audit.target}, ${suite.startedAt} to ${suite.finishedAt} (${suite.durationSeconds} s). The suite's verdict is the worst of its runs.`, { muted: true })],
    sections: [
      { title: 'Runs', blocks: runs },
      ...repeated,
      ...results.map((r, i) => runSummarySection(r, { reportDir: suite.runs[i]!.dir })),
      {
        id: 'audit',
        title: 'Audit',
        blocks: [
          facts([
            ['When', `${suite.startedAt} to ${suite.finishedAt} (${suite.durationSeconds} s)`],
            ['Where', ['host ', code(suite.audit.host), `, target ${suite.audit.target}`]],
            ['Who', suite.audit.user],
            ['Command line', code(shellLine(suite.audit.commandLine))],
            ['Working directory', code(suite.audit.workingDirectory)],
          ]),
          paragraph('Each run\'s report has its versions, images, scenario hash and thresholds.', { muted: true }),
        ],
      },
    ],
  };
}

/** A scenario's repeated runs: their verdicts, then per metric every value with its min, median and max. */
export function distributionBlocks(d: ScenarioDistribution): Block[] {
  return [
    paragraph(['Verdicts: ', ...joined(d.verdicts.map((v) => verdictBadge(v)), ', ')]),
    table(
      ['Metric', 'Runs', 'Min', 'Median', 'Max', 'Values'],
      d.metrics.map((m) => {
        const unit = METRICS[m.metric].unit;
        const missing = m.missing > 0 ? ` (${m.missing} unmeasured)` : '';
        return [code(m.metric), `${m.values.length}${missing}`, amountText(unit, m.min!), amountText(unit, m.median!), amountText(unit, m.max!), m.values.map((v) => amountText(unit, v)).join(', ')];
      }),
      { id: `distribution-${d.scenario}` },
    ),
  ];
}

/** A skipped run is neither good nor bad: it showed nothing. */
function rowClassOf(verdict: SuiteResult['verdict']): RowClass | undefined {
  return verdict === 'pass' ? 'good' : verdict === 'skipped' ? undefined : 'bad';
}
