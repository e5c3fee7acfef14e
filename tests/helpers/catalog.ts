// Trakt's catalog of the test worlds (the e2e world and the Node world of src/): three
// movies and one show of three episodes, with the ids each side knows.

/** Three movies with their Trakt, imdb and tmdb ids. */
export const MOVIES = [
  { title: 'Inception', year: 2010, runtime: 148, ids: { trakt: 16662, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } },
  { title: 'The Matrix', year: 1999, runtime: 136, ids: { trakt: 481, slug: 'the-matrix-1999', imdb: 'tt0133093', tmdb: 603 } },
  { title: 'Heat', year: 1995, runtime: 170, ids: { trakt: 949, slug: 'heat-1995', imdb: 'tt0113277', tmdb: 949 } },
];
/** One show, one season of three episodes. */
export const SHOW = {
  title: 'Breaking Bad', year: 2008, runtime: 47, ids: { trakt: 1388, slug: 'breaking-bad', tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 },
  seasons: [{ number: 1, episodes: [1, 2, 3].map((n) => ({ number: n, title: `Episode ${n}`, ids: { trakt: 73480 + n, tvdb: 349231 + n, imdb: `tt095930${n}`, tmdb: 62084 + n } })) }],
};
