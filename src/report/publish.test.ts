import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cannedHistory, cannedResult } from '../../test/support/canned-run.ts';
import { jsonReporter } from './json.ts';
import { publishRun, publishSuite } from './publish.ts';
import type { Reporter } from './reporter.ts';
import { buildSuiteResult } from './suite-result.ts';

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `pgdrill-${prefix}-`));
}

/** The canned run with a password in its target settings, which no report may show. */
const secretRun = () => cannedResult({ targetConfiguration: { dsn: 'postgresql://postgres:s3cret@127.0.0.1:5432/postgres', adminPassword: 's3cret' } });

describe('publishRun', () => {
  it('writes every report of a run, the chart from the history beside them, and nothing else', async () => {
    const dir = tempDir('publish-run');
    writeFileSync(join(dir, 'history.jsonl'), cannedHistory().map((e) => JSON.stringify(e)).join('\n') + '\n');
    const outcomes = await publishRun(await secretRun(), { reportDir: dir });
    expect(outcomes).toEqual([
      { reporter: 'json', files: ['report.json'] },
      { reporter: 'markdown', files: ['report.md'] },
      { reporter: 'junit', files: ['junit.xml'] },
      { reporter: 'prometheus', files: ['metrics.prom'] },
      { reporter: 'html', files: ['report.html'] },
    ]);
    expect(readdirSync(dir).sort()).toEqual(['history.jsonl', 'junit.xml', 'metrics.prom', 'report.html', 'report.json', 'report.md']);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<figure id="timeline-figure"');
    for (const file of ['report.json', 'report.md', 'report.html', 'junit.xml']) expect(readFileSync(join(dir, file), 'utf8'), file).not.toContain('s3cret');
  });

  it("appends the run's summary to the job summary when asked, but not for a run of a suite", async () => {
    const dir = tempDir('publish-summary');
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const alone = await publishRun(await secretRun(), { reportDir: join(dir, 'run'), stepSummary: summary });
    expect(alone.at(-1)).toEqual({ reporter: 'step-summary', files: [] });
    await publishRun(await secretRun(), { reportDir: join(dir, 'suite-run'), stepSummary: summary, partOfSuite: true });
    const text = readFileSync(summary, 'utf8');
    expect(text).toMatch(/^# earlier step\n## ❌ FAIL — primary-kill\n/);
    expect(text).toContain('| `lost_writes == 0` | 1 | ❌ FAIL |');
    expect(text.match(/^Report: `.*run\/report\.md`$/gm)).toHaveLength(1);
    expect(text).not.toContain('s3cret');
  });
});

describe('publishSuite', () => {
  async function suiteOf(dir: string) {
    const runs = await Promise.all(['drill-1', 'drill-2'].map(async (scenario) => {
      const result = await secretRun();
      result.scenario = scenario;
      return result;
    }));
    const suite = buildSuiteResult({
      suiteId: 'abc', suiteDir: dir, target: 'local', startedAt: '2025-01-01T10:00:00.000Z', finishedAt: '2025-01-01T10:03:00.000Z',
      runs: runs.map((result) => ({ result, reportDir: join(dir, `${result.scenario}-run-1`) })), notRun: [],
    });
    return { suite, runs };
  }

  it("records a reporter that throws and still writes the others' files", async () => {
    const dir = tempDir('publish-suite');
    const { suite, runs } = await suiteOf(dir);
    const broken: Reporter = { name: 'broken', onRun: async () => [], onSuite: async () => { throw new Error('disk on fire'); } };
    const runOnly: Reporter = { name: 'run-only', onRun: async () => ['never.txt'] };
    expect(await publishSuite(suite, runs, { suiteDir: dir, reporters: [broken, runOnly, jsonReporter] })).toEqual([
      { reporter: 'broken', error: 'disk on fire' },
      { reporter: 'json', files: ['suite.json'] },
    ]);
    expect(readdirSync(dir)).toEqual(['suite.json']);
  });

  it("appends the suite's index to the job summary once, secrets redacted", async () => {
    const dir = tempDir('publish-suite-summary');
    const { suite, runs } = await suiteOf(dir);
    const summary = join(dir, 'summary.md');
    const outcomes = await publishSuite(suite, runs, { suiteDir: dir, stepSummary: summary });
    expect(outcomes.map((o) => o.reporter)).toEqual(['json', 'markdown', 'junit', 'prometheus', 'html', 'step-summary']);
    const text = readFileSync(summary, 'utf8');
    expect(text).toMatch(/^# ❌ FAIL — suite abc\n/);
    expect(text.match(/^## ❌ FAIL — drill-\d$/gm)).toEqual(['## ❌ FAIL — drill-1', '## ❌ FAIL — drill-2']);
    expect(readFileSync(join(dir, 'index.md'), 'utf8')).toBe(text.trimEnd() + '\n');
    expect(text).not.toContain('s3cret');
  });
});
