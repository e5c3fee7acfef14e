// An end-to-end world: the real dist/plugin.wasm in the stub Revenge host, talking to the
// Trakt simulator on loopback, all on one virtual clock that tests move.
import { join } from 'node:path';
import { RevengeHost } from '../../host-stubs/index.mjs';
import { TraktSimulator } from '../../host-stubs/trakt-sim/index.mjs';
import { DIST, builtPlugin } from './plugin-paths.js';

export const CLIENT = { client_id: 'test-client-id', client_secret: 'test-client-secret-value', redirect_uris: ['https://revenge.local/api/v1/plugins/trakt/callback'] };
export const START = Date.UTC(2026, 10, 1, 12, 0, 0);

import { MOVIES, SHOW } from './catalog.js';

export { MOVIES, SHOW };

export const movieItem = (i = 0) => {
  const m = MOVIES[i]!;
  return { type: 'movie' as const, title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } };
};
/** An episode as hosts often send it: its own tmdb/tvdb ids, or only the show's. */
export const episodeItem = (n = 1, ownIds = true) => {
  const e = SHOW.seasons[0]!.episodes[n - 1]!;
  return {
    type: 'episode' as const, title: e.title, season: 1, number: n,
    ids: ownIds ? { tmdb: e.ids.tmdb, tvdb: e.ids.tvdb } : {},
    show: { title: SHOW.title, year: SHOW.year, ids: { tmdb: SHOW.ids.tmdb, imdb: SHOW.ids.imdb, tvdb: SHOW.ids.tvdb } },
  };
};

export interface World {
  host: RevengeHost;
  sim: TraktSimulator;
  now(): number;
  advance(ms: number): Promise<void>;
  connect(userId: string, username?: string): Promise<void>;
  close(): Promise<void>;
}

/** `tickIntervalSeconds`: the same package with another interval tick (long tests: fewer ticks); `host`: more host options. */
export async function makeWorld(opts: { users?: string[]; sim?: ConstructorParameters<typeof TraktSimulator>[0]; userSettings?: Record<string, unknown>; host?: Record<string, unknown>; tickIntervalSeconds?: number } = {}): Promise<World> {
  let host!: RevengeHost;
  const sim = new TraktSimulator({ clock: () => host.clock.now(), ...opts.sim });
  await sim.start();
  const built = opts.tickIntervalSeconds ? builtPlugin() : null;
  const pkg = built ? { ...built, manifest: { ...built.manifest, tick: { intervalSeconds: opts.tickIntervalSeconds } } } : DIST;
  host = await RevengeHost.load(pkg, { startMs: START, origins: sim.origins(), secretKey: 'a'.repeat(64), ...opts.host });
  sim.addClient(CLIENT);
  sim.seedCatalog({ movies: MOVIES, shows: [SHOW] });
  const users = opts.users ?? ['alice'];
  host.library.seed({
    users,
    movies: MOVIES.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })),
    shows: [{ title: SHOW.title, year: SHOW.year, ids: { tmdb: SHOW.ids.tmdb, imdb: SHOW.ids.imdb, tvdb: SHOW.ids.tvdb }, seasons: [{ number: 1 }], episodes: SHOW.seasons[0]!.episodes.map((e) => ({ season: 1, number: e.number, title: e.title, ids: { tmdb: e.ids.tmdb, tvdb: e.ids.tvdb } })) }],
  });
  host.setServerSettings({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret, redirect_uri: CLIENT.redirect_uris[0] });
  for (const u of users) {
    sim.addUser({ username: u });
    if (opts.userSettings) host.setUserSettings(u, opts.userSettings);
  }
  const world: World = {
    host,
    sim,
    now: () => host.clock.now(),
    advance: (ms) => host.advance(ms),
    async connect(userId, username = userId) {
      const out = await host.action('connect', { userId });
      if (!out.ok) throw new Error(`connect failed: ${out.message}`);
      sim.approveDevice(out.data.user_code, username);
      await host.advance(6_000);
      const st = await host.action('status', { userId });
      if (st.data.connection !== 'connected') throw new Error(`not connected after approval: ${st.message}`);
    },
    async close() {
      await host.close();
      await sim.stop();
    },
  };
  return world;
}

let seq = 0;
export const playback = (userId: string, state: string, positionMin: number, item: object, extra: Record<string, unknown> = {}, occurredAt?: number) => ({
  event_id: `pb-${++seq}`, user_id: userId, session_id: (extra.session_id as string) ?? 's1', state,
  position_ms: positionMin * 60_000, duration_ms: 100 * 60_000,
  occurred_at: new Date(occurredAt ?? Date.now()).toISOString(), item, ...extra,
});

export { join };
