import { esc, facts, page, raw, table, verdictBadge, type Html } from '../html-kit.ts';
import { isInlineSequence, type Block, type Inline, type ReportDocument, type Section, type Title } from './blocks.ts';

export interface HtmlRenderOptions {
  /** The markup that fills the document's chart slot (report.html's timeline figure). */
  chart?: string;
}

/** One self-contained page (html-kit's: inline CSS, no script, nothing fetched). */
export function renderHtmlDocument(doc: ReportDocument, options: HtmlRenderOptions = {}): string {
  const parts = [`<header><h1>${titleHtml(doc.heading)}</h1>`, ...doc.lead.map((b) => block(b, options)), '</header>'];
  parts.push(...doc.sections.map((s) => section(s, options)));
  if (doc.footer !== undefined) parts.push(`<footer><p class="muted">${inline(doc.footer)}</p></footer>`);
  return page(doc.title, parts.join('\n'));
}

function section(s: Section, options: HtmlRenderOptions): string {
  const id = s.id ? ` id="${esc(s.id)}"` : '';
  return [`<section${id}><h2>${titleHtml(s.title)}</h2>`, ...s.blocks.map((b) => block(b, options)), '</section>'].join('\n');
}

function block(b: Block, options: HtmlRenderOptions): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p${b.muted ? ' class="muted"' : ''}>${inline(b.text)}</p>`;
    case 'facts':
      return facts(b.rows.map(([label, value]) => [label, html(value)]), b.id ? { id: b.id } : {});
    case 'table': {
      const classes = b.rowClasses;
      return table(b.header, b.rows.map((row) => row.map(html)), {
        ...(b.id ? { id: b.id } : {}),
        ...(classes ? { rowClass: (i: number) => classes[i] ?? '' } : {}),
      });
    }
    case 'list': {
      const tag = b.ordered ? 'ol' : 'ul';
      return `<${tag}>${b.items.map((item) => `<li>${inline(item)}</li>`).join('')}</${tag}>`;
    }
    case 'heading':
      return `<h3>${esc(b.text)}</h3>`;
    case 'details':
      return `<details><summary>${esc(b.summary)}</summary>${b.blocks.map((inner) => block(inner, options)).join('\n')}</details>`;
    case 'chart':
      return options.chart ?? '';
    default:
      return assertNever(b);
  }
}

function titleHtml(title: Title): string {
  return typeof title === 'string' ? esc(title) : `${verdictBadge(title.verdict).html} <span>${esc(title.text)}</span>`;
}

function html(value: Inline): Html {
  return raw(inline(value));
}

function inline(value: Inline): string {
  if (typeof value === 'string' || typeof value === 'number') return esc(value);
  if (isInlineSequence(value)) return value.map(inline).join('');
  switch (value.kind) {
    case 'code':
      // A long identifier (writes_blocked_on_sync_seconds) may wrap after an underscore on a narrow screen, never mid-word.
      return `<code>${esc(value.text).replace(/_/g, '_<wbr>')}</code>`;
    case 'strong':
      return `<strong>${esc(value.text)}</strong>`;
    case 'verdict':
      return verdictBadge(value.verdict).html;
    case 'check':
      // The row's colour (good / bad) carries it; the word stays for print and screen readers.
      return value.ok ? 'pass' : 'FAIL';
    case 'report-link':
      return `<a href="${esc(`${value.dir}/report.html`)}">${esc(value.text)}</a>`;
    default:
      return assertNever(value);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected block ${JSON.stringify(value)}`);
}
