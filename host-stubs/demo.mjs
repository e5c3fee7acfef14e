#!/usr/bin/env node
// npm run demo: the plugin at work, end to end, printed (a smoke test; `npm start` opens
// the web face instead, host-stubs/web). It loads dist/plugin.wasm into the stub Revenge
// host (persistent data folder, real-time clock), starts the Trakt simulator on loopback,
// connects a demo user through the device flow, plays a movie and an episode, rates and
// watchlists something, runs a sync, and tells what happened.
//
// Against the real Trakt (cannot be tried from this build machine): set
// TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET (an app from trakt.tv/oauth/applications) or pass
// --real; the demo then prints the device code for you to enter at trakt.tv/activate.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RevengeHost } from './index.mjs';
import { TraktSimulator } from './trakt-sim/index.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const real = args.has('--real') || !!process.env.TRAKT_CLIENT_ID;
const dataDir = process.env.DEMO_DATA_DIR ?? join(root, 'demo-data');
const USER = 'alice';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (s = '') => console.log(s);
const step = (s) => say(`\n== ${s}`);
const show = (label, out) => say(`   ${label}: ${typeof out === 'string' ? out : JSON.stringify(out)}`);

const inception = { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } };
const pilot = { type: 'episode', title: 'Pilot', season: 1, number: 1, ids: { tmdb: 62085, tvdb: 349232 }, show: { title: 'Breaking Bad', year: 2008, ids: { tmdb: 1396, imdb: 'tt0903747', tvdb: 81189 } } };
const matrix = { type: 'movie', title: 'The Matrix', year: 1999, ids: { tmdb: 603, imdb: 'tt0133093' } };
const heat = { type: 'movie', title: 'Heat', year: 1995, ids: { tmdb: 949, imdb: 'tt0113277' } };

/** Against the real Trakt the demo needs your Trakt app: say what to set, no stack trace. */
function missingCredentials() {
  const unset = ['TRAKT_CLIENT_ID', 'TRAKT_CLIENT_SECRET'].filter((k) => !process.env[k]?.trim());
  if (!real || !unset.length) return null;
  return [
    `demo --real needs your Trakt API application: ${unset.join(' and ')} ${unset.length > 1 ? 'are' : 'is'} not set.`,
    'Create one at https://trakt.tv/oauth/applications (redirect URI: urn:ietf:wg:oauth:2.0:oob), then run:',
    '  TRAKT_CLIENT_ID=<client id> TRAKT_CLIENT_SECRET=<client secret> npm run demo -- --real',
    'Without --real the demo runs against the Trakt simulator and needs nothing.',
  ].join('\n');
}

async function main() {
  const missing = missingCredentials();
  if (missing) {
    console.error(missing);
    process.exitCode = 2;
    return;
  }
  if (!args.has('--keep')) rmSync(dataDir, { recursive: true, force: true });
  let sim = null;
  let origins = {};
  let client = { client_id: process.env.TRAKT_CLIENT_ID ?? 'demo-client', client_secret: process.env.TRAKT_CLIENT_SECRET ?? 'demo-secret' };

  if (!real) {
    sim = new TraktSimulator({ deviceIntervalSec: 1 });
    await sim.start();
    origins = sim.origins();
    sim.addClient({ ...client, redirect_uris: ['http://localhost/api/v1/plugins/trakt/callback'] });
    sim.addUser({ username: USER });
    sim.seedCatalog({
      movies: [
        { title: 'Inception', year: 2010, runtime: 148, ids: { trakt: 16662, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } },
        { title: 'The Matrix', year: 1999, runtime: 136, ids: { trakt: 481, slug: 'the-matrix-1999', imdb: 'tt0133093', tmdb: 603 } },
        { title: 'Heat', year: 1995, runtime: 170, ids: { trakt: 949, slug: 'heat-1995', imdb: 'tt0113277', tmdb: 949 } },
      ],
      shows: [{ title: 'Breaking Bad', year: 2008, runtime: 47, ids: { trakt: 1388, slug: 'breaking-bad', tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 },
        seasons: [{ number: 1, episodes: [{ number: 1, title: 'Pilot', ids: { trakt: 73482, tvdb: 349232, imdb: 'tt0959621', tmdb: 62085 } }] }] }],
    });
    // Something watched on another device, to show import.
    sim.seedHistory(USER, [{ movie: { ids: { tmdb: 949 } }, watched_at: Date.now() - 3 * 86_400_000 }]);
    say(`Trakt simulator on ${sim.origin} (api.trakt.tv, auth.trakt.tv and trakt.tv are routed there).`);
  } else {
    say('Talking to the real api.trakt.tv.');
  }

  const host = await RevengeHost.load(join(root, 'dist'), { dataDir, origins, startMs: Date.now() });
  try {
    say(`Revenge host: plugin "${host.manifest.name}" ${host.manifest.version} loaded from dist/, data in ${dataDir}.`);
    host.library.seed({
      users: [USER],
      movies: [inception, matrix, heat].map(({ title, year, ids }) => ({ title, year, ids })),
      shows: [{ title: 'Breaking Bad', year: 2008, ids: pilot.show.ids, episodes: [{ season: 1, number: 1, title: 'Pilot', ids: pilot.ids }] }],
      // Watched here before the plugin was installed, to show export.
      history: [{ user_id: USER, item: matrix, at_ms: Date.now() - 2 * 86_400_000 }],
    });
    host.setServerSettings({ client_id: client.client_id, client_secret: client.client_secret });
    host.setUserSettings(USER, { scrobble: true, sync_history: 'both', sync_ratings: 'export', sync_watchlist: 'export' });
    host.startRealTime({ pollMs: 250 });

    step(`${USER} presses "Connect Trakt"`);
    const c = await host.action('connect', { userId: USER });
    show('plugin', c.message);
    if (!c.ok) throw new Error('connect failed');
    if (sim) {
      sim.approveDevice(c.data.user_code, USER);
      show('simulator', `${USER} entered ${c.data.user_code} and approved`);
    } else {
      say(`   Enter ${c.data.user_code} at ${c.data.verification_url} now; waiting...`);
    }
    for (let i = 0; i < (sim ? 40 : 600); i++) {
      const st = await host.action('status', { userId: USER });
      if (st.data.connection === 'connected') break;
      await sleep(500);
    }
    show('status', (await host.action('status', { userId: USER })).message.split('\n')[0]);

    const playback = async (label, item, state, pct, extra = {}) => {
      const out = await host.deliver('playback', {
        event_id: `demo-${label}-${state}-${Date.now()}`, user_id: USER, session_id: `demo-${label}`, state,
        position_ms: Math.round(pct * 60_000), duration_ms: 100 * 60_000, occurred_at: new Date(host.clock.now()).toISOString(), item, ...extra,
      });
      show(`${state.padEnd(8)} ${String(pct).padStart(3)}%`, `${out.status}${out.detail ? ` (${out.detail})` : ''}`);
      await sleep(1_300); // Trakt takes one write a second
    };
    step(`${USER} watches Inception (start, pause, resume, stop at 96%)`);
    await playback('movie', inception, 'start', 0);
    await playback('movie', inception, 'pause', 40);
    await playback('movie', inception, 'resume', 40);
    await playback('movie', inception, 'stop', 96);

    step(`${USER} watches Breaking Bad S01E01 to the end credits`);
    await playback('episode', pilot, 'start', 0);
    await playback('episode', pilot, 'stop', 93, { completed: true });

    step(`${USER} rates Inception 4.5 stars and adds Heat to the watchlist`);
    const at = () => new Date(host.clock.now()).toISOString();
    show('rating', await host.deliver('rating', { event_id: `demo-r-${Date.now()}`, user_id: USER, occurred_at: at(), item: inception, rating: 4.5 }));
    await sleep(1_300);
    show('watchlist', await host.deliver('watchlist', { event_id: `demo-w-${Date.now()}`, user_id: USER, occurred_at: at(), item: heat, action: 'add' }));
    await sleep(1_300);

    step(`${USER} presses "Sync now"`);
    const s = await host.action('sync_now', { userId: USER });
    show('plugin', s.message);
    for (let i = 0; i < 60; i++) {
      const st = await host.action('status', { userId: USER });
      if (!/sync (running|in progress)/i.test(st.message)) break;
      await sleep(1_000);
    }

    step('What the plugin says on the settings page');
    for (const line of (await host.action('status', { userId: USER })).message.split('\n')) say(`   ${line}`);

    if (sim) {
      step('What Trakt received');
      for (const r of sim.requests) say(`   ${r.method.padEnd(4)} ${r.path.padEnd(28)} -> ${r.status}`);
      step(`${USER}'s Trakt account now`);
      for (const h of sim.history(USER)) say(`   played  ${h.movie ? h.movie.title : `${h.show.title} S${h.episode.season}E${h.episode.number}`} at ${h.watched_at} (${h.action})`);
      for (const r of sim.ratings(USER)) say(`   rated   ${(r.movie ?? r.show ?? r.episode).title}: ${r.rating}/10`);
      for (const wl of sim.watchlist(USER)) say(`   listed  ${(wl.movie ?? wl.show ?? wl.episode).title}`);
      const dups = sim.history(USER).length - new Set(sim.history(USER).map((h) => `${JSON.stringify(h.movie?.ids ?? h.episode?.ids)}|${h.watched_at.slice(0, 10)}`)).size;
      say(`   duplicate plays: ${dups}`);
    }
    step(`${USER}'s Revenge library now`);
    const lib = host.library.state(USER);
    for (const p of lib.history ?? []) say(`   played  ${p.item.title ?? p.item.show?.title} at ${new Date(p.at_ms).toISOString()}`);
  } finally {
    await host.close();
    await sim?.stop();
  }
}

main().catch((e) => {
  // A stack only for a fault of the demo itself; a refusal from Trakt or the host reads as words.
  console.error(`demo failed: ${process.env.DEBUG ? e.stack : e.message}`);
  process.exit(1);
});
