import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CannedHistory } from '../../test/support/canned-history.ts';
import { cannedHistory, cannedRestoreResult, cannedResult } from '../../test/support/canned-run.ts';
import { chartData } from './chart-data.ts';
import { htmlReporter, renderHtml, REPORT_HTML } from './html.ts';
import { publishRun } from './publish.ts';

describe('timeline chart data', () => {
  const data = chartData(cannedHistory());

  it('counts write outcomes per bucket, stacked ok → failed → unknown, as writes per second', () => {
    expect(data.bucketSeconds).toBe(0.5);
    const at = (start: number) => data.writes.filter((w) => w.start === start);
    // 10.0–10.5 s: one refused write (10.001) and nothing acknowledged.
    expect(at(10)).toEqual([{ start: 10, end: 10.5, outcome: 'failed', count: 1, perSecond: 2, y0: 0, y1: 2 }]);
    // 11.0–11.5: a refused write at 11.001 and an unknown one at 11.1, stacked.
    expect(at(11).map((w) => [w.outcome, w.y0, w.y1])).toEqual([['failed', 0, 2], ['unknown', 2, 4]]);
    const okBefore = data.writes.filter((w) => w.outcome === 'acknowledged' && w.start < 10).reduce((n, w) => n + w.count, 0);
    expect(okBefore).toBe(100);
  });

  it('shades each fault from inject to heal, and marks the promotion and the timeline switch', () => {
    expect(data.faults).toEqual([{ fault: 'f1', kind: 'primary-kill', start: 10, end: 30, healed: true, label: 'primary-kill (pg-a)' }]);
    expect(data.roleChanges.map(({ t, kind, label }) => ({ t, kind, label }))).toEqual([
      { t: 15, kind: 'promotion', label: 'pg-b promoted (TL 2)' },
      { t: 31, kind: 'timeline', label: 'pg-a → TL 2' },
    ]);
  });

  it('counts archive failures from the run start, across a change of primary, and keeps lag per replica', () => {
    expect(data.archive.at(-1)!.failures).toBe(2);
    expect(data.archive.find((p) => p.t < 20)!.failures).toBe(0);
    expect(Math.max(...data.lag.filter((p) => p.replica === 'pg-c').map((p) => p.lagBytes))).toBe(2_800_000);
  });

  it('marks a fault that was never healed up to the end of the run', () => {
    const h = new CannedHistory().inject(1_000, 'f9', 'stalled-archive', []).write('k', 5_000, { ok: 5_010 }).events();
    expect(chartData(h).faults).toEqual([{ fault: 'f9', kind: 'stalled-archive', start: 1, end: 5.01, healed: false, label: 'stalled-archive, never healed' }]);
  });
});

describe('report.html', () => {
  it('draws the chart for a page and for a phone, with one caption in the legend\'s words', async () => {
    const html = await renderHtml(await cannedResult(), cannedHistory());
    expect(html.match(/<div class="chart-(wide|narrow)"><svg /g)).toHaveLength(2);
    const caption = html.slice(html.indexOf('<figcaption>'), html.indexOf('</figcaption>'));
    for (const word of ['acknowledged', 'failed', 'unknown']) {
      expect(caption).toContain(`<b>${word}</b>`);
      expect(html).toContain(`>${word}</text>`);
    }
    expect(caption).not.toMatch(/unknown outcome|\bok\b/);
    expect(html).toContain('f1: RTO 5.005 s');
  });

  it('collapses the Events section and leaves it out of print', async () => {
    const html = await renderHtml(await cannedResult(), cannedHistory());
    expect(html).toMatch(/<section id="run-events"><h2>Events<\/h2>\n<details><summary>/);
    expect(html).toMatch(/@media print \{[^@]*#run-events, details \{ display: none; \}/);
  });

  it('is one self-contained page: inline SVG chart, no script, nothing fetched', async () => {
    const html = await renderHtml(await cannedResult(), cannedHistory());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<figure id="timeline-figure"');
    expect(html).toMatch(/<svg [^>]*class="marks"/);
    expect(html).not.toMatch(/<script|<link |<img |<iframe|@import|url\(/i);
    // Only XML namespace names may look like addresses; nothing is loaded from them.
    const addresses = [...html.matchAll(/(?:src|href)\s*=\s*["']([^"']+)/gi)].map((m) => m[1]);
    expect(addresses).toEqual([]);
  });

  it('shows the verdict, the broken threshold, metrics, the lost key and the audit section', async () => {
    const html = await renderHtml(await cannedResult(), cannedHistory());
    expect(html).toContain('<span class="verdict verdict-fail">FAIL</span>');
    expect(html).toContain('<tr class="bad"><td><code>lost_<wbr>writes == 0</code></td><td>1</td><td>FAIL</td></tr>');
    expect(html).toContain('<td><code>rto_<wbr>seconds</code></td><td>5.005 s</td>');
    expect(html).toMatch(/<table id="lost-writes">[\s\S]*<code>w-99<\/code><\/td><td>2025-01-01T10:00:09.905Z<\/td><td>pg-a<\/td>/);
    expect(html).toContain('<tr><th scope="row">Who</th><td>sre</td></tr>');
    expect(html).toContain('<code>/usr/bin/node /opt/pgdrill/bin/pgdrill.js run primary-kill --report-dir out</code>');
    expect(html).toContain(`<code>sha256:${'cd'.repeat(32)}</code>`);
  });

  it('shows each restore with its checksum and offending keys, a failed restore in red', async () => {
    const html = await renderHtml(await cannedRestoreResult(), null);
    expect(html).toMatch(/<table id="restores">[\s\S]*<tr class="bad"><td>restore-1<\/td>[\s\S]*<td>1004 to 1006<\/td><td>0cc175b9c0f1b6a831c399e269772661<\/td><td>1: w-42<\/td><td>1: v-7<\/td>/);
    expect(html).toContain('<tr class="bad"><td>restore-2</td><td>recovery ended before the target was reached</td></tr>');
    expect(html).toMatch(/<table id="backups">[\s\S]*20250101-100000F/);
  });

  it('escapes whatever a run put in its text', async () => {
    const r = await cannedResult();
    r.verdictReasons.push('<img src=x onerror=alert(1)> & "quotes" \u001b[31mred\u001b[0m');
    const html = await renderHtml(r, null);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; red');
    expect(html).not.toContain('<img');
    expect(html).toContain('No history to draw');
  });

  it('is written by its reporter from the history.jsonl beside it, secrets redacted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-html-'));
    writeFileSync(join(dir, 'history.jsonl'), cannedHistory().map((e) => JSON.stringify(e)).join('\n') + '\n');
    const r = await cannedResult({ targetConfiguration: { dsn: 'postgresql://postgres:s3cret@127.0.0.1:5432/postgres', adminPassword: 's3cret' } });
    expect(await publishRun(r, { reportDir: dir, reporters: [htmlReporter] })).toEqual([{ reporter: 'html', files: [REPORT_HTML] }]);
    const html = readFileSync(join(dir, REPORT_HTML), 'utf8');
    expect(html).toContain('pg-b promoted (TL 2)');
    expect(html).not.toContain('s3cret');
  });
});
