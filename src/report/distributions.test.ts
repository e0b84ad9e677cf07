import { describe, expect, it } from 'vitest';
import { renderMarkdownDocument } from './document/render-markdown.ts';
import { scenarioDistributions } from './distributions.ts';
import type { RunResult } from './run-result.ts';
import { buildSuiteResult } from './suite-result.ts';
import { suiteDocument } from './suite-document.ts';

const run = (scenario: string, runId: string, rto: number | null): RunResult =>
  ({ scenario, runId, verdict: 'pass', verdictReasons: [], metrics: { rto_seconds: rto, lost_writes: 0 }, unmeasured: {}, thresholds: [], durationSeconds: 60, environment: {}, configuration: { thresholds: [] } }) as unknown as RunResult;

describe('repeated runs', () => {
  it("gives each scenario's metrics their min, median and max over the runs that measured them", () => {
    const [d] = scenarioDistributions([run('primary-kill', 'a', 12), run('primary-kill', 'b', 10.5), run('primary-kill', 'c', null), run('primary-kill', 'd', 11)]);
    expect(d!.runIds).toEqual(['a', 'b', 'c', 'd']);
    expect(d!.metrics.find((m) => m.metric === 'rto_seconds')).toEqual({ metric: 'rto_seconds', values: [12, 10.5, 11], missing: 1, min: 10.5, median: 11, max: 12 });
    expect(d!.metrics.find((m) => m.metric === 'lost_writes')).toMatchObject({ min: 0, median: 0, max: 0 });
    expect(d!.metrics.find((m) => m.metric === 'split_brain_windows')).toBeUndefined();
  });

  it('a suite of repeats lists the distributions, a suite of single runs none', () => {
    const results = [run('switchover', 's1', 2), run('switchover', 's2', 2.4), run('freeze', 'f1', 20)];
    const suite = buildSuiteResult({
      suiteId: 'x', suiteDir: '/r/suite-x', target: 'local', startedAt: '2026-12-03T10:00:00Z', finishedAt: '2026-12-03T10:05:00Z',
      runs: results.map((result) => ({ result, reportDir: `/r/suite-x/${result.scenario}-${result.runId}` })), notRun: [], commandLine: ['pgdrill'],
    });
    expect(suite.distributions.map((d) => d.scenario)).toEqual(['switchover']);
    const md = renderMarkdownDocument(suiteDocument(suite, results));
    expect(md).toContain('Repeated: switchover (2 runs)');
    expect(md).toContain('| `rto_seconds` | 2 | 2 s | 2.2 s | 2.4 s | 2 s, 2.4 s |');
  });
});
