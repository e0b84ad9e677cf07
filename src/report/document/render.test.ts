import { describe, expect, it } from 'vitest';
import {
  CHART,
  checkMark,
  code,
  details,
  facts,
  heading,
  list,
  paragraph,
  reportLink,
  strong,
  table,
  type ReportDocument,
} from './blocks.ts';
import { renderHtmlDocument } from './render-html.ts';
import { renderMarkdownDocument, renderMarkdownSections } from './render-markdown.ts';

/** One of every block, as a report would use them. */
const doc: ReportDocument = {
  title: 'FAIL drill — pgdrill run-1',
  heading: { verdict: 'fail', text: 'drill' },
  lead: [paragraph('What it does', { muted: true }), facts([['Run', code('run-1')]], 'summary')],
  sections: [
    { id: 'timeline-chart', title: 'Timeline', blocks: [CHART] },
    {
      title: 'Checks',
      blocks: [
        table(['Check', 'Result'], [[code('a | b'), checkMark(true)], ['line\nbreak', checkMark(false)]], { id: 'checks', rowClasses: ['good', 'bad'] }),
        heading('More'),
        list([[strong('2 lost'), ', see ', reportLink('report', 'run-dir')]]),
        list(['first', 'second'], { ordered: true }),
        details('3 events', [paragraph('inside')]),
      ],
    },
  ],
  footer: 'the end',
};

describe('a report document', () => {
  it('renders to Markdown: badges and marks as text, pipes escaped, no line breaks in cells, the chart section left out', () => {
    const md = renderMarkdownDocument(doc);
    expect(md).toBe([
      '# ❌ FAIL — drill', '',
      'What it does', '',
      '- **Run:** `run-1`', '',
      '## Checks', '',
      '| Check | Result |', '| --- | --- |', '| `a \\| b` | ✅ pass |', '| line break | ❌ FAIL |', '',
      '### More', '',
      '- **2 lost**, see [report](run-dir/report.md)', '',
      '1. first', '2. second', '',
      'inside', '',
      'the end', '',
    ].join('\n'));
    expect(renderMarkdownSections([{ title: { verdict: 'pass', text: 'x' }, blocks: [paragraph('y')] }], 3)).toBe('### ✅ PASS — x\n\ny\n');
  });

  it('renders to HTML: escaped text, ids and row classes, the chart slot filled, details collapsed, links to report.html', () => {
    const html = renderHtmlDocument(doc, { chart: '<figure id="timeline-figure"></figure>' });
    expect(html).toContain('<title>FAIL drill — pgdrill run-1</title>');
    expect(html).toContain('<header><h1><span class="verdict verdict-fail">FAIL</span> <span>drill</span></h1>\n<p class="muted">What it does</p>');
    expect(html).toContain('<table class="facts" id="summary"><tbody>\n<tr><th scope="row">Run</th><td><code>run-1</code></td></tr>');
    expect(html).toContain('<section id="timeline-chart"><h2>Timeline</h2>\n<figure id="timeline-figure"></figure>\n</section>');
    expect(html).toContain('<tr class="good"><td><code>a | b</code></td><td>pass</td></tr>');
    expect(html).toContain('<tr class="bad"><td>line\nbreak</td><td>FAIL</td></tr>');
    expect(html).toContain('<ul><li><strong>2 lost</strong>, see <a href="run-dir/report.html">report</a></li></ul>');
    expect(html).toContain('<ol><li>first</li><li>second</li></ol>');
    expect(html).toContain('<details><summary>3 events</summary><p>inside</p></details>');
    expect(html).toContain('<footer><p class="muted">the end</p></footer>');
    expect(renderHtmlDocument({ ...doc, heading: '<b>' })).toContain('<h1>&lt;b&gt;</h1>');
  });
});
