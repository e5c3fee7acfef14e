// The whole flow in a real Chromium against the web face (host-stubs/web) with the real
// dist/plugin.wasm and the Trakt simulator: catalog, permissions, install, server page,
// a user's page, connect with the device code, play a movie to 95%, rate it, sync,
// upgrade (and a tampered package refused), uninstall. axe-core on every page.
// One browser, one page load; navigation is by the URL hash.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
// @ts-ignore: plain ESM
import { startWebApp } from '../../host-stubs/web/server.mjs';
import { DIST } from '../helpers/plugin-paths.js';
import { HAVE_BROWSER, checkA11y, go as goTo, launch, shot, stopAfterFailure } from './browser.js';
import { buildProbe, probeManifest } from '../host/fixtures/build.js';

const SECRET = 'web-flow-client-secret-9f3a';
const CLIENT_ID = 'web-flow-client';
const tmp = mkdtempSync(join(tmpdir(), 'web-flow-'));

/** A copy of the built package with another version (and, if asked, a wasm that no longer matches). */
function packageCopy(version: string, tamper = false) {
  const dir = join(tmp, `pkg-${version}`);
  mkdirSync(dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(DIST, 'plugin.manifest.json'), 'utf8'));
  writeFileSync(join(dir, 'plugin.manifest.json'), JSON.stringify({ ...m, version }, null, 2));
  if (tamper) writeFileSync(join(dir, 'plugin.wasm'), Buffer.concat([readFileSync(join(DIST, 'plugin.wasm')), Buffer.from([0])]));
  else copyFileSync(join(DIST, 'plugin.wasm'), join(dir, 'plugin.wasm'));
  return dir;
}

describe.skipIf(!HAVE_BROWSER)('the web face in Chromium', () => {
  let web: any;
  let b: Awaited<ReturnType<typeof launch>>;
  let page: Page;
  const apiBodies: string[] = [];

  beforeAll(async () => {
    web = await startWebApp({ port: 0, dataDir: join(tmp, 'data'), reset: true, quiet: true });
    b = await launch();
    page = b.page;
    page.on('response', async (r) => {
      if (r.url().includes('/api/')) apiBodies.push(await r.text().catch(() => ''));
    });
    await page.goto(web.url);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await web?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  stopAfterFailure(() => page, 'failure');
  const settled = (fn: () => Promise<unknown>, value: unknown) => expect.poll(fn, { timeout: 5_000 }).toBe(value);

  const go = (hash: string, heading: RegExp) => goTo(page, hash, heading);
  const userPage = async () => {
    await go('#/user', /settings of Alice/);
    await page.getByTestId('status-text').waitFor({ state: 'attached' });
  };
  /** The status's text (inside a closed "as text" box): attached, not visible. */
  const statusText = (re: RegExp, timeout = 15_000) => page.getByTestId('status-text').filter({ hasText: re }).waitFor({ state: 'attached', timeout });

  it('catalog -> permissions -> consent -> installed', async () => {
    await page.getByRole('heading', { level: 1, name: 'Plugin catalog' }).waitFor();
    const card = page.getByRole('listitem').filter({ hasText: 'Trakt 0.1.0' });
    await expect(card.getByText(/Scrobbles what you watch/).isVisible()).resolves.toBe(true);
    expect(await card.getByRole('link', { name: /Homepage/ }).getAttribute('href')).toBe('https://trakt.tv');
    await checkA11y(page, 'catalog');
    await shot(page, '1-catalog');

    await card.getByRole('link', { name: 'Review and install Trakt 0.1.0' }).click();
    await page.getByRole('heading', { level: 1, name: 'Install Trakt 0.1.0' }).waitFor();
    const rows = page.locator('table.perms tbody tr');
    expect(await rows.locator('th').allInnerTexts()).toEqual(['http', 'kv', 'secrets', 'scheduler', 'library']);
    await expect(rows.nth(0).innerText()).resolves.toMatch(/Connect to api\.trakt\.tv, auth\.trakt\.tv\s+Talks to the Trakt API/);
    await expect(rows.nth(1).innerText()).resolves.toMatch(/Store up to 128 MiB of data/);
    await expect(rows.nth(4).innerText()).resolves.toMatch(/Read and change every user's library/);
    const install = page.getByRole('button', { name: 'Install Trakt' });
    expect(await install.isDisabled()).toBe(true);
    // Nothing runs before consent: no plugin loaded at all.
    expect(web.app.host).toBeNull();
    await checkA11y(page, 'install review');
    await shot(page, '2-permissions');
    await page.getByLabel('I allow Trakt to do all of the above').check();
    await install.click();
    await page.getByRole('heading', { level: 1, name: 'Trakt 0.1.0 is installed' }).waitFor();
    expect(web.app.host.manifest.version).toBe('0.1.0');
  });

  it('server page: client id and a secret that never reaches the browser', async () => {
    await go('#/server', /Trakt: server settings/);
    const save = page.getByRole('button', { name: 'Save' });
    expect(await save.isDisabled()).toBe(true);
    // An untouched form shows no problem yet; one shows once a field was left empty.
    expect(await page.getByRole('alert', { name: 'Problems in the form' }).count()).toBe(0);
    await page.getByLabel('Trakt client ID').focus();
    await page.getByLabel('Trakt client ID').blur();
    await expect(page.getByRole('alert', { name: 'Problems in the form' }).innerText()).resolves.toMatch(/Trakt client ID: Enter the client ID of your Trakt API application\./);
    await page.getByLabel('Trakt client ID').fill(CLIENT_ID);
    await page.getByLabel('Trakt client secret').fill(SECRET);
    await settled(() => save.isDisabled(), false);
    await save.click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByText('Saved', { exact: true }).waitFor(); // the secret: "Saved", with Replace and Clear
    await page.getByRole('button', { name: 'Replace Trakt client secret' }).waitFor();
    await page.getByRole('button', { name: 'Clear Trakt client secret' }).waitFor();
    await settled(() => save.isDisabled(), true);
    expect(await page.content()).not.toContain(SECRET);
    // A required secret cannot be cleared; Replace opens a password field, Keep saved closes it.
    await page.getByRole('button', { name: 'Clear Trakt client secret' }).click();
    await expect(page.getByRole('alert', { name: 'Problems in the form' }).innerText()).resolves.toMatch(/Trakt client secret: it is needed, so it cannot be cleared, only replaced/);
    await save.click(); // refused by the page: the secret stays
    expect(web.app.host.settings.load('server', '')).toMatchObject({ client_secret: SECRET });
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('button', { name: 'Replace Trakt client secret' }).click();
    expect(await page.getByLabel('Trakt client secret').getAttribute('type')).toBe('password');
    await page.getByRole('button', { name: 'Keep saved' }).click();
    await settled(() => save.isDisabled(), true);
    expect(web.app.host.settings.load('server', '')).toMatchObject({ client_id: CLIENT_ID, client_secret: SECRET });
    await checkA11y(page, 'server settings');
    await shot(page, '3-server-settings');
  });

  it("a user's page: defaults, a refused value changes nothing, connect with the device code", async () => {
    await userPage();
    await expect(page.getByTestId('connection').innerText()).resolves.toMatch(/Not connected to Trakt/);
    const pct = page.getByLabel('Watched at');
    expect(await pct.inputValue()).toBe('80'); // the schema's default
    expect(await page.getByLabel('Watch history').inputValue()).toBe('export');
    // Enum values are shown with their titles.
    expect(await page.getByLabel('Watch history').locator('option:checked').evaluate((o: any) => o.label)).toBe('From this library to Trakt');
    const save = page.getByRole('button', { name: 'Save' });
    expect(await save.isDisabled()).toBe(true);
    await pct.fill('30');
    await pct.blur();
    await page.locator('.validation_error').filter({ hasText: 'Enter 50 or more.' }).waitFor();
    await expect(page.getByRole('alert', { name: 'Problems in the form' }).innerText()).resolves.toMatch(/Watched at: Enter 50 or more\./);
    await save.click(); // refused by the page: nothing is sent
    expect(web.app.host.settings.load('user', 'alice')).toBeNull();
    await pct.fill('90');
    await page.getByLabel('Watch history').selectOption('both');
    await save.click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(web.app.host.settings.load('user', 'alice')).toMatchObject({ min_progress_percent: 90, sync_history: 'both' });
    await checkA11y(page, 'user settings');

    await page.getByTestId('connection').getByRole('button', { name: 'Connect Trakt' }).click();
    const code = await page.locator('.code').innerText();
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    const link = page.getByRole('link', { name: /Open auth\.trakt\.tv\/activate/ });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('href')).toBe('https://auth.trakt.tv/activate');
    await page.getByRole('button', { name: 'Copy code' }).waitFor();
    await checkA11y(page, 'connect');
    await shot(page, '4-connect');
    await page.getByRole('button', { name: `Approve ${code} as alice on the simulated trakt.tv` }).click();
    // The page asks for status by itself until the sign-in is done.
    await page.getByTestId('connection').filter({ hasText: /Connected to Trakt/ }).waitFor({ timeout: 20_000 });
    // The sign-in is done: the code box is gone.
    await settled(() => page.locator('.code').count(), 0);
  });

  it('the player: play a movie to 95%, rate it, and see both on the Trakt account', async () => {
    // A playlist as the lists area makes one (a Trakt list's source): the library page lists it.
    web.app.library.editPlaylist('alice', 'create_playlist', { name: 'Friday heists', source: 'trakt:list:42', created_by: 'trakt', items: [{ type: 'movie', ids: { tmdb: 27205 } }] });
    await go('#/library', /Library/);
    const row = page.getByRole('table', { name: /Your playlists/ }).getByRole('row', { name: /Friday heists/ });
    await row.waitFor(); // the page renders after its data comes (later on a loaded machine)
    expect(await row.locator('td').allInnerTexts()).toEqual(['1', 'Trakt list 42 (kept in step by trakt)']);
    await checkA11y(page, 'library');
    await page.getByRole('link', { name: 'Inception (2010)' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inception (2010)' }).waitFor();
    await page.getByRole('button', { name: 'Play' }).click();
    await page.getByText(/Play: the plugin took it/).waitFor();
    await page.getByTestId('player-state').filter({ hasText: /^Playing/ }).waitFor();
    await page.getByLabel('Position (%)').fill('95');
    await page.getByRole('button', { name: 'Seek' }).click();
    await page.getByText(/Seek to 95%: (the plugin took it|kept to send)/).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText(/Stop: (the plugin took it|kept to send)/).waitFor(); // kept: Trakt takes one write a second
    await page.getByLabel('Your rating').selectOption('4.5');
    await page.getByRole('button', { name: 'Save rating' }).click();
    await page.getByText(/Rating: (the plugin took it|kept to send)/).waitFor();
    await checkA11y(page, 'item');
    await shot(page, '5-item');

    await go('#/trakt', /Trakt account of alice/);
    // A play or a rating may wait a second or two in the outbox (one write a second).
    for (let i = 0; i < 20; i++) {
      if (await page.getByRole('region', { name: 'Ratings' }).getByText('Inception (2010): 9/10').count()
        && await page.getByRole('region', { name: 'Plays' }).getByText(/Inception \(2010\): /).count()) break;
      await new Promise((r) => setTimeout(r, 700));
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    await page.getByRole('region', { name: 'Ratings' }).getByText('Inception (2010): 9/10').waitFor();
    await page.getByRole('region', { name: 'Plays' }).getByText(/Inception \(2010\): .* \((scrobbled|added)\)/).waitFor();
    await checkA11y(page, 'trakt account');
    await shot(page, '6-trakt');
  });

  it('sync now, with a dry-run preview first', async () => {
    await userPage();
    await page.getByRole('button', { name: 'Open the dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run: what a sync would change' }).waitFor();
    await page.getByRole('button', { name: 'Sync now' }).first().click();
    // A sync ends the old preview's box.
    await settled(() => page.getByRole('heading', { name: 'Dry run: what a sync would change' }).count(), 0);
    await statusText(/Last sync/i, 30_000);
    const plays = web.app.sim.history('alice').filter((h: any) => h.movie?.ids.tmdb === 27205);
    expect(plays).toHaveLength(1); // the scrobbled play, not sent again by the sync
  });

  it('a tampered package is refused and changes nothing; a real upgrade keeps the connection', async () => {
    web.app.publish(packageCopy('0.1.1'));
    web.app.publish(packageCopy('0.1.2', true));
    await go('#/catalog', /Plugin catalog/);
    await page.getByRole('link', { name: 'Upgrade to 0.1.2' }).click();
    await page.getByRole('heading', { level: 1, name: 'This package cannot be installed' }).waitFor();
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/wasm\.sha256 does not match https:\/\/plugins\.revenge\.local\/trakt-0\.1\.2\/plugin\.wasm[\s\S]*Nothing was installed or changed/);
    expect(web.app.host.manifest.version).toBe('0.1.0');
    await checkA11y(page, 'refused package');

    await go('#/catalog', /Plugin catalog/);
    await page.getByRole('link', { name: 'Upgrade to 0.1.1' }).click();
    await page.getByRole('heading', { level: 1, name: 'Upgrade Trakt 0.1.1' }).waitFor();
    await page.getByText('This version asks for nothing new.').waitFor();
    await page.getByRole('button', { name: 'Upgrade to 0.1.1' }).click();
    await page.getByText(/Upgraded from 0\.1\.0\. Upgraded from 0\.1\.0: state version/).waitFor();
    expect(web.app.host.manifest.version).toBe('0.1.1');
    await userPage();
    await page.getByTestId('connection').filter({ hasText: /Connected to Trakt/ }).waitFor();
  });

  it('uninstall: the plugin revokes the sign-in, its data is gone', async () => {
    await go('#/catalog', /Plugin catalog/);
    await page.getByRole('button', { name: 'Uninstall…' }).click();
    await page.getByRole('button', { name: 'Yes, uninstall' }).click();
    await page.getByText(/Uninstalled: 1 Trakt sign-in revoked/).waitFor();
    expect(web.app.sim.tokensOf('alice').filter((t: any) => t.status === 'active')).toHaveLength(0);
    await page.getByRole('link', { name: 'Review and install Trakt 0.1.0' }).waitFor();
    await checkA11y(page, 'catalog after uninstall');
    // No API answer ever carried the client secret.
    expect(apiBodies.length).toBeGreaterThan(20);
    expect(apiBodies.filter((t) => t.includes(SECRET))).toEqual([]);
  });

  it("an item page shows the plugin's item actions with their params form (fixture plugin)", async () => {
    const wasm = buildProbe();
    const dir = join(tmp, 'probe');
    mkdirSync(dir, { recursive: true });
    const m = probeManifest(wasm, { apiRevision: 2 });
    m.actions.push({
      id: 'match', scope: 'item', label: 'Fix the match', description: 'Tell the plugin which Trakt movie this is.',
      params: { schema: { type: 'object', properties: { tmdb: { type: 'integer', minimum: 1, title: 'TMDB id', description: 'The id on themoviedb.org' } }, required: ['tmdb'] } },
    });
    writeFileSync(join(dir, 'plugin.manifest.json'), JSON.stringify(m));
    writeFileSync(join(dir, 'plugin.wasm'), wasm);
    web.app.publish(dir);
    await go('#/library', /Library/);
    await go('#/catalog', /Plugin catalog/);
    await page.getByRole('link', { name: 'Review and install Probe 1.0.0' }).click();
    await page.getByLabel('I allow Probe to do all of the above').check();
    await page.getByRole('button', { name: 'Install Probe' }).click();
    await page.getByRole('heading', { level: 1, name: 'Probe 1.0.0 is installed' }).waitFor();
    await go('#/item/movie-27205', /Inception \(2010\)/);
    await page.getByRole('button', { name: 'Fix the match…' }).click();
    const tmdb = page.getByLabel('TMDB id');
    await tmdb.fill('0');
    const submit = page.getByRole('button', { name: 'Fix the match', exact: true });
    await submit.click(); // refused by the page, with the problem at the field
    await page.locator('.validation_error').filter({ hasText: 'Enter 1 or more.' }).waitFor();
    expect(web.app.host.kv.get('seen/action/match')?.value ?? null).toBeNull();
    await checkA11y(page, 'item action form');
    await tmdb.fill('27205');
    await settled(() => submit.isDisabled(), false);
    await submit.click();
    await page.locator('.action-output.tone-success').waitFor();
    expect(JSON.parse(web.app.host.kv.get('seen/action/match').value)).toMatchObject({ user_id: 'alice', item: { type: 'movie', ids: { tmdb: 27205 } }, params: { tmdb: 27205 } });
    await shot(page, '7-item-action');
  });
});
