// Issue 17 in a real Chromium: server values refused at the field (with the simulator's
// values one button away), enum titles and the chip input, the status page at a glance
// (connection, areas, waiting, problems, the chart), the player's running clock and its
// progress events, a reconnect that delivers what waited within a minute, and a restart
// without --reset that keeps the connection and the data. axe on every page.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
// @ts-ignore: plain ESM
import { startWebApp } from '../../host-stubs/web/server.mjs';
// @ts-ignore: plain ESM
import { SIMULATOR_VALUES } from '../../host-stubs/web/app.mjs';
import { ROOT } from '../helpers/plugin-paths.js';
import { HAVE_BROWSER, checkA11y, go as goTo, launch, shot, stopAfterFailure } from './browser.js';

const tmp = mkdtempSync(join(tmpdir(), 'web-status-'));
const dataDir = join(tmp, 'data');
const README_SHOTS = process.env.UPDATE_SCREENSHOTS === '1';

describe.skipIf(!HAVE_BROWSER)('status, words, reconnect and restart in Chromium', () => {
  let web: any;
  let b: Awaited<ReturnType<typeof launch>>;
  let page: Page;
  const api = async (path: string, body: unknown) => {
    const r = await fetch(`${web.url}api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const out = (await r.json()) as any;
    if (!r.ok) throw new Error(`${path}: ${out.error}`);
    return out;
  };
  const start = async (reset: boolean) => {
    web = await startWebApp({ port: 0, dataDir, reset, quiet: true, progressEveryMs: 1_000 });
    await page.goto(web.url);
  };

  beforeAll(async () => {
    b = await launch();
    page = b.page;
    await start(true);
    const { review_id } = await api('/review', { index: 0 });
    await api('/install', { review_id, consent: true });
    await page.reload();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await web?.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  stopAfterFailure(() => page, 'status-failure');

  const go = (hash: string, heading: RegExp) => goTo(page, hash, heading);
  const settled = (fn: () => Promise<unknown>, value: unknown, timeout = 5_000) => expect.poll(fn, { timeout }).toBe(value);
  const summary = () => page.getByRole('alert', { name: 'Problems in the form' });
  const connection = () => page.getByTestId('connection');

  it('server settings: bad values are refused at the field, with the same words in the summary', async () => {
    await go('#/server', /Trakt: server settings/);
    await page.getByText('This host runs against the Trakt simulator.').waitFor();
    expect(await summary().count()).toBe(0); // untouched: no red yet
    const id = page.getByLabel('Trakt client ID');
    await id.fill('   ');
    await id.blur();
    const blank = 'The client ID cannot be only spaces: copy it from your Trakt API application.';
    await page.locator('.validation_error').filter({ hasText: blank }).waitFor();
    const uri = page.getByLabel('Redirect URI');
    await uri.fill('not a url');
    await page.getByRole('button', { name: 'Save' }).click(); // Save shows every problem, and sends nothing
    const https = /Enter an https:\/\/ address \(Trakt accepts no other\)/;
    await page.locator('.validation_error').filter({ hasText: https }).waitFor();
    const text = await summary().innerText();
    expect(text).toContain(`Trakt client ID: ${blank}`);
    expect(text).toMatch(/Trakt client secret: Enter the client secret of your Trakt API application\./);
    expect(text).toMatch(/Redirect URI: Enter an https:\/\/ address/);
    expect(web.app.host.settings.load('server', '')).toBeNull();
    await checkA11y(page, 'server settings with problems');
    await uri.fill('http://media.example.com/callback');
    await page.locator('.validation_error').filter({ hasText: https }).waitFor(); // http is refused too

    // A value that is not blank but not in Trakt's form: a hint, not a refusal.
    await id.fill('my-client');
    await page.getByRole('status', { name: 'Values to check' }).filter({ hasText: /Trakt's client IDs are 64 characters of 0-9 and a-f/ }).waitFor();
    await page.getByRole('button', { name: 'Fill simulator values' }).click();
    await uri.fill('');
    await settled(() => page.getByLabel('Trakt client ID').inputValue(), SIMULATOR_VALUES.client_id);
    await settled(() => summary().count(), 0);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(web.app.host.settings.load('server', '')).toMatchObject({ client_id: SIMULATOR_VALUES.client_id, client_secret: SIMULATOR_VALUES.client_secret });
    expect(await page.content()).not.toContain(SIMULATOR_VALUES.client_secret);
    await checkA11y(page, 'server settings');
    await shot(page, 'status-1-server');
    if (README_SHOTS) await shot(page, 'settings-server', join(ROOT, 'docs', 'settings-server.png'));
  });

  it('user settings: directions by their titles, the shows to leave out as chips without empty entries', async () => {
    await go('#/user', /settings of Alice/);
    const hist = page.getByLabel('Watch history');
    expect(await hist.locator('option').evaluateAll((os) => os.map((o: any) => o.label))).toEqual(expect.arrayContaining(['Off', 'From Trakt to this library', 'From this library to Trakt', 'Both ways']));
    await hist.selectOption({ label: 'Both ways' });
    const chip = page.getByLabel('Shows to leave out');
    await chip.fill('   ');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Type a title first.').waitFor();
    expect(await page.locator('.chip').count()).toBe(0);
    await chip.fill(' Bluey ');
    await chip.press('Enter');
    await page.locator('.chip').filter({ hasText: 'Bluey' }).waitFor();
    await chip.fill('bluey');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('"bluey" is in the list already.').waitFor();
    await chip.fill('Peppa Pig');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Remove Peppa Pig' }).click(); // no dialog
    await settled(() => page.locator('.chip').count(), 1);
    await page.getByLabel('Watched at').fill('101');
    await page.getByLabel('Watched at').blur();
    await page.locator('.validation_error').filter({ hasText: 'Enter 100 or less.' }).waitFor();
    await expect(summary().innerText()).resolves.toMatch(/Watched at: Enter 100 or less\./);
    await page.getByLabel('Watched at').fill('90');
    await settled(() => summary().count(), 0);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(web.app.host.settings.load('user', 'alice')).toMatchObject({ sync_history: 'both', exclude_shows: ['Bluey'], min_progress_percent: 90 });
    await checkA11y(page, 'user settings');
    if (README_SHOTS) await shot(page, 'settings-user', join(ROOT, 'docs', 'settings-user.png'));
  });

  it('connect from the status page; the code box goes once connected', async () => {
    await go('#/status', /Trakt: status of Alice/);
    await connection().filter({ hasText: 'Not connected to Trakt' }).waitFor();
    await checkA11y(page, 'status, not connected');
    await connection().getByRole('button', { name: 'Connect Trakt' }).click();
    const code = await page.locator('.code').innerText();
    await page.getByRole('button', { name: `Approve ${code} as alice on the simulated trakt.tv` }).click();
    await connection().filter({ hasText: 'Connected to Trakt' }).waitFor({ timeout: 20_000 });
    await connection().filter({ hasText: /Signed in as Alice \(alice\)/ }).waitFor({ timeout: 20_000 });
    await connection().filter({ hasText: /valid until .* \(in (6|7) days\)/ }).waitFor();
    await settled(() => page.locator('.code').count(), 0);
  });

  it('the player: the clock runs while playing and progress goes out while it plays', async () => {
    const events: any[] = [];
    const send = web.app.send;
    web.app.send = function (hook: string, event: any) { events.push(event); return send.call(this, hook, event); };
    try {
      await go('#/item/movie-27205', /Inception \(2010\)/);
      await page.getByRole('button', { name: 'Play' }).click();
      await page.getByTestId('player-state').filter({ hasText: /^Playing/ }).waitFor();
      const at = () => page.getByTestId('player-state').innerText().then((t) => /at (\d+:\d\d:\d\d)/.exec(t)![1]);
      const first = await at();
      await expect.poll(at, { timeout: 5_000 }).not.toBe(first);
      await expect.poll(() => events.filter((e) => e.state === 'progress').length, { timeout: 5_000 }).toBeGreaterThan(0);
      await page.getByLabel('Position (%)').fill('95');
      await page.getByRole('button', { name: 'Seek' }).click();
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.getByTestId('player-message').filter({ hasText: /^Stop: / }).waitFor();
      await expect.poll(() => web.app.sim.history('alice').length, { timeout: 10_000 }).toBe(1);
    } finally {
      web.app.send = send;
    }
  });

  it('a revoked sign-in: warnings in their colour, Connect again delivers what waited within a minute', async () => {
    web.app.sim.revokeTokens('alice'); // the user removed the app on trakt.tv
    await go('#/item/movie-603', /The Matrix \(1999\)/);
    await page.getByRole('button', { name: 'Play' }).click();
    await page.getByTestId('player-message').filter({ hasText: /^Play: / }).waitFor();
    await page.getByLabel('Position (%)').fill('96');
    await page.getByRole('button', { name: 'Seek' }).click();
    await page.getByTestId('player-message').filter({ hasText: /^Seek to 96%/ }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    const msg = page.getByTestId('player-message').filter({ hasText: /^Stop: / });
    await msg.waitFor();
    expect(await msg.getAttribute('class')).toBe('warning-box'); // kept for later: never in green
    await expect(msg.innerText()).resolves.toMatch(/kept to send to Trakt later/);

    await go('#/status', /Trakt: status of Alice/);
    // The next delivery try meets Trakt's 401, the renewal is refused: the status says so.
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Refresh status' }).click();
      return connection().innerText();
    }, { timeout: 20_000, interval: 1_000 }).toMatch(/Trakt no longer accepts this sign-in/);
    expect(await connection().getAttribute('class')).toContain('tone-error');
    await page.getByRole('heading', { name: '1 change waiting to reach Trakt' }).waitFor();
    await checkA11y(page, 'status, reconnect needed');
    await shot(page, 'status-2-reconnect');
    await connection().getByRole('button', { name: 'Connect again' }).click();
    const code = await page.locator('.code').innerText();
    await page.getByRole('button', { name: `Approve ${code} as alice on the simulated trakt.tv` }).click();
    const approved = Date.now();
    await expect.poll(() => web.app.sim.history('alice').some((h: any) => h.movie?.ids.tmdb === 603), { timeout: 60_000, interval: 500 }).toBe(true);
    expect(Date.now() - approved).toBeLessThan(60_000);
    await connection().filter({ hasText: 'Connected to Trakt' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Refresh status' }).click();
    await settled(() => page.getByRole('heading', { name: /waiting to reach Trakt/ }).count(), 0, 10_000);
    await settled(() => page.getByRole('heading', { name: 'Recent problems' }).count(), 0, 10_000);
  });

  it('the status at a glance: areas, the dry run in words, the chart of plays', async () => {
    await go('#/status', /Trakt: status of Alice/);
    const areas = page.locator('table.areas');
    await areas.waitFor();
    expect(await areas.locator('tbody th').allInnerTexts()).toEqual(['Watch history', 'Ratings', 'Watchlist', 'Collection', 'Resume points', 'Favorites', 'Trakt lists as playlists']);
    await expect(areas.locator('tbody tr').first().innerText()).resolves.toMatch(/Watch history\s+Both ways/);
    await page.getByRole('button', { name: 'Open the dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run: what a sync would change' }).waitFor({ timeout: 30_000 });
    await page.getByTestId('plays-chart').waitFor();
    await expect(page.getByRole('region', { name: 'Plays in the last 30 days' }).innerText()).resolves.toMatch(/2 sent to Trakt/);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await settled(() => page.getByRole('heading', { name: 'Dry run: what a sync would change' }).count(), 0, 30_000);
    await checkA11y(page, 'status page');
    await shot(page, 'status-3-glance');
    if (README_SHOTS) await shot(page, 'status-page', join(ROOT, 'docs', 'status-page.png'));
  });

  it('account limits: a bar per entry of data.limits, in their colour (the numbers of the answer are set here, to see every colour)', async () => {
    const limits = [{ area: 'watchlist', used: 240, limit: 250 }, { area: 'collection', used: 1000, limit: 1000 }, { area: 'history', used: 2, limit: 100000 }];
    await page.route('**/api/action', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      if (JSON.parse(route.request().postData() ?? '{}').action === 'status' && body.data) body.data.limits = limits;
      await route.fulfill({ response: res, json: body });
    });
    try {
      await go('#/user', /settings of Alice/);
      await go('#/status', /Trakt: status of Alice/);
      const card = page.getByRole('region', { name: 'Account limits' });
      await card.waitFor();
      expect(await card.locator('progress').count()).toBe(3);
      await card.getByText('Watchlist: 240 of 250').waitFor();
      expect(await card.getByRole('progressbar', { name: 'Collection: 1,000 of 1,000' }).getAttribute('class')).toBe('tone-error');
      await card.getByText('Full: Trakt refuses more until you make room or go VIP.').waitFor();
      await card.getByText('Almost full.').waitFor();
      await checkA11y(page, 'status with limits');
      await shot(page, 'status-4-limits');
    } finally {
      await page.unroute('**/api/action');
    }
  });

  it('a restart without --reset keeps the connection and the data; --reset clears both', async () => {
    await web.close();
    await start(false);
    await go('#/status', /Trakt: status of Alice/);
    await connection().filter({ hasText: 'Connected to Trakt' }).waitFor();
    expect(web.app.sim.history('alice').map((h: any) => h.movie.ids.tmdb).sort()).toEqual([27205, 603].sort());
    await go('#/trakt', /Trakt account of alice/);
    await page.getByRole('region', { name: 'Plays' }).getByText(/The Matrix \(1999\)/).waitFor();
    // A play after the restart reaches Trakt: the sign-in still works.
    await api('/player', { user: 'alice', key: 'movie-949', op: 'play' });
    await expect.poll(() => web.app.sim.requests.some((r: any) => r.path === '/scrobble/start' && r.status === 201), { timeout: 10_000 }).toBe(true);
    await web.close();
    await start(true);
    expect(web.app.host).toBeNull();
    expect(web.app.sim.history('alice')).toEqual([]);
  });
});
