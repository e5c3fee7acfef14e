// The simulator's accounts saved to a file and loaded into a fresh simulator (npm start
// keeps them between runs): every user's data, the sign-ins that still work, ids going on.
import { describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM
import { TraktSimulator } from '../../host-stubs/trakt-sim/index.mjs';
// @ts-ignore: plain ESM
import { loadSimulator, saveSimulator } from '../../host-stubs/trakt-sim/persist.mjs';
// @ts-ignore: plain ESM
import { MOVIES, SHOWS } from '../../host-stubs/web/media.mjs';

const CLIENT = { client_id: 'c1', client_secret: 's1' };
function fresh(): any {
  const sim = new TraktSimulator({ rateLimits: false });
  sim.addClient(CLIENT);
  sim.addUser({ username: 'alice' });
  sim.seedCatalog({ movies: MOVIES, shows: SHOWS });
  return sim;
}

describe('simulator persistence', () => {
  it('a loaded simulator has the same accounts, and its tokens still sign in', async () => {
    const a = fresh();
    a.addUser({ username: 'carol', vip: true });
    const tok = a.issueToken('alice');
    a.seedHistory('alice', [{ movie: { ids: { tmdb: 27205 } }, watched_at: '2026-01-02T03:04:05.000Z' }, { episode: { ids: { tmdb: 62085 } } }]);
    a.seedRatings('alice', [{ movie: { ids: { tmdb: 603 } }, rating: 8 }]);
    a.seedWatchlist('alice', [{ show: { ids: { tvdb: 81189 } } }]);
    a.seedCollection('carol', [{ movie: { ids: { tmdb: 949 } } }]);
    const text = saveSimulator(a);
    expect(text).not.toContain('"function');

    const b = fresh();
    loadSimulator(b, text);
    for (const view of ['history', 'ratings', 'watchlist', 'playback', 'collection'] as const) {
      expect(b[view]('alice'), view).toEqual(a[view]('alice'));
      expect(b[view]('carol'), view).toEqual(a[view]('carol'));
    }
    expect(b.users.get('carol').limits).toEqual(a.users.get('carol').limits); // a getter of the class: the prototype came back
    expect(b.tokensOf('alice')).toEqual(a.tokensOf('alice'));
    // The same catalog objects, not copies: an episode's show is the catalog's show.
    const ep = b.users.get('alice').history.find((h: any) => h.item.kind === 'episode').item;
    expect(ep.show).toBe(b.catalog.shows[0]);

    await b.start();
    try {
      const r = await fetch(`${b.origin}/sync/history`, { headers: { authorization: `Bearer ${tok.access_token}`, 'trakt-api-key': 'c1', 'trakt-api-version': '2' } });
      expect(r.status).toBe(200);
      expect(await r.json()).toHaveLength(2);
      // New ids continue after the saved ones.
      const [h] = b.seedHistory('alice', [{ movie: { ids: { tmdb: 603 } } }]);
      expect(h!.id).toBeGreaterThan(Math.max(...a.history('alice').map((x: any) => x.id)));
    } finally {
      await b.stop();
    }
  });

  it('refuses a file of another version', () => {
    expect(() => loadSimulator(fresh(), JSON.stringify({ version: 9 }))).toThrow(/unknown version/);
  });
});
