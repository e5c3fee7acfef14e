// Debian's chromium under playwright-core, for the browser tests. Under CI (CI=true) a
// missing browser fails the suite; elsewhere the suite is skipped with the command that
// installs it (tests/web/install-browser.sh).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { expect } from 'vitest';
import { ROOT } from '../helpers/plugin-paths.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAVE_BROWSER = existsSync(CHROMIUM);
export const ARTIFACTS = join(ROOT, 'tests', 'web', 'artifacts');
if (!HAVE_BROWSER && process.env.CI === 'true') {
  throw new Error(`no browser at ${CHROMIUM}: under CI the browser tests must run (bash tests/web/install-browser.sh installs it)`);
}
if (!HAVE_BROWSER) console.warn(`tests/web skipped: no ${CHROMIUM} (bash tests/web/install-browser.sh installs it)`);

export async function launch(): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** axe-core on the page as it is now: no serious or critical violations. */
export async function checkA11y(page: Page, label: string) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`).join('\n');
  expect(text, `axe on ${label}`).toBe('');
}

export async function shot(page: Page, name: string, path?: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path ?? join(ARTIFACTS, `${name}.png`), fullPage: true });
}
