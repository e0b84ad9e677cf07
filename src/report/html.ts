import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEvent } from '../history/events.ts';
import { readHistoryFile } from '../history/reader.ts';
import { chartData } from './chart-data.ts';
import type { FaultRto } from '../checks/rto.ts';
import { CHART_WIDTHS, OUTCOME_COLORS, renderTimelineSvg } from './chart.ts';
import { renderHtmlDocument } from './document/render-html.ts';
import { esc } from './html-kit.ts';
import { writeReportFile, type Reporter } from './reporter.ts';
import type { RunResult } from './run-result.ts';
import { runDocument } from './run-document.ts';
import { suiteDocument } from './suite-document.ts';
import type { SuiteResult } from './suite-result.ts';

export const REPORT_HTML = 'report.html';
export const INDEX_HTML = 'index.html';

/**
 * report.html: the run's document (run-document.ts) as one self-contained
 * page (inline SVG and CSS, no script, no network) for a person, with the
 * timeline chart drawn from `history`; without it the page says so and
 * keeps everything else.
 */
export async function renderHtml(r: RunResult, history: readonly HistoryEvent[] | null): Promise<string> {
  return renderHtmlDocument(runDocument(r), { chart: await chartFigure(history, r.rto) });
}

/** index.html of a suite: every run's verdict and headline numbers, each linking to its report.html. */
export function renderSuiteHtml(suite: SuiteResult, results: readonly RunResult[]): string {
  return renderHtmlDocument(suiteDocument(suite, results));
}

/**
 * The timeline figure: the chart drawn twice, for a page and for a phone's
 * width (CSS shows the one that fits, at its own size, so its text is as
 * large as the page's), and one caption whose words are the legend's.
 */
async function chartFigure(history: readonly HistoryEvent[] | null, rto: readonly FaultRto[]): Promise<string> {
  if (!history || history.length === 0) return '<p>No history to draw: history.jsonl is missing or empty.</p>';
  let wide: string;
  let narrow: string;
  try {
    const data = chartData(history, { rto });
    wide = await renderTimelineSvg(data, CHART_WIDTHS.wide);
    narrow = await renderTimelineSvg(data, CHART_WIDTHS.narrow);
  } catch (error) {
    return `<p>The chart could not be drawn: ${esc(error instanceof Error ? error.message : String(error))}</p>`;
  }
  const swatch = (color: string) => `<span class="swatch" style="background:${color}"></span>`;
  const line = (style: string) => `<span class="swatch-line" style="border-top:2px ${style}"></span>`;
  return `<figure id="timeline-figure" role="img" aria-label="Writes by outcome over time, fault windows, each fault's RTO, promotions; replication lag and archive failures">
<div class="chart-wide">${wide}</div>
<div class="chart-narrow">${narrow}</div>
<figcaption><span class="key">${swatch(OUTCOME_COLORS.acknowledged)}<b>acknowledged</b>: COMMIT returned success</span>
<span class="key">${swatch(OUTCOME_COLORS.failed)}<b>failed</b>: certainly not applied</span>
<span class="key">${swatch(OUTCOME_COLORS.unknown)}<b>unknown</b>: the connection broke around COMMIT</span>
<span class="key">${swatch('rgba(211,47,47,.25)')}fault window: inject to heal</span>
<span class="key">${line('solid #263238')}RTO: from the fault taking effect to the first acknowledged write</span>
<span class="key">${line('dashed #1a53a8')}an instance promoted</span>
<span class="key">${line('dotted #5c7ea8')}an instance moved to a newer timeline</span>
<span class="key">lag: no line where no primary reported any</span></figcaption>
</figure>`;
}

/** Reads the run's history.jsonl next to the report for the chart; a missing one leaves the chart out. */
export async function readRunHistory(reportDir: string, file: string): Promise<HistoryEvent[] | null> {
  const path = join(reportDir, file);
  if (!existsSync(path)) return null;
  return readHistoryFile(path);
}

export const htmlReporter: Reporter = {
  name: 'html',
  async onRun(result, { reportDir }) {
    const history = await readRunHistory(reportDir, result.files.history);
    return writeReportFile(reportDir, REPORT_HTML, await renderHtml(result, history));
  },
  onSuite: (suite, results, { suiteDir }) => writeReportFile(suiteDir, INDEX_HTML, renderSuiteHtml(suite, results)),
};
