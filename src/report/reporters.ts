import { htmlReporter } from './html.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import { markdownReporter } from './markdown.ts';
import { prometheusReporter } from './prometheus.ts';
import { pushgatewayReporter } from './pushgateway.ts';
import type { Reporter } from './reporter.ts';
import { stepSummaryReporter } from './step-summary.ts';
import { textfileReporter } from './textfile.ts';

/** What turns on the reporters that are not always on. */
export interface ReporterOptions {
  /** Pushgateway URL (`--pushgateway`): push the run's, or the suite's runs', metrics there. */
  pushgateway?: string;
  /** File to append a Markdown summary to: GitHub Actions' GITHUB_STEP_SUMMARY. */
  stepSummary?: string;
  /** node_exporter textfile folder (`--textfile-dir`): one stable file per scenario and target, replaced by each run. */
  textfileDir?: string;
}

/**
 * Every reporter pgdrill has, in the order they run: a new report format is
 * one file and one entry here. report.html comes after the files CI reads
 * first, so a slow or failing chart costs them nothing.
 */
export function reportersFor(options: ReporterOptions): Reporter[] {
  return [
    jsonReporter,
    markdownReporter,
    junitReporter,
    prometheusReporter,
    htmlReporter,
    ...(options.textfileDir ? [textfileReporter(options.textfileDir)] : []),
    ...(options.pushgateway ? [pushgatewayReporter(options.pushgateway)] : []),
    ...(options.stepSummary ? [stepSummaryReporter(options.stepSummary)] : []),
  ];
}
