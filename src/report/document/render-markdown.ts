import type { Verdict } from '../../judge/verdict.ts';
import { isInlineSequence, type Block, type Inline, type ReportDocument, type Section, type Title } from './blocks.ts';

export const VERDICT_BADGE: Record<Verdict, string> = {
  pass: '✅ PASS',
  fail: '❌ FAIL',
  inconclusive: '⚠️ INCONCLUSIVE',
  skipped: '⏭️ SKIPPED',
  interrupted: '⏹️ INTERRUPTED',
};

/** GitHub-flavoured Markdown: the heading at level 1, sections at 2, sub-headings at 3. */
export function renderMarkdownDocument(doc: ReportDocument): string {
  const out = [`# ${titleText(doc.heading)}`, ''];
  out.push(...doc.lead.flatMap((b) => block(b)));
  out.push(...doc.sections.flatMap((s) => section(s, 2)));
  if (doc.footer !== undefined) out.push(inline(doc.footer), '');
  return out.join('\n');
}

/** Sections alone, titled at `level` (the job summary, or runs inside a suite's index). */
export function renderMarkdownSections(sections: readonly Section[], level = 2): string {
  return sections.flatMap((s) => section(s, level)).join('\n');
}

/** A section with nothing to show in Markdown (only the chart) is left out rather than left empty. */
function section(s: Section, level: number): string[] {
  const body = s.blocks.flatMap((b) => block(b, level + 1));
  return body.length === 0 ? [] : [`${'#'.repeat(level)} ${titleText(s.title)}`, '', ...body];
}

/** Each block's lines, then one blank line. */
function block(b: Block, subLevel = 3): string[] {
  switch (b.kind) {
    case 'paragraph':
      return [inline(b.text), ''];
    case 'facts':
      // Labelled lines, not a table: a GFM table must have a header row, and a key–value one has none to give.
      return [...b.rows.map(([label, value]) => `- **${oneLine(label)}:** ${inline(value)}`), ''];
    case 'table':
      return table(b.header, b.rows.map((row) => row.map(inline)));
    case 'list':
      return [...b.items.map((item, i) => `${b.ordered ? `${i + 1}.` : '-'} ${inline(item)}`), ''];
    case 'heading':
      return [`${'#'.repeat(subLevel)} ${oneLine(b.text)}`, ''];
    case 'details':
      return b.blocks.flatMap((inner) => block(inner, subLevel));
    case 'chart':
      return [];
    default:
      return assertNever(b);
  }
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line), ''];
}

function titleText(title: Title): string {
  return oneLine(typeof title === 'string' ? title : `${VERDICT_BADGE[title.verdict]} — ${title.text}`);
}

function inline(value: Inline): string {
  if (typeof value === 'string') return oneLine(value);
  if (typeof value === 'number') return String(value);
  if (isInlineSequence(value)) return value.map(inline).join('');
  switch (value.kind) {
    case 'code':
      return `\`${oneLine(value.text)}\``;
    case 'strong':
      return `**${oneLine(value.text)}**`;
    case 'verdict':
      return VERDICT_BADGE[value.verdict];
    case 'check':
      return value.ok ? '✅ pass' : '❌ FAIL';
    case 'report-link':
      return `[${oneLine(value.text)}](${value.dir}/report.md)`;
    default:
      return assertNever(value);
  }
}

/** A line break would end a list item or a table row early. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function assertNever(value: never): never {
  throw new Error(`unexpected block ${JSON.stringify(value)}`);
}
