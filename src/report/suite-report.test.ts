import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cannedResult } from '../../test/support/canned-run.ts';
import { renderSuiteMarkdown } from './markdown.ts';
import { publishSuite } from './publish.ts';
import { appendStepSummary } from './step-summary.ts';
import { buildSuiteResult } from './suite-result.ts';

async function suiteOf(verdicts: ('pass' | 'fail' | 'skipped')[], notRun: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'pgdrill-suite-'));
  const results = await Promise.all(verdicts.map(async (verdict, i) => {
    const r = await cannedResult();
    r.scenario = `drill-${i + 1}`;
    r.verdict = verdict;
    return r;
  }));
  const suite = buildSuiteResult({
    suiteId: 'abc', suiteDir: dir, target: 'local', startedAt: '2025-01-01T10:00:00.000Z', finishedAt: '2025-01-01T10:03:00.000Z',
    runs: results.map((result) => ({ result, reportDir: join(dir, `${result.scenario}-run-1`) })),
    notRun: notRun.map((scenario) => ({ scenario, reason: 'the suite was interrupted' })),
    commandLine: ['node', 'pgdrill', 'run', 'scenarios/', '--pushgateway', 'http://u:pw@host:9091'],
  });
  return { dir, suite, results };
}

describe('suite report', () => {
  it('takes the worst verdict of its runs; a suite cut short is interrupted', async () => {
    expect((await suiteOf(['pass', 'pass'])).suite.verdict).toBe('pass');
    expect((await suiteOf(['pass', 'fail', 'skipped'])).suite.verdict).toBe('fail');
    expect((await suiteOf(['pass', 'skipped'])).suite.verdict).toBe('skipped');
    expect((await suiteOf(['pass'], ['drill-2'])).suite.verdict).toBe('interrupted');
  });

  it('writes index.md, index.html, suite.json, one junit.xml with every run and metrics.prom', async () => {
    const { dir, suite, results } = await suiteOf(['pass', 'fail']);
    await publishSuite(suite, results, { suiteDir: dir });
    expect(readdirSync(dir).sort()).toEqual(['index.html', 'index.md', 'junit.xml', 'metrics.prom', 'suite.json']);
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(2);
    expect(readFileSync(join(dir, 'metrics.prom'), 'utf8')).toContain('pgdrill_verdict{scenario="drill-2",target="local",verdict="fail"} 1');
    const json = JSON.parse(readFileSync(join(dir, 'suite.json'), 'utf8'));
    expect(json).toMatchObject({ kind: 'suite', verdict: 'fail', runs: [{ scenario: 'drill-1', dir: 'drill-1-run-1' }, { scenario: 'drill-2', verdict: 'fail' }] });
    expect(json.audit.commandLine).toEqual(['node', 'pgdrill', 'run', 'scenarios/', '--pushgateway', 'http://u:[redacted]@host:9091']);
    const md = readFileSync(join(dir, 'index.md'), 'utf8');
    expect(md).toMatch(/^# ❌ FAIL — suite abc/);
    expect(md).toContain('[report](drill-2-run-1/report.md)');
    expect(md).toContain('## ❌ FAIL — drill-2');
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<a href="drill-1-run-1/report.html">report</a>');
    expect(html).not.toMatch(/<script/);
  });

  it('appends its Markdown to GITHUB_STEP_SUMMARY when that is set, after what is there', async () => {
    const { suite, results } = await suiteOf(['pass']);
    const file = join(mkdtempSync(join(tmpdir(), 'pgdrill-summary-')), 'summary.md');
    writeFileSync(file, '# earlier step\n');
    expect(await appendStepSummary(renderSuiteMarkdown(suite, results), { GITHUB_STEP_SUMMARY: file })).toBe(file);
    expect(await appendStepSummary('ignored', {})).toBeNull();
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# earlier step\n# ✅ PASS — suite abc/);
    expect(text).not.toContain(':pw@');
  });

});
