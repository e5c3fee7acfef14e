// Debian's chromium under playwright-core, for the browser tests. Under CI (CI=true) a
// missing browser fails the suite; elsewhere the suite is skipped with the command that
// installs it (tests/web/install-browser.sh).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { afterEach, beforeEach, expect } from 'vitest';
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

/** One flow: once a step fails, the later ones say so instead of timing out one by one; the failure is photographed. */
export function stopAfterFailure(page: () => Page, name: string) {
  let broken = '';
  beforeEach(() => { if (broken) throw new Error(`an earlier step failed: ${broken}`); });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || broken) return;
    broken = ctx.task.name;
    await shot(page(), name).catch(() => {});
  });
}

/** Goes to a hash route and waits for its h1. */
export async function go(page: Page, hash: string, heading: RegExp) {
  await page.evaluate((h) => { (globalThis as any).location.hash = h; }, hash);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}
