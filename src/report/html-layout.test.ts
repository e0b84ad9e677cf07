import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cannedDrillHistory, cannedDrillResult } from '../../test/support/canned-drill.ts';
import { ensureChromium, withPage } from '../../test/support/chromium.ts';
import type { ToolCheck } from '../../test/support/debian-package.ts';
import { renderHtml } from './html.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

interface Box {
  text: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The shown chart's label texts and rules, as the browser laid them out (page pixels). */
async function chartGeometry(page: Page): Promise<{ labels: Box[]; rules: Box[]; svg: Box; fontPx: number[] }> {
  return page.evaluate(() => {
    const box = (e: Element, text = ''): Box => {
      const r = e.getBoundingClientRect();
      return { text, x0: r.left, x1: r.right, y0: r.top, y1: r.bottom };
    };
    const svg = [...document.querySelectorAll('#timeline-figure svg')].find((s) => s.getBoundingClientRect().width > 0)!;
    const labels = [...svg.querySelectorAll('g[class*="chart_label"] text')].map((t) => box(t, t.textContent ?? ''));
    const rules = [...svg.querySelectorAll('g[class*="chart_marker"] path, g[class*="chart_marker"] line')].map((p) => box(p));
    const fontPx = [...svg.querySelectorAll('text')].filter((t) => (t.textContent ?? '').trim() !== '').map((t) => t.getBoundingClientRect().height);
    return { labels, rules, svg: box(svg), fontPx };
  });
}

function expectReadableChart(geometry: Awaited<ReturnType<typeof chartGeometry>>): void {
  const { labels, rules, svg, fontPx } = geometry;
  expect(rules.length, "the markers' lines were found").toBeGreaterThanOrEqual(4);
  expect(labels.map((l) => l.text).sort()).toEqual(['kill: RTO 10.955 s', 'pg-a → TL 2', 'pg-b promoted (TL 2)', 'pg-c → TL 2', 'primary-kill (pg-a)']);
  const overlap = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  for (const [i, a] of labels.entries()) {
    expect(a.x0, `${a.text} inside the chart`).toBeGreaterThanOrEqual(svg.x0);
    expect(a.x1, `${a.text} inside the chart`).toBeLessThanOrEqual(svg.x1);
    for (const b of labels.slice(i + 1)) expect(overlap(a, b), `"${a.text}" over "${b.text}"`).toBe(false);
    for (const rule of rules) expect(overlap(a, rule), `a marker's line crosses "${a.text}"`).toBe(false);
  }
  // Text a person can read: no glyph box under 10 px high once scaled to the page.
  expect(Math.min(...fontPx)).toBeGreaterThanOrEqual(10);
}

describe('report.html as a person sees it (headless Chromium)', () => {
  let browser: ToolCheck;
  let file = '';
  beforeAll(async () => {
    browser = await ensureChromium();
    const dir = mkdtempSync(join(tmpdir(), 'pgdrill-layout-'));
    file = join(dir, 'report.html');
    writeFileSync(file, await renderHtml(await cannedDrillResult(), cannedDrillHistory()));
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 660_000);

  it('at 1400 px: the drill fills the chart, labels apart and off every line, nothing scrolls sideways', async (ctx) => {
    if (!browser.ok) return ctx.skip(browser.reason);
    await withPage(file, async ({ page, outsideRequests }) => {
      await page.setViewportSize({ width: 1400, height: 1000 });
      await page.screenshot({ path: join(SCREENSHOTS, 'layout-1400.png'), fullPage: true });
      await page.locator('#timeline-figure').screenshot({ path: join(SCREENSHOTS, 'layout-1400-chart.png') });
      expectReadableChart(await chartGeometry(page));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
      expect(outsideRequests).toEqual([]);
    });
  }, 60_000);

  it('at 420 px: a chart drawn for the width, readable, and no table pushes the page sideways', async (ctx) => {
    if (!browser.ok) return ctx.skip(browser.reason);
    await withPage(file, async ({ page }) => {
      await page.setViewportSize({ width: 420, height: 900 });
      await page.screenshot({ path: join(SCREENSHOTS, 'layout-420.png'), fullPage: true });
      await page.locator('#timeline-figure').screenshot({ path: join(SCREENSHOTS, 'layout-420-chart.png') });
      await page.locator('#metrics').screenshot({ path: join(SCREENSHOTS, 'layout-420-metrics.png') });
      expectReadableChart(await chartGeometry(page));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
      // Every table fits the page or scrolls inside its own box.
      const widest = await page.evaluate(() => Math.max(...[...document.querySelectorAll('table')].map((t) => t.parentElement!.getBoundingClientRect().right)));
      expect(widest).toBeLessThanOrEqual(420);
    });
  }, 60_000);

  it('printed: the wide chart, and the Events section (collapsed on screen) left out', async (ctx) => {
    if (!browser.ok) return ctx.skip(browser.reason);
    await withPage(file, async ({ page }) => {
      expect(await page.locator('#run-events details').getAttribute('open')).toBeNull();
      expect(await page.locator('#run-events').isVisible()).toBe(true);
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: 794, height: 1123 });
      await page.screenshot({ path: join(SCREENSHOTS, 'layout-print.png'), fullPage: true });
      expect(await page.locator('#run-events').isVisible()).toBe(false);
      const shown = await page.evaluate(() => [...document.querySelectorAll('#timeline-figure svg')].filter((s) => s.getBoundingClientRect().width > 0).length);
      expect(shown).toBe(1);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(794);
    });
  }, 60_000);
});
