import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ensureDebianTool, type ToolCheck } from './debian-package.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, installed with apt-get when missing and root (its recommended fonts included, so text renders). */
export function ensureChromium(): Promise<ToolCheck> {
  return ensureDebianTool(CHROMIUM, 'chromium', { recommends: true });
}

export interface OpenedPage {
  page: Page;
  /** Every request the page made other than for the file itself: a self-contained report makes none. */
  outsideRequests: string[];
}

/**
 * Opens a local file in headless Chromium with a fresh profile and no
 * background traffic, blocks every request but the file itself (and records
 * them), runs `use`, then closes the browser and removes the profile.
 */
export async function withPage<T>(file: string, use: (opened: OpenedPage) => Promise<T>): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), 'pgdrill-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const url = `file://${file}`;
    const outsideRequests: string[] = [];
    await page.route('**/*', (route) => {
      const requested = route.request().url();
      if (requested === url) return route.continue();
      outsideRequests.push(requested);
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    return await use({ page, outsideRequests });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
