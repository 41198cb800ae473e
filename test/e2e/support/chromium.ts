/**
 * Real Chromium across real sites (BROWSER-TESTING.md): every `.test` host maps to 127.0.0.1 inside the
 * browser, HTTPS everywhere, and third-party cookies fixed to allowed (0) or blocked (1) through a fresh
 * profile's preferences, never left to the build's default.
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CHROMIUM_PATH } from '../../support/env.js';

export type CookieMode = 'allowed' | 'blocked';
export const COOKIE_MODES: CookieMode[] = ['allowed', 'blocked'];

export interface TestBrowser {
  context: BrowserContext;
  mode: CookieMode;
  close(): Promise<void>;
}

export async function launchBrowser(mode: CookieMode): Promise<TestBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'adieu-profile-'));
  mkdirSync(join(dir, 'Default'), { recursive: true });
  writeFileSync(
    join(dir, 'Default', 'Preferences'),
    JSON.stringify({ profile: { cookie_controls_mode: mode === 'allowed' ? 0 : 1 } }),
  );
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--host-resolver-rules=MAP *.test 127.0.0.1',
      '--ignore-certificate-errors',
    ],
  });
  return {
    context,
    mode,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where screenshots and HTML of browser tests go; CI prints the paths on failure. */
export const ARTIFACTS_DIR = join(process.cwd(), 'test-results');

/** Save a screenshot (and the HTML) of a step; returns the screenshot path. */
export async function snapshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = join(ARTIFACTS_DIR, `${name.replace(/[^a-z0-9_-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  writeFileSync(file.replace(/\.png$/, '.html'), await pageHtml(page));
  return file;
}

/** The page's HTML; a page that is navigating on its own (the receipt moves on by itself) is read once it lands. */
async function pageHtml(page: Page): Promise<string> {
  for (let i = 0; i < 3; i++) {
    try {
      return await page.content();
    } catch {
      await page.waitForLoadState('domcontentloaded').catch(() => undefined);
    }
  }
  return `<!-- ${page.url()} was still navigating; no HTML captured -->`;
}
