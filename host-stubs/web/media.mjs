// The demo's media: what the Revenge library holds (and the same titles in the Trakt
// simulator's catalog, with Trakt ids and runtimes), and its two users.
export const USERS = [{ id: 'alice', name: 'Alice' }, { id: 'bob', name: 'Bob' }];

export const MOVIES = [
  { title: 'Inception', year: 2010, runtime: 148, ids: { trakt: 16662, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } },
  { title: 'The Matrix', year: 1999, runtime: 136, ids: { trakt: 481, slug: 'the-matrix-1999', imdb: 'tt0133093', tmdb: 603 } },
  { title: 'Heat', year: 1995, runtime: 170, ids: { trakt: 949, slug: 'heat-1995', imdb: 'tt0113277', tmdb: 949 } },
];
export const SHOWS = [{
  title: 'Breaking Bad', year: 2008, runtime: 47, ids: { trakt: 1388, slug: 'breaking-bad', tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 },
  seasons: [{
    number: 1,
    episodes: [
      { number: 1, title: 'Pilot', ids: { trakt: 73482, tvdb: 349232, imdb: 'tt0959621', tmdb: 62085 } },
      { number: 2, title: "Cat's in the Bag...", ids: { trakt: 73483, tvdb: 349235, imdb: 'tt1054724', tmdb: 62086 } },
      { number: 3, title: "...And the Bag's in the River", ids: { trakt: 73484, tvdb: 349236, imdb: 'tt1054725', tmdb: 62087 } },
    ],
  }],
}];

const local = (ids) => Object.fromEntries(['tmdb', 'imdb', 'tvdb'].filter((k) => ids[k]).map((k) => [k, ids[k]]));

/** The library seed document (host.library.seed). */
export function librarySeed() {
  return {
    users: USERS,
    movies: MOVIES.map((m) => ({ title: m.title, year: m.year, ids: local(m.ids) })),
    shows: SHOWS.map((s) => ({
      title: s.title, year: s.year, ids: local(s.ids),
      episodes: s.seasons.flatMap((se) => se.episodes.map((e) => ({ season: se.number, number: e.number, title: e.title, ids: local(e.ids) }))),
    })),
  };
}

/**
 * Every playable item with a stable key for URLs, its MediaItem and runtime.
 * @returns {Array<{ key: string, label: string, runtime_min: number, item: any }>}
 */
export function playables() {
  const out = [];
  for (const m of MOVIES) out.push({ key: `movie-${m.ids.tmdb}`, label: `${m.title} (${m.year})`, runtime_min: m.runtime, item: { type: 'movie', title: m.title, year: m.year, ids: local(m.ids) } });
  for (const s of SHOWS) {
    for (const se of s.seasons) {
      for (const e of se.episodes) {
        out.push({
          key: `episode-${e.ids.tmdb}`, label: `${s.title} S${String(se.number).padStart(2, '0')}E${String(e.number).padStart(2, '0')} ${e.title}`, runtime_min: s.runtime,
          item: { type: 'episode', title: e.title, season: se.number, number: e.number, ids: local(e.ids), show: { title: s.title, year: s.year, ids: local(s.ids) } },
        });
      }
    }
  }
  return out;
}
