import type { Verdict } from '../judge/verdict.ts';
import { cleanText } from './xml-text.ts';

/** Markup that is already safe; everything else given to these helpers is escaped. */
export interface Html {
  readonly html: string;
}

export function raw(html: string): Html {
  return { html };
}

export function esc(text: string | number): string {
  return cleanText(String(text)).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export type Cell = string | number | Html;

function cell(c: Cell): string {
  return typeof c === 'object' ? c.html : esc(c);
}

export function code(text: string): Html {
  return raw(`<code>${esc(text)}</code>`);
}

export function table(
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
  attrs: { id?: string; className?: string; rowClass?: (index: number) => string } = {},
): string {
  const id = attrs.id ? ` id="${esc(attrs.id)}"` : '';
  const cls = attrs.className ? ` class="${esc(attrs.className)}"` : '';
  const head = header.some((h) => h !== '') ? `<thead><tr>${header.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>` : '';
  const body = rows
    .map((r, i) => {
      const rowClass = attrs.rowClass?.(i);
      return `<tr${rowClass ? ` class="${esc(rowClass)}"` : ''}>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table${id}${cls}>${head}<tbody>\n${body}\n</tbody></table>`;
}

/** Two columns, the first a row header: for key facts. */
export function facts(rows: readonly (readonly [string, Cell])[], attrs: { id?: string } = {}): string {
  const id = attrs.id ? ` id="${esc(attrs.id)}"` : '';
  return `<table class="facts"${id}><tbody>\n${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${cell(v)}</td></tr>`).join('\n')}\n</tbody></table>`;
}

export const VERDICT_LABEL: Record<Verdict, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  skipped: 'SKIPPED',
  interrupted: 'INTERRUPTED',
};

export function verdictBadge(verdict: Verdict): Html {
  return raw(`<span class="verdict verdict-${verdict}">${VERDICT_LABEL[verdict]}</span>`);
}

/**
 * The page around a report: inline CSS only, no script, no external
 * resource (fonts, images, styles), so it opens the same from a CI artifact,
 * an e-mail attachment or an air-gapped laptop.
 */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pgdrill">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const STYLE = `
:root { color-scheme: light; --fg: #1c2327; --muted: #5f6b73; --line: #dde3e7; --head: #f3f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 6px; }
p { margin: 6px 0; }
.muted { color: var(--muted); }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; font-size: 14px; font-weight: 700; letter-spacing: .04em; color: #fff; }
.verdict-pass { background: #2e7d32; } .verdict-fail { background: #c62828; } .verdict-inconclusive { background: #ef6c00; }
.verdict-skipped { background: #607d8b; } .verdict-interrupted { background: #6a1b9a; }
ul { margin: 8px 0; padding-left: 20px; } ul li { margin: 2px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 600; }
table.facts th { width: 190px; background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fdecea; } tr.good td:last-child { color: #2e7d32; } tr.bad td:last-child { color: #b71c1c; font-weight: 600; }
code { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f3f6f8; padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
#metrics td:first-child, #thresholds td:first-child, #metrics code { white-space: nowrap; overflow-wrap: normal; }
figure { margin: 8px 0; overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
.chart-narrow { display: none; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
figcaption .key { display: inline-block; margin: 0 14px 2px 0; }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 0; vertical-align: baseline; }
.swatch-line { display: inline-block; width: 16px; height: 0; margin: 0 4px 3px 0; vertical-align: middle; }
details summary { cursor: pointer; color: var(--muted); margin: 6px 0; }
/* A phone: the chart drawn for the width (its text at full size), tables that wrap or scroll inside themselves. */
@media screen and (max-width: 700px) {
  main { padding: 14px 10px 32px; }
  .chart-wide { display: none; }
  .chart-narrow { display: block; }
  table { display: block; overflow-x: auto; max-width: 100%; font-size: 12px; }
  th, td { padding: 3px 5px; }
  table.facts th { width: 38%; }
  #metrics td:first-child, #thresholds td:first-child, #metrics code, #thresholds code { white-space: normal; overflow-wrap: normal; }
  h1 { font-size: 19px; }
}
/* Paper: the full-width chart, no collapsed sections, the event log left out (report.json and history.jsonl hold it). */
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  figure { overflow: visible; }
  .chart-narrow { display: none; }
  .chart-wide { display: block; }
  #run-events, details { display: none; }
  h2, h3 { break-after: avoid; }
  tr, figure { break-inside: avoid; }
  table { font-size: 10.5px; }
  code { white-space: normal; overflow-wrap: anywhere; }
}
`;
