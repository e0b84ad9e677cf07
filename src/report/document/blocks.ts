import type { Verdict } from '../../judge/verdict.ts';

/**
 * A report as data: what it says, in order, without how it looks. The run
 * report, the job summary and the suite index are built once as a document
 * of sections and blocks; render-markdown.ts and render-html.ts each turn it
 * into their format, so report.md and report.html cannot drift apart and a
 * new section is written once.
 */

/** Inline content: plain text, or a piece a format shows its own way. */
export type Inline = string | number | Code | Strong | VerdictBadge | CheckMark | ReportLink | readonly Inline[];

export interface Code {
  readonly kind: 'code';
  readonly text: string;
}

export interface Strong {
  readonly kind: 'strong';
  readonly text: string;
}

/** A verdict as a badge ("✅ PASS" in Markdown, a coloured label in HTML). */
export interface VerdictBadge {
  readonly kind: 'verdict';
  readonly verdict: Verdict;
}

/** Whether one check held ("✅ pass" / "❌ FAIL" in Markdown; HTML colours the row instead). */
export interface CheckMark {
  readonly kind: 'check';
  readonly ok: boolean;
}

/** A link to a run's own report, in the format of the page that links it (report.md from Markdown, report.html from HTML). */
export interface ReportLink {
  readonly kind: 'report-link';
  readonly text: string;
  /** The run's report folder, relative to the linking page. */
  readonly dir: string;
}

export type RowClass = 'good' | 'bad';

export type Block =
  | { readonly kind: 'paragraph'; readonly text: Inline; readonly muted?: boolean }
  /** Label and value pairs: a run's key facts, the audit. */
  | { readonly kind: 'facts'; readonly id?: string; readonly rows: readonly (readonly [string, Inline])[] }
  | {
    readonly kind: 'table';
    readonly id?: string;
    readonly header: readonly string[];
    readonly rows: readonly (readonly Inline[])[];
    /** Per row, parallel to `rows`: how it went (HTML colours it). */
    readonly rowClasses?: readonly (RowClass | undefined)[];
  }
  | { readonly kind: 'list'; readonly items: readonly Inline[]; readonly ordered?: boolean }
  /** A sub-heading inside a section. */
  | { readonly kind: 'heading'; readonly text: string }
  /** Content a reader opens on demand (HTML collapses it; Markdown shows it). */
  | { readonly kind: 'details'; readonly summary: string; readonly blocks: readonly Block[] }
  /** Where the HTML page draws the run's timeline chart; other formats have none. */
  | { readonly kind: 'chart' };

/** A title, or a verdict beside a name ("❌ FAIL — primary-kill"). */
export type Title = string | { readonly verdict: Verdict; readonly text: string };

export interface Section {
  readonly id?: string;
  readonly title: Title;
  readonly blocks: readonly Block[];
}

export interface ReportDocument {
  /** The page's title (a browser tab's). */
  readonly title: string;
  readonly heading: Title;
  /** Under the heading, before the first section: description, why not a pass, key facts. */
  readonly lead: readonly Block[];
  readonly sections: readonly Section[];
  readonly footer?: Inline;
}

export function code(text: string): Code {
  return { kind: 'code', text };
}

export function strong(text: string): Strong {
  return { kind: 'strong', text };
}

export function verdictBadge(verdict: Verdict): VerdictBadge {
  return { kind: 'verdict', verdict };
}

export function checkMark(ok: boolean): CheckMark {
  return { kind: 'check', ok };
}

export function reportLink(text: string, dir: string): ReportLink {
  return { kind: 'report-link', text, dir };
}

export function paragraph(text: Inline, options: { muted?: boolean } = {}): Block {
  return { kind: 'paragraph', text, ...(options.muted ? { muted: true } : {}) };
}

export function facts(rows: readonly (readonly [string, Inline])[], id?: string): Block {
  return { kind: 'facts', rows, ...(id ? { id } : {}) };
}

export function table(
  header: readonly string[],
  rows: readonly (readonly Inline[])[],
  options: { id?: string; rowClasses?: readonly (RowClass | undefined)[] } = {},
): Block {
  return { kind: 'table', header, rows, ...options };
}

export function list(items: readonly Inline[], options: { ordered?: boolean } = {}): Block {
  return { kind: 'list', items, ...(options.ordered ? { ordered: true } : {}) };
}

export function heading(text: string): Block {
  return { kind: 'heading', text };
}

export function details(summary: string, blocks: readonly Block[]): Block {
  return { kind: 'details', summary, blocks };
}

export const CHART: Block = { kind: 'chart' };

/** "good" for a row whose check held, "bad" for one that did not. */
export function rowClass(ok: boolean): RowClass {
  return ok ? 'good' : 'bad';
}

/** Pieces joined by a separator, e.g. code spans by ", ". */
export function joined(parts: readonly Inline[], separator: string): Inline[] {
  return parts.flatMap((part, i) => (i === 0 ? [part] : [separator, part]));
}

/** Array.isArray, narrowing an Inline (TypeScript's own guard does not narrow readonly arrays). */
export function isInlineSequence(value: Inline): value is readonly Inline[] {
  return Array.isArray(value);
}
